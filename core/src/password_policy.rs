//! The homeserver's password policy, so a new password can be checked as it is typed.
//!
//! Synapse publishes it at `GET /_matrix/client/v3/password_policy` (MSC2000) when
//! `password_config.policy` is enabled; otherwise it answers `{}`, and servers that do
//! not know the endpoint answer 404: both mean "no rule". [`check`] applies the rules
//! exactly as Synapse does, so what it accepts the server accepts too. The server stays
//! the judge: it refuses a weak password whatever the client said.

use matrix_sdk::{reqwest, Client};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::discovery;

/// The rules a new password must follow. The default is no rule at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    /// At least this many characters (Unicode scalar values, as Synapse counts them).
    pub minimum_length: Option<u32>,
    pub require_digit: bool,
    pub require_symbol: bool,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
}

/// One rule a password breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum PolicyRule {
    /// Fewer characters than this.
    MinimumLength(u32),
    /// No digit (0-9).
    Digit,
    /// No character other than an ASCII letter or digit.
    Symbol,
    /// No lowercase ASCII letter.
    Lowercase,
    /// No uppercase ASCII letter.
    Uppercase,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordPolicyError {
    #[error("the homeserver address is not valid")]
    InvalidHomeserver,
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    #[error("the server gave no usable password policy: {0}")]
    InvalidAnswer(String),
}

impl PasswordPolicy {
    /// Reads the server's answer. Unknown keys are ignored; a key of the wrong type
    /// counts as absent, as a client cannot enforce what it cannot read.
    fn from_json(doc: &serde_json::Map<String, Value>) -> Self {
        let flag = |key: &str| doc.get(key).and_then(Value::as_bool).unwrap_or(false);
        Self {
            minimum_length: doc
                .get("m.minimum_length")
                .and_then(Value::as_u64)
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                .filter(|&n| n > 0),
            require_digit: flag("m.require_digit"),
            require_symbol: flag("m.require_symbol"),
            require_lowercase: flag("m.require_lowercase"),
            require_uppercase: flag("m.require_uppercase"),
        }
    }

    /// Whether the policy asks for anything.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The rules of `policy` that `password` breaks, in a stable order (length, digit,
/// symbol, lowercase, uppercase); empty when the password is acceptable.
/// Character classes are Synapse's: `[0-9]`, `[^a-zA-Z0-9]`, `[a-z]`, `[A-Z]`.
pub fn check(policy: &PasswordPolicy, password: &str) -> Vec<PolicyRule> {
    let mut failed = Vec::new();
    if let Some(min) = policy.minimum_length {
        let len = password.chars().count();
        if len < usize::try_from(min).unwrap_or(usize::MAX) {
            failed.push(PolicyRule::MinimumLength(min));
        }
    }
    let has = |pred: fn(&char) -> bool| password.chars().any(|c| pred(&c));
    if policy.require_digit && !has(char::is_ascii_digit) {
        failed.push(PolicyRule::Digit);
    }
    if policy.require_symbol && !has(|c| !c.is_ascii_alphanumeric()) {
        failed.push(PolicyRule::Symbol);
    }
    if policy.require_lowercase && !has(char::is_ascii_lowercase) {
        failed.push(PolicyRule::Lowercase);
    }
    if policy.require_uppercase && !has(char::is_ascii_uppercase) {
        failed.push(PolicyRule::Uppercase);
    }
    failed
}

async fn fetch_from(
    http: &reqwest::Client,
    homeserver: &str,
) -> Result<PasswordPolicy, PasswordPolicyError> {
    let base = homeserver.trim().trim_end_matches('/');
    let url = Url::parse(&format!("{base}/_matrix/client/v3/password_policy"))
        .map_err(|_| PasswordPolicyError::InvalidHomeserver)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(PasswordPolicyError::InvalidHomeserver);
    }
    let (status, body) = discovery::get(http, url)
        .await
        .map_err(|e| PasswordPolicyError::Unreachable(e.to_string()))?;
    match status {
        200..=299 => match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(doc)) => Ok(PasswordPolicy::from_json(&doc)),
            _ => Err(PasswordPolicyError::InvalidAnswer(
                "not a JSON object".to_owned(),
            )),
        },
        // The server does not publish a policy (older or other implementations).
        404 | 405 => Ok(PasswordPolicy::default()),
        _ => Err(PasswordPolicyError::InvalidAnswer(format!("HTTP {status}"))),
    }
}

