//! What makes Chappe an app an agent keeps open all day: a tray icon (unread count in
//! its tooltip, title and picture; menu Open / Mute notifications / Quit), closing the
//! window into the tray instead of quitting (a setting, on by default), and starting
//! with the user's session (tauri-plugin-autostart).
//!
//! Nothing here needs a tray to work: on a desktop without a tray host (GNOME without
//! its extension, a bare X server) or without the appindicator library, the closed
//! window comes back when Chappe is started again (single instance: see links.rs) or
//! when a notification is clicked.
//!
//! The close-to-tray choice belongs to the device, not to an account: it lives in
//! `desktop.json` in the data folder, next to the account stores, so it is known before
//! anyone signs in. Autostart is the OS's own record (an XDG autostart entry, a Run
//! registry value, a login item), read back from there each time.

use std::{
    panic::{self, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
};

use chappe_core::{diff::ListDiff, room_list::RoomSummary};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tauri::{
    image::Image,
    menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem},
    tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent},
    AppHandle, Manager, Runtime, State, Window, WindowEvent, Wry,
};
use tauri_plugin_autostart::ManagerExt;
use tokio::task::AbortHandle;
use tracing::{info, warn};

use crate::{error::UiError, state::SharedState};

const PREFS_FILE: &str = "desktop.json";
/// Given to Chappe by the session's autostart entry: the window then starts hidden in
/// the tray (when closing to the tray is on), as it was left at the end of the day.
pub const AUTOSTART_ARG: &str = "--autostart";
const TRAY_ID: &str = "chappe";
/// The tray's picture: the app icon, drawn for small sizes by icons/make_icons.sh.
static TRAY_ICON: Image<'static> = tauri::include_image!("../icons/tray.png");

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DesktopError {
    #[error("cannot save {path}: {source}")]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot change the autostart entry: {0}")]
    Autostart(String),
}

/// The device's desktop settings, as kept in `desktop.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Prefs {
    /// Closing the window hides it (Chappe keeps running and notifying) rather than
    /// quitting.
    pub close_to_tray: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            close_to_tray: true,
        }
    }
}

