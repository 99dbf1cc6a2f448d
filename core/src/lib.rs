//! Chappe's Matrix engine.
//!
//! Everything that talks to a homeserver lives here, behind small modules named by
//! what they do for the user. Nothing in this crate knows about Tauri or the webview:
//! state is published through observables (`eyeball`) and streams of list diffs, so
//! the shell, the tests and the benchmarks all observe the same thing.

// matrix-sdk-ui futures nest deeply; the default limit is too low for `open_room`.
#![recursion_limit = "256"]

pub mod account_validity;
pub mod bulk_invite;
pub mod config;
pub mod devices;
pub mod diff;
pub mod directory;
pub mod discovery;
pub mod download;
pub mod encryption;
pub mod failure;
pub mod files;
pub mod html;
pub mod identity;
pub mod invite_list;
pub mod invites;
pub mod logging;
pub mod login;
pub mod media;
pub mod notifications;
pub mod password_policy;
pub mod proxy;
pub mod register;
pub mod room_create;
pub mod room_links;
pub mod room_list;
pub mod room_power;
pub mod room_preview;
pub mod room_settings;
mod room_state;
pub mod room_subscriptions;
pub mod runtime;
pub mod scan;
mod send_queue;
pub mod session;
pub mod settings;
pub mod sync;
pub mod timeline;
pub mod unverified_devices;
pub mod verification;
pub mod video;

// The shell passes the client to feature modules; it never calls the SDK itself.
pub use diff::ListDiff;
pub use discovery::{discover, Discovered, DiscoveryError};
pub use login::{login, login_via, login_with, LoginError, LoginRequest};
pub use matrix_sdk::Client;
pub use password_policy::{PasswordPolicy, PolicyRule};
pub use room_list::RoomSummary;
pub use session::{Session, SessionError, StoredSession};
pub use sync::SyncStatus;
pub use timeline::{RoomTimeline, TimelineError, TimelineItemView};
