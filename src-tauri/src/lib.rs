//! Chappe's Tauri shell: maps IPC commands onto `chappe_core`, and owns what only a
//! desktop app has (keychain, window). The UI talks to nothing else.

// matrix-sdk-ui futures nest deeply (see chappe-core).
#![recursion_limit = "256"]

mod commands;
mod desktop;
mod directory_commands;
mod encryption_commands;
mod error;
mod file_commands;
mod invite_commands;
#[cfg(debug_assertions)]
mod ipc_record;
mod keychain;
mod links;
mod media_commands;
mod notification_commands;
mod register_commands;
mod room_commands;
mod scan_commands;
mod settings_commands;
mod shell_texts;
mod state;
mod verification_commands;
mod webview_guard;

use std::path::PathBuf;

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{Manager, RunEvent, Runtime};
use tauri_specta::{collect_commands, Builder};
use tracing::error;

pub use error::UiError;

/// The typed command list; the same value generates `ui/src/bindings.ts`.
/// (Wry only: the file-dialog commands need the concrete runtime's app handle.)
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new().commands(collect_commands![
        commands::app_info,
        commands::login,
        commands::restore_session,
        commands::logout,
        register_commands::register_request,
        register_commands::register_resend,
        register_commands::register_finish,
        commands::subscribe_rooms,
        commands::subscribe_sync_status,
        commands::open_room,
        commands::close_room,
        commands::send_message,
        commands::paginate_back,
        commands::mark_read,
        commands::subscribe_typing,
        commands::set_typing,
        commands::reply_to,
        commands::edit_message,
        commands::delete_message,
        commands::toggle_reaction,
        commands::retry_send,
        commands::discard_send,
        commands::edit_history,
        commands::open_link,
        directory_commands::search_users,
        directory_commands::direct_chat,
        directory_commands::public_rooms,
        directory_commands::join_room,
        directory_commands::profile_hidden,
        directory_commands::set_profile_hidden,
        directory_commands::accept_invite,
        directory_commands::decline_invite,
        room_commands::create_room,
        room_commands::room_settings,
        room_commands::set_room_access,
        room_commands::open_room_to_externals,
        room_commands::choose_room_avatar,
        room_commands::set_room_restricted,
        room_commands::upgrade_room,
        room_commands::set_room_name,
        room_commands::set_room_topic,
        room_commands::set_room_history,
        room_commands::enable_room_encryption,
        room_commands::add_room_alias,
        room_commands::remove_room_alias,
        room_commands::set_room_main_alias,
        room_commands::room_power,
        room_commands::set_room_right,
        room_commands::set_member_level,
        room_commands::room_acl,
        room_commands::set_room_acl,
        directory_commands::send_renewal_mail,
        directory_commands::resume_sync,
        directory_commands::list_devices,
        directory_commands::sign_out_device,
        directory_commands::sign_out_other_devices,
        directory_commands::room_preview,
        directory_commands::knock_room,
        invite_commands::invite_preview,
        invite_commands::invite_send,
        invite_commands::open_invite_list,
        invite_commands::save_invite_report,
        invite_commands::invite_report_csv,
        invite_commands::pending_invites,
        invite_commands::revoke_invite,
        links::subscribe_links,
        media_commands::save_media,
        media_commands::open_media,
        file_commands::send_files,
        file_commands::send_pasted_file,
        scan_commands::scan_media,
        notification_commands::subscribe_notifications,
        notification_commands::notifications_enabled,
        notification_commands::set_notifications_enabled,
        notification_commands::room_notifications,
        notification_commands::set_room_notifications,
        notification_commands::set_room_tag,
        desktop::desktop_settings,
        desktop::set_close_to_tray,
        desktop::set_autostart,
        desktop::set_tray_texts,
        settings_commands::settings,
        settings_commands::save_settings,
        settings_commands::open_logs_folder,
        shell_texts::set_shell_texts,
        encryption_commands::keys_state,
        encryption_commands::set_up_recovery,
        encryption_commands::save_recovery_key,
        encryption_commands::forget_recovery_key,
        encryption_commands::recover_with_key,
        encryption_commands::export_room_keys,
        encryption_commands::import_room_keys,
        verification_commands::subscribe_verifications,
        verification_commands::verify_device,
        verification_commands::verify_user,
        verification_commands::watch_verification,
        verification_commands::accept_verification,
        verification_commands::confirm_verification,
        verification_commands::mismatch_verification,
        verification_commands::cancel_verification,
        verification_commands::subscribe_unverified_devices,
    ])
}

/// Writes the TypeScript bindings. Used by the test that keeps `ui/src/bindings.ts`
/// in step with the Rust types.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated by tauri-specta from the Rust types. Do not edit.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}

fn data_dir<R: Runtime>(app: &tauri::App<R>) -> PathBuf {
    if let Some(dir) = std::env::var_os("CHAPPE_DATA_DIR") {
        return PathBuf::from(dir);
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("chappe"))
}

/// The config files, lowest priority first: the user's, then the machine's (the
/// admin's policy wins). `CHAPPE_MACHINE_CONFIG` replaces the machine path (tests).
fn config_files<R: Runtime>(app: &tauri::App<R>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(dir) = app.path().app_config_dir() {
        files.push(dir.join("config.json"));
    }
    files.push(match std::env::var_os("CHAPPE_MACHINE_CONFIG") {
        Some(p) => PathBuf::from(p),
        None => chappe_core::config::machine_config_path(),
    });
    files
}