/// The password policy of the homeserver at `homeserver` (a URL), before any login,
/// e.g. on the registration form.
pub async fn fetch(homeserver: &str) -> Result<PasswordPolicy, PasswordPolicyError> {
    let http =
        discovery::http_client().map_err(|e| PasswordPolicyError::Unreachable(e.to_string()))?;
    fetch_from(&http, homeserver).await
}

/// The password policy of `client`'s homeserver, e.g. to change a password.
pub async fn fetch_for(client: &Client) -> Result<PasswordPolicy, PasswordPolicyError> {
    fetch_from(client.http_client(), client.homeserver().as_str()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> PasswordPolicy {
        PasswordPolicy {
            minimum_length: Some(12),
            require_digit: true,
            require_symbol: true,
            require_lowercase: true,
            require_uppercase: true,
        }
    }

    #[test]
    fn no_policy_accepts_anything() {
        assert!(check(&PasswordPolicy::default(), "").is_empty());
        assert!(check(&PasswordPolicy::default(), "a").is_empty());
    }

    #[test]
    fn a_strong_password_passes_every_rule() {
        assert!(check(&strict(), "Correct-Horse-7-Battery").is_empty());
    }

    #[test]
    fn every_broken_rule_is_listed_in_order() {
        assert_eq!(
            check(&strict(), ""),
            vec![
                PolicyRule::MinimumLength(12),
                PolicyRule::Digit,
                PolicyRule::Symbol,
                PolicyRule::Lowercase,
                PolicyRule::Uppercase,
            ]
        );
        assert_eq!(
            check(&strict(), "motdepasselong"),
            vec![PolicyRule::Digit, PolicyRule::Symbol, PolicyRule::Uppercase]
        );
        assert_eq!(
            check(&strict(), "MOTDEPASSE-99"),
            vec![PolicyRule::Lowercase]
        );
        assert_eq!(
            check(&strict(), "Court-1a"),
            vec![PolicyRule::MinimumLength(12)]
        );
    }

    #[test]
    fn characters_are_counted_and_classed_like_synapse() {
        let policy = PasswordPolicy {
            minimum_length: Some(4),
            ..PasswordPolicy::default()
        };
        // Four characters, eight bytes: long enough.
        assert!(check(&policy, "éàùç").is_empty());
        assert_eq!(check(&policy, "éàù"), vec![PolicyRule::MinimumLength(4)]);
        // An accented letter is a symbol, and neither lowercase nor uppercase, for
        // Synapse's ASCII classes.
        let classes = PasswordPolicy {
            require_symbol: true,
            require_lowercase: true,
            ..PasswordPolicy::default()
        };
        assert_eq!(check(&classes, "é"), vec![PolicyRule::Lowercase]);
        assert_eq!(check(&classes, "e"), vec![PolicyRule::Symbol]);
        assert!(check(&classes, "e é").is_empty());
        let digit = PasswordPolicy {
            require_digit: true,
            ..PasswordPolicy::default()
        };
        // A non-ASCII digit is not a digit for Synapse's `[0-9]`.
        assert_eq!(check(&digit, "٣"), vec![PolicyRule::Digit]);
    }

    #[test]
    fn the_servers_answer_is_read_leniently() {
        let doc = serde_json::json!({
            "m.minimum_length": 10,
            "m.require_digit": true,
            "m.require_symbol": false,
            "m.require_lowercase": "yes",
            "m.require_uppercase": true,
            "org.example.other": 1,
        });
        let Value::Object(doc) = doc else {
            unreachable!()
        };
        assert_eq!(
            PasswordPolicy::from_json(&doc),
            PasswordPolicy {
                minimum_length: Some(10),
                require_digit: true,
                require_symbol: false,
                require_lowercase: false,
                require_uppercase: true,
            }
        );
        assert!(PasswordPolicy::from_json(&serde_json::Map::new()).is_empty());
    }
}
