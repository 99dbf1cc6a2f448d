//! Errors as the UI sees them: one variant per thing the user can act on, turned into
//! a translated sentence by the UI's i18n table (key `error.<type>`).

use chappe_core::{
    bulk_invite::BulkInviteError,
    devices::DevicesError,
    directory::DirectoryError,
    failure::{self, Failure},
    invites::InviteError,
    notifications::NotificationError,
    password_policy::PolicyRule,
    register::RegisterError,
    room_create::RoomCreateError,
    room_list::RoomTagError,
    room_power::PowerError,
    room_settings::{RoomSettingsError, TchapRule},
    unverified_devices::UnverifiedDevicesError,
    verification::VerificationError,
    LoginError, SessionError, TimelineError,
};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum UiError {
    #[error("missing fields")]
    MissingFields,
    #[error("invalid homeserver")]
    InvalidHomeserver,
    #[error("server not found")]
    ServerNotFound,
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("wrong credentials")]
    WrongCredentials,
    #[error("deactivated")]
    Deactivated,
    #[error("rate limited")]
    RateLimited,
    #[error("email not allowed")]
    EmailNotAllowed,
    #[error("no server for email")]
    NoServerForEmail,
    #[error("not logged in")]
    NotLoggedIn,
    #[error("unknown room")]
    UnknownRoom,
    #[error("empty message")]
    EmptyMessage,
    #[error("invalid user id")]
    InvalidUserId,
    #[error("invalid room address")]
    InvalidRoomAddress,
    #[error("invalid server name")]
    InvalidServerName,
    #[error("no invitation")]
    NoInvite,
    /// The message is no longer in the loaded timeline.
    #[error("message not found")]
    MessageNotFound,
    #[error("message not sent yet")]
    NotSentYet,
    /// The server refused: not allowed to join, to read, to invite…
    #[error("forbidden")]
    Forbidden,
    /// The room, alias or user does not exist (or is not visible to us).
    #[error("not found")]
    NotFound,
    #[error("invalid email")]
    InvalidEmail,
    /// The new password breaks these rules of the server.
    #[error("weak password")]
    WeakPassword(Vec<PolicyRule>),
    #[error("email in use")]
    EmailInUse,
    #[error("registration closed")]
    RegistrationClosed,
    /// The link in the validation mail was not followed (or expired, or was used).
    #[error("email not validated")]
    NotValidated,
    /// The room address is already used by another room.
    #[error("alias taken")]
    AliasTaken,
    /// A forum needs an address.
    #[error("alias required")]
    AliasRequired,
    /// Tchap's rules forbid this change of the room's access.
    #[error("tchap rule")]
    TchapRule(TchapRule),
    #[error("invalid room version")]
    InvalidRoomVersion,
    /// Not a PNG, JPEG, GIF or WebP picture (SVG is never accepted).
    #[error("not an image")]
    NotAnImage,
    /// Nobody can give a level (or set a right) above their own.
    #[error("above own level")]
    AboveOwnLevel,
    /// The ACL would forbid the user's own server.
    #[error("locks own server out")]
    LocksOwnServerOut,
    #[error("invalid server pattern")]
    InvalidServerPattern,
    /// The password typed to confirm an action is not the account's.
    #[error("wrong password")]
    WrongPassword,
    /// This session is signed out with "Sign out", not from the session list.
    #[error("current device")]
    CurrentDevice,
    /// A file to load is larger than Chappe accepts for its kind.
    #[error("file too large")]
    #[serde(rename_all = "camelCase")]
    FileTooLarge { max_bytes: u32 },
    /// An empty file is not sent.
    #[error("empty file")]
    EmptyFile,
    /// The server's antivirus blocked this file: it is not saved.
    #[error("file blocked")]
    FileBlocked,
    /// Opening it would run a program or a script: it can only be saved.
    #[error("would run code")]
    WouldRunCode,
    /// A desktop setting (close to the tray) could not be written to disk.
    #[error("setting not saved")]
    SettingNotSaved,
    /// The OS did not let Chappe be added to (or removed from) the session's start.
    #[error("autostart failed")]
    AutostartFailed,
    /// The proxy typed in Settings is not a URL, or not a server (host and port).
    #[error("invalid proxy")]
    InvalidProxy,
    /// A proxy URL whose scheme is not http, https, socks5 or socks5h.
    #[error("unsupported proxy scheme")]
    UnsupportedProxyScheme,
    /// The settings file could not be written (disk full, read-only folder).
    #[error("settings not saved: {0}")]
    SettingsNotSaved(String),
    /// The server wants the account's password to set up encryption.
    #[error("password needed")]
    PasswordNeeded,
    /// Recovery already exists for this account: this device is verified instead.
    #[error("recovery already set up")]
    RecoveryAlreadySetUp,
    /// Another device holds the account's keys: verify this one first.
    #[error("verify first")]
    VerifyFirst,
    #[error("empty recovery key")]
    EmptyRecoveryKey,
    #[error("wrong recovery key")]
    WrongRecoveryKey,
    /// No recovery key was ever set up for this account.
    #[error("no recovery")]
    NoRecovery,
    #[error("empty passphrase")]
    EmptyPassphrase,
    /// The key file's passphrase is another one.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Not a room-key file (Element's format).
    #[error("not a key file")]
    NotAKeyFile,
    /// The session to verify is unknown (signed out, or without encryption keys).
    #[error("unknown device")]
    UnknownDevice,
    /// The person never set up cross-signing: verify their sessions one by one.
    #[error("no cross-signing identity")]
    NoCrossSigningIdentity,
    /// The verification ended (done, cancelled, timed out) before this action.
    #[error("verification gone")]
    VerificationGone,
    /// Not at this step yet (confirming before the emojis showed).
    #[error("verification wrong step")]
    VerificationWrongStep,
    /// The disk holding Chappe's data is full: nothing more can be kept or queued until
    /// space is freed (what was already queued is kept).
    #[error("disk full")]
    DiskFull,
    /// The system keychain is locked: the saved session is kept there, and resumes once
    /// the keychain is unlocked.
    #[error("keychain locked")]
    KeychainLocked,
    #[error("{0}")]
    Other(String),
}

