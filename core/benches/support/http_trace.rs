//! Where a cold login spends its time: a `tracing` layer that records every HTTP
//! request matrix-sdk sends (its `matrix_sdk::http_client` `send` span: method, path,
//! start and end) while recording is on. The bench turns it on for one extra cold
//! login and prints the requests on a time line, so the gaps between them (local
//! work: stores, crypto) show as well.

use std::{
    fmt::Debug,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Instant,
};

use tracing::{
    field::{Field, Visit},
    span, Subscriber,
};
use tracing_subscriber::{layer::Context, registry::LookupSpan, Layer};

/// One request: what, and when relative to the start of the recording.
#[derive(Clone, Debug)]
pub struct Request {
    pub what: String,
    pub start_ms: f64,
    pub end_ms: f64,
}

#[derive(Clone, Default)]
pub struct Recorder {
    on: Arc<AtomicBool>,
    inner: Arc<Mutex<Recording>>,
}

#[derive(Default)]
struct Recording {
    t0: Option<Instant>,
    done: Vec<Request>,
}

impl Recorder {
    pub fn start(&self) -> Instant {
        let t0 = Instant::now();
        let mut r = self.inner.lock().unwrap();
        r.t0 = Some(t0);
        r.done.clear();
        self.on.store(true, Ordering::SeqCst);
        t0
    }

    /// Stops recording; returns the finished requests in start order.
    pub fn stop(&self) -> Vec<Request> {
        self.on.store(false, Ordering::SeqCst);
        let mut r = self.inner.lock().unwrap();
        let mut done = std::mem::take(&mut r.done);
        done.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        done
    }
}

struct Open {
    method: String,
    uri: String,
    start: Instant,
}

#[derive(Default)]
struct Fields {
    method: Option<String>,
    uri: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.set(field, format!("{value:?}").trim_matches('"').to_owned());
    }
}

impl Fields {
    fn set(&mut self, field: &Field, value: String) {
        match field.name() {
            "method" => self.method = Some(value),
            "uri" => self.uri = Some(value),
            _ => {}
        }
    }
}

pub fn is_request(meta: &tracing::Metadata<'_>) -> bool {
    meta.target() == "matrix_sdk::http_client" && meta.name() == "send"
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if !is_request(attrs.metadata()) || !self.on.load(Ordering::SeqCst) {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut f = Fields::default();
        attrs.record(&mut f);
        span.extensions_mut().insert(Open {
            method: f.method.unwrap_or_default(),
            uri: f.uri.unwrap_or_default(),
            start: Instant::now(),
        });
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        let Some(open) = ext.get_mut::<Open>() else {
            return;
        };
        let mut f = Fields::default();
        values.record(&mut f);
        if let Some(m) = f.method {
            open.method = m;
        }
        if let Some(u) = f.uri {
            open.uri = u;
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(open) = span.extensions_mut().remove::<Open>() else {
            return;
        };
        let end = Instant::now();
        let mut r = self.inner.lock().unwrap();
        let Some(t0) = r.t0 else { return };
        // Keep the path only: the host is always the bench homeserver.
        let path = open
            .uri
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
            .unwrap_or(open.uri);
        r.done.push(Request {
            what: format!("{} {path}", open.method),
            start_ms: open.start.saturating_duration_since(t0).as_secs_f64() * 1e3,
            end_ms: end.saturating_duration_since(t0).as_secs_f64() * 1e3,
        });
    }
}
