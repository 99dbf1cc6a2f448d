fn main() {
    // The config stays at the repository root (the project's layout); point tauri-build
    // at it rather than keeping a second copy here.
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(chappe_commands()));
    if let Err(err) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to: print the reason and fail the build.
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}

/// Every IPC command the app defines; the capability file grants exactly these.
fn chappe_commands() -> &'static [&'static str] {
    &[
        "app_info",
        "login",
        "restore_session",
        "logout",
        "register_request",
        "register_resend",
        "register_finish",
        "subscribe_rooms",
        "subscribe_sync_status",
        "subscribe_links",
        "open_room",
        "close_room",
        "send_message",
        "paginate_back",
        "mark_read",
        "subscribe_typing",
        "set_typing",
        "reply_to",
        "edit_message",
        "delete_message",
        "toggle_reaction",
        "retry_send",
        "discard_send",
        "edit_history",
        "open_link",
        "search_users",
        "direct_chat",
        "public_rooms",
        "join_room",
        "profile_hidden",
        "set_profile_hidden",
        "accept_invite",
        "decline_invite",
        "create_room",
        "room_settings",
        "set_room_access",
        "open_room_to_externals",
        "choose_room_avatar",
        "set_room_restricted",
        "upgrade_room",
        "set_room_name",
        "set_room_topic",
        "set_room_history",
        "enable_room_encryption",
        "add_room_alias",
        "remove_room_alias",
        "set_room_main_alias",
        "room_power",
        "set_room_right",
        "set_member_level",
        "room_acl",
        "set_room_acl",
        "send_renewal_mail",
        "resume_sync",
        "list_devices",
        "sign_out_device",
        "sign_out_other_devices",
        "room_preview",
        "knock_room",
        "invite_preview",
        "invite_send",
        "open_invite_list",
        "save_invite_report",
        "invite_report_csv",
        "pending_invites",
        "revoke_invite",
        "save_media",
        "send_files",
        "send_pasted_file",
        "scan_media",
        "subscribe_notifications",
        "notifications_enabled",
        "set_notifications_enabled",
        "room_notifications",
        "set_room_notifications",
        "set_room_tag",
    ]
}