impl Prefs {
    /// No file: the defaults. A file that cannot be read or parsed: the defaults too
    /// (said in the log), and the file is left as it is until the user changes a
    /// setting, so nothing is lost by starting.
    pub fn load(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                warn!(%err, path = %path.display(), "desktop settings unreadable, defaults used");
                Self::default()
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(err) => {
                warn!(%err, path = %path.display(), "desktop settings unreadable, defaults used");
                Self::default()
            }
        }
    }

    /// Written to a temporary file then renamed: a crash mid-write leaves the old file.
    pub fn save(&self, path: &Path) -> Result<(), DesktopError> {
        let err = |source| DesktopError::Save {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(self).map_err(|e| err(e.into()))?;
        std::fs::write(&tmp, json).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

/// The words of the tray, from the UI's i18n table (the shell holds no user-facing text).
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrayTexts {
    /// The app's name: the tooltip when nothing is unread.
    pub app: String,
    pub open: String,
    pub mute: String,
    pub quit: String,
    /// The tooltip when something is unread; `{count}` is replaced by the number.
    pub unread: String,
}

/// What the settings screen shows.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DesktopSettings {
    pub close_to_tray: bool,
    /// Chappe starts with the user's session.
    pub autostart: bool,
    /// A tray icon is shown (false: the desktop has no tray, or it is not made yet).
    pub tray: bool,
}

/// Handles to the tray and its items (clones of the same objects: every call on them
/// runs on the main thread).
#[derive(Clone)]
struct Tray {
    icon: TrayIcon<Wry>,
    open: MenuItem<Wry>,
    mute: CheckMenuItem<Wry>,
    quit: MenuItem<Wry>,
}

#[derive(Default)]
struct Shown {
    texts: Option<TrayTexts>,
    unread: u32,
    tray: Option<Tray>,
    /// Making the tray failed once (no tray library): not tried again.
    tray_failed: bool,
    /// The window's own title, before a count was added to it.
    base_title: Option<String>,
}

/// Managed state: the settings and what the tray shows.
pub struct Desktop {
    prefs_path: PathBuf,
    /// Where the tray library writes the pictures it hands the tray (Linux): this
    /// app's own folder rather than the shared /tmp/tray-icon, where another Chappe
    /// (another user, a test) would write files of the same names.
    tray_dir: PathBuf,
    prefs: Mutex<Prefs>,
    shown: Mutex<Shown>,
}

impl Desktop {
    pub fn load(data_dir: &Path) -> Self {
        let prefs_path = data_dir.join(PREFS_FILE);
        Self {
            prefs: Mutex::new(Prefs::load(&prefs_path)),
            prefs_path,
            tray_dir: data_dir.join("tray-icons"),
            shown: Mutex::new(Shown::default()),
        }
    }

    fn prefs(&self) -> MutexGuard<'_, Prefs> {
        // Plain data: a panic elsewhere cannot leave it half-changed.
        self.prefs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn shown(&self) -> MutexGuard<'_, Shown> {
        self.shown.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn close_to_tray(&self) -> bool {
        self.prefs().close_to_tray
    }
}

/// The number the tray shows: what the room list's badges add up to (notifications
/// when the server counts them, else unread messages), plus one per invitation.
pub fn unread_total(rooms: &[RoomSummary]) -> u32 {
    rooms.iter().fold(0u32, |sum, r| {
        let n = if r.is_invite {
            1
        } else if r.unread_notifications > 0 {
            r.unread_notifications
        } else {
            r.unread_messages
        };
        sum.saturating_add(n)
    })
}

/// `{count}` in the UI's sentence replaced by the number.
fn unread_text(template: &str, count: u32) -> String {
    template.replace("{count}", &count.to_string())
}

/// The tray picture with a red dot in its top-right corner (RGBA, `width` × `height`):
/// the "something is unread" variant, readable even where the tray shows no text.
pub fn with_badge(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = rgba.to_vec();
    let size = width.min(height) as f32;
    let r = size * 0.26;
    let (cx, cy) = (width as f32 - r - 0.5, r + 0.5);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let d = (dx * dx + dy * dy).sqrt();
            let colour = if d <= r - size * 0.06 {
                // Marianne red, the French State's.
                [0xE1, 0x00, 0x0F, 0xFF]
            } else if d <= r {
                // A white ring keeps the dot visible on a red or busy icon.
                [0xFF, 0xFF, 0xFF, 0xFF]
            } else {
                continue;
            };
            let i = ((y * width + x) * 4) as usize;
            if let Some(px) = out.get_mut(i..i + 4) {
                px.copy_from_slice(&colour);
            }
        }
    }
    out
}

/// Brings the main window back (from the tray, minimised or behind others).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    for result in [window.unminimize(), window.show(), window.set_focus()] {
        if let Err(err) = result {
            warn!(%err, "cannot bring the window forward");
        }
    }
}

/// The window's close button: with close-to-tray on, the window is hidden and Chappe
/// keeps running (sync, notifications); otherwise the window closes and, being the
/// last one, Chappe quits.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != "main" {
        return;
    }
    let Some(desktop) = window.try_state::<Desktop>() else {
        return;
    };
    if desktop.close_to_tray() {
        api.prevent_close();
        match window.hide() {
            Ok(()) => info!("window closed into the tray"),
            Err(err) => warn!(%err, "cannot hide the window"),
        }
    }
}

/// At start: an autostarted Chappe stays in the tray when closing there is on.
pub fn on_start<R: Runtime>(app: &AppHandle<R>) {
    let autostarted = std::env::args().skip(1).any(|a| a == AUTOSTART_ARG);
    if !autostarted || !app.state::<Desktop>().close_to_tray() {
        return;
    }
    if let Some(window) = app.get_webview_window("main") {
        if let Err(err) = window.hide() {
            warn!(%err, "cannot start hidden");
        }
    }
}

