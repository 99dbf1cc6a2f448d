//! Room links the OS hands to Chappe while it runs: clicking a `matrix:` or `chappe:`
//! link starts the app again with the link as argument; tauri-plugin-single-instance
//! makes that second process pass its arguments to the running one (over D-Bus on
//! Linux) and exit. Here the running one brings its window forward and gives the link
//! to the UI, which opens the same preview-and-join flow as a link given at start-up
//! (`AppInfo::start_link`).
//!
//! The UI subscribes once (`subscribe_links`); a link that arrives before that (the
//! window still loading) waits in `Links` and is sent on subscription.

use std::sync::{Mutex, MutexGuard};

use tauri::{ipc::Channel, AppHandle, Manager, Runtime, State};

use crate::UiError;

#[derive(Default)]
pub struct Links(Mutex<Inbox>);

#[derive(Default)]
struct Inbox {
    channel: Option<Channel<String>>,
    pending: Vec<String>,
}

impl Links {
    fn inbox(&self) -> MutexGuard<'_, Inbox> {
        // Nothing here can be left half-changed by a panic: keep going with it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends the link to the UI, or keeps it until the UI subscribes.
    pub fn deliver(&self, link: String) {
        let mut inbox = self.inbox();
        if let Some(channel) = &inbox.channel {
            if channel.send(link.clone()).is_ok() {
                return;
            }
            inbox.channel = None;
        }
        inbox.pending.push(link);
    }

    /// The UI's channel from now on; links that waited go to it first.
    fn subscribe(&self, channel: Channel<String>) {
        let mut inbox = self.inbox();
        let pending = std::mem::take(&mut inbox.pending);
        for (i, link) in pending.iter().enumerate() {
            if channel.send(link.clone()).is_err() {
                inbox.pending = pending[i..].to_vec();
                return;
            }
        }
        inbox.channel = Some(channel);
    }
}

/// The first room link among a command line's arguments (the program name skipped).
pub fn link_in(args: &[String]) -> Option<String> {
    args.iter()
        .skip(1)
        .find(|a| chappe_core::room_links::parse(a).is_some())
        .cloned()
}

/// What the running instance does when Chappe is started again: its window comes
/// forward, and a link among the new arguments is opened.
pub fn on_second_launch<R: Runtime>(app: &AppHandle<R>, args: Vec<String>, _cwd: String) {
    if let Some(window) = app.get_webview_window("main") {
        // Best effort: some window managers refuse focus; the link opens anyway.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Some(link) = link_in(&args) {
        tracing::info!("room link from a second launch");
        app.state::<Links>().deliver(link);
    }
}

/// Room links given to the app while it runs (see the module doc).
#[tauri::command]
#[specta::specta]
pub async fn subscribe_links(
    links: State<'_, Links>,
    channel: Channel<String>,
) -> Result<(), UiError> {
    links.subscribe(channel);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tauri::ipc::{Channel, InvokeResponseBody};

    use super::*;

    fn recording() -> (Channel<String>, Arc<Mutex<Vec<String>>>) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                if let Ok(link) = serde_json::from_str::<String>(&json) {
                    sink.lock().unwrap_or_else(|e| e.into_inner()).push(link);
                }
            }
            Ok(())
        });
        (channel, got)
    }

    #[test]
    fn a_link_that_comes_before_the_ui_waits_for_it_then_links_go_straight_through() {
        let links = Links::default();
        links.deliver("matrix:r/early:example.org".into());
        let (channel, got) = recording();
        links.subscribe(channel);
        links.deliver("chappe:r/later:example.org".into());
        assert_eq!(
            *got.lock().unwrap_or_else(|e| e.into_inner()),
            vec!["matrix:r/early:example.org", "chappe:r/later:example.org"]
        );
    }

    #[test]
    fn only_room_links_are_taken_from_a_command_line() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(link_in(&args(&["chappe"])), None);
        assert_eq!(
            link_in(&args(&["matrix:r/x:y"])),
            None,
            "the program name is not an argument"
        );
        assert_eq!(
            link_in(&args(&["chappe", "--flag", "matrix:r/forum:example.org"])),
            Some("matrix:r/forum:example.org".into())
        );
        assert_eq!(link_in(&args(&["chappe", "https://example.org/"])), None);
    }
}