/// The folder of the daily log files: `CHAPPE_LOG_DIR` (tests), else the OS's log
/// folder for the app.
fn log_dir<R: Runtime>(app: &tauri::App<R>) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CHAPPE_LOG_DIR") {
        return Some(PathBuf::from(dir));
    }
    app.path().app_log_dir().ok()
}

/// Logs go to stderr (stdout may be discarded, as tauri-driver does, or be a pipe) and
/// to a daily file in the OS log folder, scrubbed of secrets (chappe_core::logging).
/// Set up first thing in `setup`, where the app's folders are known.
fn start_logging(dir: Option<&std::path::Path>, extra: Option<chappe_core::logging::ExtraLayer>) {
    if let Err(err) = chappe_core::logging::init_with(dir, extra) {
        // The folder is unusable (read-only home…): keep the console at least.
        let _ = chappe_core::logging::init(None);
        tracing::warn!(%err, "no log file");
    }
}

/// Set once an exit was asked for and the session is stopping / stopped (see `run`).
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);
static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

pub fn run() {
    #[cfg(debug_assertions)]
    use tracing_subscriber::Layer;

    // Debug builds with CHAPPE_IPC_RECORD: what crosses into the webview, for the
    // secrets test (see ipc_record.rs). Never in a release build. Installed with the
    // logs, in `setup`.
    #[cfg(debug_assertions)]
    let recorder = ipc_record::Recorder::from_env();
    #[cfg(debug_assertions)]
    let recording: Option<chappe_core::logging::ExtraLayer> = recorder.clone().map(|r| {
        r.with_filter(tracing_subscriber::filter::filter_fn(ipc_record::wanted))
            .boxed()
    });
    #[cfg(not(debug_assertions))]
    let recording: Option<chappe_core::logging::ExtraLayer> = None;

    // Chappe's own runtime (large thread stacks: see chappe_core::runtime), for every
    // command and task; kept alive until the app exits.
    let runtime = match chappe_core::runtime::builder().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("Chappe could not start its runtime: {err}");
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());

    let specta = specta_builder();
    let builder = tauri::Builder::default();
    #[cfg(debug_assertions)]
    let builder = match &recorder {
        Some(r) => r.intercept_channels(builder),
        None => builder,
    };
    let app = builder
        // First: a second launch must hand over its link and exit before anything else
        // starts (see links.rs).
        .plugin(tauri_plugin_single_instance::init(links::on_second_launch))
        .plugin(tauri_plugin_deep_link::init())
        // Started with the session: the window waits in the tray (desktop::on_start).
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(desktop::AUTOSTART_ARG)
                .build(),
        )
        .manage(links::Links::default())
        .manage(shell_texts::Texts::default())
        .manage(encryption_commands::PendingRecoveryKey::default())
        .invoke_handler(specta.invoke_handler())
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(drop) = event {
                file_commands::on_drag_drop(window, drop);
            }
            desktop::on_window_event(window, event);
        })
        .register_asynchronous_uri_scheme_protocol(media_commands::SCHEME, media_commands::handle)
        .setup(move |app| {
            let logs = log_dir(app);
            start_logging(logs.as_deref(), recording);
            app.manage(settings_commands::Prefs::load(
                app.path().app_config_dir().ok(),
                logs,
            ));
            specta.mount_events(app);
            let (config, problems) = chappe_core::config::load(&config_files(app));
            for p in &problems {
                tracing::warn!(problem = %p, "config file ignored");
            }
            app.manage(desktop::Desktop::load(&data_dir(app)));
            app.manage(state::AppState::new(data_dir(app), config, problems));
            // Declared with `"create": false` in tauri.conf.json: built here, once the
            // state its commands need is managed, with its navigation and new-window
            // guards.
            webview_guard::create_main_window(app)?;
            // After the window exists: an autostarted Chappe hides it into the tray.
            desktop::on_start(app.handle());
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            error!(%err, "Chappe could not start");
            eprintln!("Chappe could not start: {err}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        // macOS: a click on the Dock icon brings back a window closed into the tray.
        #[cfg(target_os = "macos")]
        if let RunEvent::Reopen { .. } = &event {
            desktop::show_main(handle);
        }
        if let RunEvent::ExitRequested { api, code, .. } = &event {
            // Stop the sync cleanly (bounded by the session's own timeout) so the
            // stores are closed before the process ends. Not by blocking here: this is
            // the main thread, and stopping drops the tray's unread follower and the
            // webview channels, which wait on the main thread (a deadlock, seen with
            // close-to-tray off). So the exit waits, the loop keeps running, and the
            // app exits again once the session is stopped.
            if !SHUT_DOWN.load(Ordering::SeqCst) {
                api.prevent_exit();
                if !SHUTTING_DOWN.swap(true, Ordering::SeqCst) {
                    let state = handle.state::<state::SharedState>().inner().clone();
                    let handle = handle.clone();
                    let code = code.unwrap_or(0);
                    tauri::async_runtime::spawn(async move {
                        state.shut_down().await;
                        SHUT_DOWN.store(true, Ordering::SeqCst);
                        handle.exit(code);
                    });
                }
            }
        }
    });
}
