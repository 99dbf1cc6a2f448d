//! Debug builds only, and only with `CHAPPE_IPC_RECORD=<file>`: everything the shell
//! sends to the webview is appended to that file, one JSON object per line, so that a
//! test can prove no secret (access token, store passphrase) ever crosses into it
//! (tests/e2e/security.e2e.mjs greps the file of a whole e2e run).
//!
//! Two sources, both seen in Rust just before delivery:
//! - command responses (success or error), from the `ipc::request::response` trace span
//!   Tauri opens around each one (Tauri's `tracing` feature);
//! - channel messages (room list, timeline, sync status…), from
//!   `Builder::channel_interceptor`, which lets them through unchanged.
//!
//! Lines: `{"kind":"response","cmd":"login","body":"…"}` and
//! `{"kind":"channel","channel":12,"index":0,"body":"…"}`.

use std::{
    fs::File,
    io::Write,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use tauri::{
    ipc::{CallbackFn, InvokeResponseBody},
    Builder, Runtime, Webview,
};
use tracing::{
    field::{Field, Visit},
    span::{Attributes, Id},
    Subscriber,
};
use tracing_subscriber::{layer::Context, registry::LookupSpan, Layer};

const ENV: &str = "CHAPPE_IPC_RECORD";
/// Tauri's spans around one IPC request, its response, and the response body.
const REQUEST_SPAN: &str = "ipc::request::handle";
const RESPONSE_SPAN: &str = "ipc::request::response";

/// The open record file, shared by the tracing layer and the channel interceptor.
#[derive(Clone)]
pub struct Recorder(Arc<Mutex<File>>);

impl Recorder {
    /// The recorder asked for by the environment, if any (and if the file opens).
    pub fn from_env() -> Option<Self> {
        let path = PathBuf::from(std::env::var_os(ENV)?);
        match File::options().create(true).append(true).open(&path) {
            Ok(file) => {
                eprintln!("chappe: recording IPC payloads to {}", path.display());
                Some(Self(Arc::new(Mutex::new(file))))
            }
            Err(err) => {
                eprintln!("chappe: cannot record IPC to {}: {err}", path.display());
                None
            }
        }
    }

    fn write(&self, line: &serde_json::Value) {
        let mut file = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // A test reads this file: a failed write is reported there by its absence.
        let _ = writeln!(file, "{line}");
    }

    /// Adds the channel interceptor to the app's builder.
    pub fn intercept_channels<R: Runtime>(&self, builder: Builder<R>) -> Builder<R> {
        let recorder = self.clone();
        builder.channel_interceptor(
            move |_webview: &Webview<R>, channel: CallbackFn, index: usize, body| {
                recorder.write(&serde_json::json!({
                    "kind": "channel",
                    "channel": channel.0,
                    "index": index,
                    "body": body_text(body),
                }));
                // Not consumed: Tauri delivers it as usual.
                false
            },
        )
    }
}

fn body_text(body: &InvokeResponseBody) -> String {
    match body {
        InvokeResponseBody::Json(json) => json.clone(),
        InvokeResponseBody::Raw(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The command name of a request span, kept on it for its response.
struct Command(String);

/// Collects one string field of a span's attributes.
struct FieldText<'a> {
    name: &'a str,
    value: Option<String>,
}

impl Visit for FieldText<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == self.name {
            self.value = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == self.name {
            self.value = Some(format!("{value:?}"));
        }
    }
}

fn field(attrs: &Attributes<'_>, name: &str) -> Option<String> {
    let mut visitor = FieldText { name, value: None };
    attrs.record(&mut visitor);
    visitor.value
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let name = attrs.metadata().name();
        if name == REQUEST_SPAN {
            if let (Some(cmd), Some(span)) = (field(attrs, "cmd"), ctx.span(id)) {
                span.extensions_mut().insert(Command(cmd));
            }
        } else if name == RESPONSE_SPAN {
            let cmd = ctx.span(id).and_then(|span| {
                span.scope()
                    .find_map(|s| s.extensions().get::<Command>().map(|c| c.0.clone()))
            });
            self.write(&serde_json::json!({
                "kind": "response",
                "cmd": cmd,
                "body": field(attrs, "response"),
            }));
        }
    }
}

/// Whether a span or event is one the recorder reads: Tauri's IPC spans, at any level.
pub fn wanted(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.target().starts_with("tauri::ipc")
        && matches!(
            metadata.name(),
            REQUEST_SPAN | RESPONSE_SPAN | "ipc::request::respond"
        )
}