impl From<Failure> for UiError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Forbidden => Self::Forbidden,
            Failure::NotFound => Self::NotFound,
            Failure::RateLimited => Self::RateLimited,
            Failure::Unreachable(d) => Self::Unreachable(d),
            Failure::Other(d) => Self::Other(d),
        }
    }
}

impl From<DirectoryError> for UiError {
    fn from(err: DirectoryError) -> Self {
        match err {
            DirectoryError::InvalidUserId(_) => Self::InvalidUserId,
            DirectoryError::InvalidRoom(_) => Self::InvalidRoomAddress,
            DirectoryError::InvalidServer(_) => Self::InvalidServerName,
            DirectoryError::Http(e) => failure::of_http(&e).into(),
            DirectoryError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<InviteError> for UiError {
    fn from(err: InviteError) -> Self {
        match err {
            InviteError::NoInvite(_) => Self::NoInvite,
            InviteError::NoRoom(_) => Self::UnknownRoom,
            InviteError::Http(e) => failure::of_http(&e).into(),
            InviteError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<BulkInviteError> for UiError {
    fn from(err: BulkInviteError) -> Self {
        match err {
            BulkInviteError::NoRoom(_) => Self::UnknownRoom,
            BulkInviteError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<DevicesError> for UiError {
    fn from(err: DevicesError) -> Self {
        match err {
            DevicesError::NotLoggedIn => Self::NotLoggedIn,
            DevicesError::WrongPassword => Self::WrongPassword,
            DevicesError::CurrentDevice => Self::CurrentDevice,
            DevicesError::Http(e) => failure::of_http(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<RegisterError> for UiError {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::MissingFields => Self::MissingFields,
            RegisterError::InvalidEmail => Self::InvalidEmail,
            RegisterError::WeakPassword(rules) => Self::WeakPassword(rules),
            RegisterError::EmailInUse => Self::EmailInUse,
            RegisterError::EmailNotAllowed => Self::EmailNotAllowed,
            RegisterError::RegistrationClosed => Self::RegistrationClosed,
            RegisterError::NotValidated => Self::NotValidated,
            RegisterError::Login(e) => e.into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<RoomCreateError> for UiError {
    fn from(err: RoomCreateError) -> Self {
        match err {
            RoomCreateError::MissingName => Self::MissingFields,
            RoomCreateError::MissingAlias => Self::AliasRequired,
            RoomCreateError::InvalidAlias(_) => Self::InvalidRoomAddress,
            RoomCreateError::AliasTaken(_) => Self::AliasTaken,
            RoomCreateError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<RoomSettingsError> for UiError {
    fn from(err: RoomSettingsError) -> Self {
        match err {
            RoomSettingsError::NoRoom(_) => Self::UnknownRoom,
            RoomSettingsError::Rule(r) => Self::TchapRule(r),
            RoomSettingsError::InvalidAlias(_) => Self::InvalidRoomAddress,
            RoomSettingsError::AliasTaken(_) => Self::AliasTaken,
            RoomSettingsError::InvalidVersion(_) => Self::InvalidRoomVersion,
            RoomSettingsError::NotAnImage => Self::NotAnImage,
            RoomSettingsError::ImageTooLarge => Self::FileTooLarge {
                max_bytes: u32::try_from(chappe_core::room_settings::MAX_AVATAR_BYTES)
                    .unwrap_or(u32::MAX),
            },
            RoomSettingsError::Http(e) => failure::of_http(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<PowerError> for UiError {
    fn from(err: PowerError) -> Self {
        match err {
            PowerError::NoRoom(_) => Self::UnknownRoom,
            PowerError::InvalidUser(_) => Self::InvalidUserId,
            PowerError::AboveOwnLevel => Self::AboveOwnLevel,
            PowerError::NotAllowed => Self::Forbidden,
            PowerError::LocksOwnServerOut => Self::LocksOwnServerOut,
            PowerError::InvalidPattern(_) => Self::InvalidServerPattern,
            PowerError::Http(e) => failure::of_http(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<LoginError> for UiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::MissingFields => Self::MissingFields,
            LoginError::InvalidHomeserver => Self::InvalidHomeserver,
            LoginError::ServerNotFound => Self::ServerNotFound,
            LoginError::Unreachable(d) => Self::Unreachable(d),
            LoginError::WrongCredentials => Self::WrongCredentials,
            LoginError::Deactivated => Self::Deactivated,
            LoginError::RateLimited => Self::RateLimited,
            LoginError::EmailNotAllowed => Self::EmailNotAllowed,
            LoginError::NoServerForEmail => Self::NoServerForEmail,
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<SessionError> for UiError {
    fn from(err: SessionError) -> Self {
        let text = err.to_string();
        if failure::is_disk_full(&format!("{text} {err:?}")) {
            Self::DiskFull
        } else {
            Self::Other(text)
        }
    }
}

impl From<TimelineError> for UiError {
    fn from(err: TimelineError) -> Self {
        match err {
            TimelineError::UnknownRoom(_) => Self::UnknownRoom,
            TimelineError::EmptyMessage => Self::EmptyMessage,
            TimelineError::UnknownItem(_) => Self::MessageNotFound,
            TimelineError::NotSentYet => Self::NotSentYet,
            TimelineError::DiskFull => Self::DiskFull,
            TimelineError::Sdk(e) => failure::of_sdk(&e).into(),
            TimelineError::Failure(f) => f.into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<NotificationError> for UiError {
    fn from(err: NotificationError) -> Self {
        match err {
            NotificationError::NoRoom(_) => Self::UnknownRoom,
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<RoomTagError> for UiError {
    fn from(err: RoomTagError) -> Self {
        match err {
            RoomTagError::NoRoom(_) => Self::UnknownRoom,
            RoomTagError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<crate::desktop::DesktopError> for UiError {
    fn from(err: crate::desktop::DesktopError) -> Self {
        // The detail (path, OS error) is for the log; the user gets a plain sentence.
        tracing::warn!(%err, "desktop setting");
        match err {
            crate::desktop::DesktopError::Save { .. } => Self::SettingNotSaved,
            crate::desktop::DesktopError::Autostart(_) => Self::AutostartFailed,
        }
    }
}

impl From<VerificationError> for UiError {
    fn from(err: VerificationError) -> Self {
        match err {
            VerificationError::NotLoggedIn => Self::NotLoggedIn,
            VerificationError::InvalidUserId(_) => Self::InvalidUserId,
            VerificationError::UnknownDevice(_) => Self::UnknownDevice,
            VerificationError::NoIdentity(_) => Self::NoCrossSigningIdentity,
            VerificationError::UnknownFlow => Self::VerificationGone,
            VerificationError::WrongStep => Self::VerificationWrongStep,
            VerificationError::CurrentDevice => Self::CurrentDevice,
            VerificationError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<UnverifiedDevicesError> for UiError {
    fn from(err: UnverifiedDevicesError) -> Self {
        match err {
            UnverifiedDevicesError::NoRoom(_) => Self::UnknownRoom,
            UnverifiedDevicesError::Sdk(e) => failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}