/// Mirrors the room list and keeps the unread count shown (tray, window title, taskbar
/// badge) up to date; the count goes back to 0 when the task is aborted (logout).
pub fn follow_unread(
    app: AppHandle,
    values: Vec<RoomSummary>,
    diffs: impl Stream<Item = Vec<ListDiff<RoomSummary>>> + Send + 'static,
) -> AbortHandle {
    struct ResetOnDrop(AppHandle);
    impl Drop for ResetOnDrop {
        fn drop(&mut self) {
            set_unread(&self.0, 0);
        }
    }
    let task = tokio::spawn(async move {
        let guard = ResetOnDrop(app);
        let mut rooms = values;
        set_unread(&guard.0, unread_total(&rooms));
        futures_util::pin_mut!(diffs);
        while let Some(batch) = diffs.next().await {
            for diff in batch {
                diff.apply(&mut rooms);
            }
            set_unread(&guard.0, unread_total(&rooms));
        }
    });
    task.abort_handle()
}

/// Shows `count` wherever it shows: the tray (tooltip, title, picture), the window's
/// title, the taskbar or dock badge. Nothing changes when the count did not.
///
/// The lock on what is shown is never held while calling the window or the tray: those
/// calls wait for the main thread, which may itself be waiting for the lock.
pub fn set_unread(app: &AppHandle, count: u32) {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    let (tray, texts, base_title) = {
        let mut shown = desktop.shown();
        if shown.unread == count && shown.base_title.is_some() {
            return;
        }
        shown.unread = count;
        (
            shown.tray.clone(),
            shown.texts.clone(),
            shown.base_title.clone(),
        )
    };
    if let Some(window) = app.get_webview_window("main") {
        let base = match base_title {
            Some(base) => base,
            None => {
                let title = window.title().unwrap_or_else(|_| "Chappe".into());
                desktop.shown().base_title.get_or_insert(title).clone()
            }
        };
        let title = if count > 0 {
            format!("{base} ({count})")
        } else {
            base
        };
        if let Err(err) = window.set_title(&title) {
            warn!(%err, "cannot change the window title");
        }
        // Unity launcher API on Linux (docks that read it), the dock on macOS; on
        // Windows the taskbar has no count, the tray says it.
        #[cfg(not(windows))]
        if let Err(err) = window.set_badge_count((count > 0).then_some(i64::from(count))) {
            tracing::debug!(%err, "no taskbar badge");
        }
    }
    if let (Some(tray), Some(texts)) = (tray, texts) {
        show_count(&tray, &texts, count);
    }
}

fn show_count(tray: &Tray, texts: &TrayTexts, count: u32) {
    let (tooltip, title, icon) = if count > 0 {
        let badge = Image::new_owned(
            with_badge(TRAY_ICON.rgba(), TRAY_ICON.width(), TRAY_ICON.height()),
            TRAY_ICON.width(),
            TRAY_ICON.height(),
        );
        (
            unread_text(&texts.unread, count),
            Some(count.to_string()),
            badge,
        )
    } else {
        (texts.app.clone(), None, TRAY_ICON.clone())
    };
    let results = [
        tray.icon.set_tooltip(Some(tooltip)),
        tray.icon.set_title(title),
        tray.icon.set_icon(Some(icon)),
    ];
    for result in results {
        if let Err(err) = result {
            warn!(%err, "cannot update the tray icon");
        }
    }
}

/// Makes the tray (first call) or renames its items (language changed). Runs on the
/// main thread, where the tray lives; a missing appindicator library makes
/// tray-icon panic, which is caught: Chappe then runs without a tray.
fn make_or_rename_tray(app: &AppHandle, texts: TrayTexts) -> bool {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return false;
    };
    let mut shown = desktop.shown();
    shown.texts = Some(texts.clone());
    if let Some(tray) = &shown.tray {
        for result in [
            tray.open.set_text(&texts.open),
            tray.mute.set_text(&texts.mute),
            tray.quit.set_text(&texts.quit),
        ] {
            if let Err(err) = result {
                warn!(%err, "cannot rename a tray item");
            }
        }
        show_count(tray, &texts, shown.unread);
        return true;
    }
    if shown.tray_failed {
        return false;
    }
    let built = panic::catch_unwind(AssertUnwindSafe(|| {
        build_tray(app, &texts, &desktop.tray_dir)
    }));
    match built {
        Ok(Ok(tray)) => {
            show_count(&tray, &texts, shown.unread);
            shown.tray = Some(tray);
            info!("tray icon shown");
            true
        }
        Ok(Err(err)) => {
            warn!(%err, "no tray icon");
            shown.tray_failed = true;
            false
        }
        Err(_) => {
            warn!("no tray icon: the system's tray library is missing");
            shown.tray_failed = true;
            false
        }
    }
}

