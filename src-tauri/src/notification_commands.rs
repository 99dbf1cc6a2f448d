//! Desktop notifications (through the OS notification service with notify-rust, not
//! the webview's API), notification settings, and room tags.
//!
//! One task per session (`subscribe_notifications`, replaced when the webview
//! subscribes again, aborted on logout) reads `chappe_core`'s notifications and shows
//! those that arrive while the main window is not focused. notify-rust blocks (D-Bus
//! round trips, then waiting for the user's click), so each notification lives on a
//! blocking thread until it is clicked or closed. A click focuses the window and sends
//! the room ID to the webview, which opens that room.

use chappe_core::{
    notifications::{Notification, NotificationMode, RoomNotifications},
    room_list::{self, RoomTag},
};
use futures_util::StreamExt;
use serde::Deserialize;
use tauri::{ipc::Channel, AppHandle, Manager, Runtime, State};
use tracing::warn;

use crate::{error::UiError, state::SharedState};

/// The words of a notification that are not the message's: the UI's i18n table gives
/// them, so the shell stays free of user-facing text.
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NotificationTexts {
    /// Shown instead of the text of a message that could not be decrypted.
    pub encrypted: String,
    /// Shown for a message without text (sticker, poll…).
    pub other: String,
    /// Added to the title when the user is mentioned.
    pub mention: String,
}

async fn notifier(state: &SharedState) -> Result<chappe_core::notifications::Notifier, UiError> {
    let guard = state.session.read().await;
    Ok(guard
        .as_ref()
        .ok_or(UiError::NotLoggedIn)?
        .notifications()
        .clone())
}

/// Starts showing desktop notifications for this session; `channel` receives the room
/// ID of each notification the user clicks.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_notifications(
    app: AppHandle,
    state: State<'_, SharedState>,
    texts: NotificationTexts,
    channel: Channel<String>,
) -> Result<(), UiError> {
    let stream = notifier(&state).await?.subscribe();
    let app_for_tray = app.clone();
    let task = tokio::spawn(async move {
        let markup = tauri::async_runtime::spawn_blocking(desktop::supports_markup)
            .await
            .unwrap_or(false);
        futures_util::pin_mut!(stream);
        while let Some(n) = stream.next().await {
            let Some(window) = app.get_webview_window("main") else {
                continue;
            };
            // The user is looking at the app: the room list's badges say enough.
            if window.is_focused().unwrap_or(false) {
                continue;
            }
            let (summary, body) = desktop::words(&n, &texts, markup);
            let (app, channel) = (app.clone(), channel.clone());
            let room_id = n.room_id.clone();
            tauri::async_runtime::spawn_blocking(move || {
                desktop::show(&summary, &body, n.is_mention, move || {
                    focus_main(&app);
                    // The webview went away: nothing to open.
                    let _ = channel.send(room_id);
                });
            });
        }
    });
    if let Some(old) = state
        .notifications
        .lock()
        .await
        .replace(task.abort_handle())
    {
        old.abort();
    }
    // A session is here: the tray's "Mute notifications" can show its switch.
    crate::desktop::sync_mute(&app_for_tray).await;
    Ok(())
}

fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    for result in [window.unminimize(), window.show(), window.set_focus()] {
        if let Err(err) = result {
            warn!(%err, "cannot bring the window forward");
        }
    }
}

/// The global switch, on this device.
#[tauri::command]
#[specta::specta]
pub async fn notifications_enabled(state: State<'_, SharedState>) -> Result<bool, UiError> {
    Ok(notifier(&state).await?.enabled())
}

