//! Sorting SDK failures into what a user can act on, so every feature's error can say
//! "not allowed", "not found", "try later" or "server unreachable" the same way.

use matrix_sdk::{ruma::api::error::ErrorKind, HttpError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server refused (not allowed to join, read, invite…).
    Forbidden,
    /// The room, address or user does not exist, or is not visible to us.
    NotFound,
    RateLimited,
    /// No answer from the server (network down, server stopped).
    Unreachable(String),
    /// Anything else, with the SDK's words for the logs.
    Other(String),
}

fn from_kind(kind: Option<&ErrorKind>) -> Option<Failure> {
    match kind? {
        ErrorKind::Forbidden => Some(Failure::Forbidden),
        ErrorKind::NotFound => Some(Failure::NotFound),
        ErrorKind::LimitExceeded { .. } => Some(Failure::RateLimited),
        _ => None,
    }
}

pub fn of_http(err: &HttpError) -> Failure {
    if let Some(f) = from_kind(err.client_api_error_kind()) {
        return f;
    }
    match err {
        HttpError::Reqwest(e) => Failure::Unreachable(e.to_string()),
        other => Failure::Other(other.to_string()),
    }
}

pub fn of_sdk(err: &matrix_sdk::Error) -> Failure {
    match err {
        matrix_sdk::Error::Http(http) => of_http(http),
        other => from_kind(other.client_api_error_kind())
            .unwrap_or_else(|| Failure::Other(other.to_string())),
    }
}

/// Whether an error (in its words: the SDK wraps store errors in several layers) says
/// the disk holding the local stores is full: SQLite's `SQLITE_FULL` ("database or disk
/// is full") or the system's `ENOSPC` ("No space left on device").
pub fn is_disk_full(error_text: &str) -> bool {
    error_text.contains("database or disk is full")
        || error_text.contains("No space left on device")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_recognised_in_sqlite_and_system_words() {
        assert!(is_disk_full(
            "Error while sending: sqlite error: database or disk is full"
        ));
        assert!(is_disk_full(
            "I/O error: No space left on device (os error 28)"
        ));
        assert!(!is_disk_full("database is locked"));
    }
}