fn build_tray(app: &AppHandle, texts: &TrayTexts, dir: &Path) -> tauri::Result<Tray> {
    let open = MenuItem::with_id(app, "open", &texts.open, true, None::<&str>)?;
    // Enabled and ticked once a session tells whether it notifies (sync_mute).
    let mute = CheckMenuItem::with_id(app, "mute", &texts.mute, false, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", &texts.quit, true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &mute, &separator, &quit])?;
    let icon = TrayIconBuilder::with_id(TRAY_ID)
        .icon(TRAY_ICON.clone())
        .temp_dir_path(dir)
        .tooltip(&texts.app)
        .menu(&menu)
        // A left click opens the window (Windows, macOS); the menu is on the right.
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
            "mute" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { toggle_mute(&app).await });
            }
            "quit" => {
                info!("quit from the tray");
                app.exit(0);
            }
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(Tray {
        icon,
        open,
        mute,
        quit,
    })
}

/// "Mute notifications" in the tray is the same switch as Settings' desktop
/// notifications (kept per device by chappe-core), shown ticked when they are off.
async fn toggle_mute(app: &AppHandle) {
    let state = app.state::<SharedState>().inner().clone();
    let notifier = state
        .session
        .read()
        .await
        .as_ref()
        .map(|s| s.notifications().clone());
    if let Some(notifier) = notifier {
        let enabled = notifier.enabled();
        if let Err(err) = notifier.set_enabled(!enabled).await {
            warn!(%err, "cannot change notifications from the tray");
        } else {
            info!(muted = enabled, "notifications switched from the tray");
        }
    }
    sync_mute(app).await;
}

/// Puts the tray's "Mute notifications" in step with the session: unusable when signed
/// out, ticked when notifications are off.
pub async fn sync_mute(app: &AppHandle) {
    let state = app.state::<SharedState>().inner().clone();
    let enabled = state
        .session
        .read()
        .await
        .as_ref()
        .map(|s| s.notifications().enabled());
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    // Not holding the lock while the main thread runs the calls (see set_unread).
    let Some(tray) = desktop.shown().tray.clone() else {
        return;
    };
    let results = [
        tray.mute.set_enabled(enabled.is_some()),
        tray.mute.set_checked(enabled == Some(false)),
    ];
    for result in results {
        if let Err(err) = result {
            warn!(%err, "cannot update the tray menu");
        }
    }
}

/// Makes the tray with the UI's words (called once the UI has its language, again when
/// it changes). Returns whether a tray is shown.
#[tauri::command]
#[specta::specta]
pub async fn set_tray_texts(app: AppHandle, texts: TrayTexts) -> Result<bool, UiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let handle = app.clone();
    app.run_on_main_thread(move || {
        let _ = tx.send(make_or_rename_tray(&handle, texts));
    })
    .map_err(|e| UiError::Other(e.to_string()))?;
    let shown = rx.await.unwrap_or(false);
    if shown {
        sync_mute(&app).await;
    }
    Ok(shown)
}

/// What is set: close to the tray (this device's file), autostart (read from the OS).
#[tauri::command]
#[specta::specta]
pub async fn desktop_settings(
    app: AppHandle,
    desktop: State<'_, Desktop>,
) -> Result<DesktopSettings, UiError> {
    let autostart = app.autolaunch().is_enabled().unwrap_or_else(|err| {
        warn!(%err, "cannot read the autostart entry");
        false
    });
    Ok(DesktopSettings {
        close_to_tray: desktop.close_to_tray(),
        autostart,
        tray: desktop.shown().tray.is_some(),
    })
}

/// Closing the window hides it (`on`) or quits; saved at once, for this device.
#[tauri::command]
#[specta::specta]
pub async fn set_close_to_tray(desktop: State<'_, Desktop>, on: bool) -> Result<(), UiError> {
    let mut prefs = desktop.prefs();
    // The other settings (later ones) are kept as they are.
    let mut wanted = prefs.clone();
    wanted.close_to_tray = on;
    wanted.save(&desktop.prefs_path)?;
    *prefs = wanted;
    info!(on, "close to tray");
    Ok(())
}