#[tauri::command]
#[specta::specta]
pub async fn set_notifications_enabled(
    app: AppHandle,
    state: State<'_, SharedState>,
    enabled: bool,
) -> Result<(), UiError> {
    notifier(&state).await?.set_enabled(enabled).await?;
    // The tray's "Mute notifications" is the same switch.
    crate::desktop::sync_mute(&app).await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn room_notifications(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<RoomNotifications, UiError> {
    Ok(notifier(&state).await?.room_mode(&room_id).await?)
}

/// Sets how much the room notifies; `None` goes back to the account's default.
#[tauri::command]
#[specta::specta]
pub async fn set_room_notifications(
    state: State<'_, SharedState>,
    room_id: String,
    mode: Option<NotificationMode>,
) -> Result<(), UiError> {
    let notifier = notifier(&state).await?;
    match mode {
        Some(mode) => notifier.set_room_mode(&room_id, mode).await?,
        None => notifier.reset_room_mode(&room_id).await?,
    }
    Ok(())
}

/// Marks the room favourite or low priority (`on`), or takes the tag off.
#[tauri::command]
#[specta::specta]
pub async fn set_room_tag(
    state: State<'_, SharedState>,
    room_id: String,
    tag: RoomTag,
    on: bool,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_list::set_tag(&client, &room_id, tag, on).await?)
}

/// What the OS notification service sees. Blocking calls only.
mod desktop {
    use super::{Notification, NotificationTexts};

    /// Whether the notification server reads markup in bodies: then a message's `<`
    /// and `&` must be escaped, or a message could format (or link from) the popup.
    pub fn supports_markup() -> bool {
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            notify_rust::get_capabilities()
                .map(|caps| caps.iter().any(|c| c == "body-markup"))
                .unwrap_or(false)
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            false
        }
    }

    fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    /// The title (room, marked when the user is mentioned) and the body ("Sender: text",
    /// without the sender in a direct chat named after them).
    pub fn words(n: &Notification, texts: &NotificationTexts, markup: bool) -> (String, String) {
        let text = if n.is_encrypted {
            texts.encrypted.clone()
        } else if n.body.is_empty() {
            texts.other.clone()
        } else {
            n.body.clone()
        };
        let body = if n.sender_name == n.room_name {
            text
        } else {
            format!("{}: {text}", n.sender_name)
        };
        let summary = if n.is_mention {
            format!("{} · {}", n.room_name, texts.mention)
        } else {
            n.room_name.clone()
        };
        (summary, if markup { escape(&body) } else { body })
    }

    /// Shows the notification and, where the platform reports clicks, waits for one
    /// (or for the notification to close) and calls `on_click`.
    pub fn show(summary: &str, body: &str, is_mention: bool, on_click: impl FnOnce()) {
        let mut notification = notify_rust::Notification::new();
        notification.appname("Chappe").summary(summary).body(body);
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use notify_rust::{Hint, Urgency};
            notification
                .hint(Hint::Category("im.received".into()))
                .hint(Hint::DesktopEntry("chappe".into()))
                .urgency(if is_mention {
                    Urgency::Critical
                } else {
                    Urgency::Normal
                })
                // The default action is a click on the notification itself.
                .action("default", "Chappe");
            match notification.show() {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        on_click();
                    }
                }),
                Err(err) => tracing::warn!(%err, "the notification could not be shown"),
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            let _ = (is_mention, on_click);
            if let Err(err) = notification.show() {
                tracing::warn!(%err, "the notification could not be shown");
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn texts() -> NotificationTexts {
            NotificationTexts {
                encrypted: "Message chiffré".into(),
                other: "Message".into(),
                mention: "mention".into(),
            }
        }

        fn note(room: &str, sender: &str, body: &str) -> Notification {
            Notification {
                room_id: "!r:x".into(),
                room_name: room.into(),
                sender_name: sender.into(),
                body: body.into(),
                is_mention: false,
                is_encrypted: false,
                event_id: "$e".into(),
            }
        }

        #[test]
        fn a_group_message_names_its_sender_and_a_mention_is_marked() {
            let mut n = note("Équipe", "Bob", "salut");
            assert_eq!(
                words(&n, &texts(), false),
                ("Équipe".into(), "Bob: salut".into())
            );
            n.is_mention = true;
            assert_eq!(words(&n, &texts(), false).0, "Équipe · mention");
        }

        #[test]
        fn a_direct_chat_shows_the_text_alone_and_unreadable_messages_say_so() {
            let mut n = note("Bob", "Bob", "salut");
            assert_eq!(words(&n, &texts(), false).1, "salut");
            n.is_encrypted = true;
            n.body.clear();
            assert_eq!(words(&n, &texts(), false).1, "Message chiffré");
        }

        #[test]
        fn markup_in_a_message_is_escaped_when_the_server_reads_markup() {
            let n = note("R", "Eve", "<a href=\"https://x\">clic</a> & <b>gras</b>");
            let (_, body) = words(&n, &texts(), true);
            assert_eq!(
                body,
                "Eve: &lt;a href=\"https://x\"&gt;clic&lt;/a&gt; &amp; &lt;b&gt;gras&lt;/b&gt;"
            );
            assert!(words(&n, &texts(), false).1.contains("<b>"));
        }
    }
}