/// Starts Chappe (hidden in the tray) when the user logs in, or stops doing so.
#[tauri::command]
#[specta::specta]
pub async fn set_autostart(app: AppHandle, on: bool) -> Result<(), UiError> {
    let manager = app.autolaunch();
    let result = if on {
        manager.enable()
    } else {
        manager.disable()
    };
    result.map_err(|e| DesktopError::Autostart(e.to_string()))?;
    info!(on, "start with the session");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str) -> RoomSummary {
        RoomSummary {
            room_id: id.into(),
            name: id.into(),
            avatar_initial: "R".into(),
            last_message: None,
            last_activity: None,
            unread_messages: 0,
            unread_notifications: 0,
            unread_mentions: 0,
            is_direct: false,
            is_encrypted: false,
            is_invite: false,
            replaced_by: None,
            is_favourite: false,
            is_low_priority: false,
        }
    }

    #[test]
    fn the_count_adds_up_the_room_badges_and_invitations() {
        let mut counted = room("!a");
        counted.unread_notifications = 2;
        counted.unread_messages = 5;
        let mut uncounted = room("!b");
        uncounted.unread_messages = 3;
        let mut invite = room("!c");
        invite.is_invite = true;
        assert_eq!(
            unread_total(&[counted, uncounted, invite, room("!d")]),
            2 + 3 + 1
        );
        assert_eq!(unread_total(&[]), 0);
        let mut huge = room("!e");
        huge.unread_messages = u32::MAX;
        assert_eq!(unread_total(&[huge.clone(), huge]), u32::MAX);
    }

    #[test]
    fn the_unread_sentence_gets_the_number() {
        assert_eq!(unread_text("{count} non lus", 3), "3 non lus");
        assert_eq!(unread_text("Chappe", 3), "Chappe");
    }

    #[test]
    fn the_badge_is_a_red_dot_in_the_top_right_corner_and_leaves_the_rest() {
        let (w, h) = (32u32, 32u32);
        let grey = vec![0x80u8; (w * h * 4) as usize];
        let out = with_badge(&grey, w, h);
        let px = |x: u32, y: u32| &out[((y * w + x) * 4) as usize..((y * w + x) * 4 + 4) as usize];
        // The dot's centre: radius 0.26 × 32 ≈ 8 from the top and right edges.
        assert_eq!(px(23, 8), [0xE1, 0x00, 0x0F, 0xFF]);
        assert_eq!(px(8, 24), [0x80, 0x80, 0x80, 0x80]);
        assert_eq!(px(0, 0), [0x80, 0x80, 0x80, 0x80]);
        assert_eq!(out.len(), grey.len());
    }

    #[test]
    fn the_tray_picture_is_embedded() {
        assert!(TRAY_ICON.width() >= 32);
        assert_eq!(
            TRAY_ICON.rgba().len() as u32,
            TRAY_ICON.width() * TRAY_ICON.height() * 4
        );
    }

    #[test]
    fn settings_default_to_closing_into_the_tray_and_survive_a_bad_file() {
        let dir = std::env::temp_dir().join(format!("chappe-desktop-{}", std::process::id()));
        let path = dir.join(PREFS_FILE);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(Prefs::load(&path), Prefs::default());
        assert!(Prefs::default().close_to_tray);

        let off = Prefs {
            close_to_tray: false,
        };
        off.save(&path).unwrap_or_else(|e| panic!("save: {e}"));
        assert_eq!(Prefs::load(&path), off);

        std::fs::write(&path, b"{ not json").unwrap_or_else(|e| panic!("write: {e}"));
        assert_eq!(Prefs::load(&path), Prefs::default());
        assert_eq!(
            std::fs::read(&path).unwrap_or_default(),
            b"{ not json",
            "a bad file is left for the user to see"
        );
        // Unknown keys (a newer Chappe's) are ignored.
        std::fs::write(&path, br#"{"closeToTray": false, "later": 1}"#)
            .unwrap_or_else(|e| panic!("write: {e}"));
        assert_eq!(Prefs::load(&path), off);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
