//! The network proxy the user sets in Settings: an HTTP, HTTPS or SOCKS5 URL that every
//! request of the next sign-in (or session restore) goes through (matrix-sdk's
//! `ClientBuilder::proxy`). It is checked here, before it is saved, so a typo is
//! reported in words at once instead of as "server unreachable" at the next start.

use std::fmt;

use url::Url;

/// The schemes matrix-sdk's HTTP client (reqwest, with its `socks` feature) can use.
/// `socks5h` resolves names through the proxy (what a closed network usually needs).
pub const SCHEMES: &[&str] = &["http", "https", "socks5", "socks5h"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// Not a URL at all (`proxy:8080`, spaces, a bare word…).
    #[error("the proxy address is not a valid URL")]
    Invalid,
    /// A URL, but not one of [`SCHEMES`] (`ftp://…`, `socks4://…`).
    #[error("proxy scheme {0:?} is not supported (http, https, socks5, socks5h)")]
    UnsupportedScheme(String),
    /// A proxy is a host and a port: a path, query or fragment is a mistake.
    #[error("the proxy address has no host, or has a path")]
    NotAServer,
}

/// A checked proxy URL. Its `Debug` and `Display` hide the password a URL may carry
/// (`http://user:secret@proxy:3128`), so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    /// Checks what the user typed. Leading and trailing spaces are ignored.
    pub fn parse(input: &str) -> Result<Self, ProxyError> {
        let text = input.trim();
        // Without a scheme `url` reads `proxy.example.fr:3128` as scheme
        // `proxy.example.fr`: say "invalid" rather than "unsupported scheme".
        if !text.contains("://") {
            return Err(ProxyError::Invalid);
        }
        let url = Url::parse(text).map_err(|_| ProxyError::Invalid)?;
        let scheme = url.scheme().to_ascii_lowercase();
        if !SCHEMES.contains(&scheme.as_str()) {
            return Err(ProxyError::UnsupportedScheme(scheme));
        }
        let has_host = url.host_str().is_some_and(|h| !h.is_empty());
        let bare =
            matches!(url.path(), "" | "/") && url.query().is_none() && url.fragment().is_none();
        if !has_host || !bare {
            return Err(ProxyError::NotAServer);
        }
        Ok(Self(url))
    }

    /// An optional setting: empty (or only spaces) means "no proxy".
    pub fn parse_optional(input: Option<&str>) -> Result<Option<Self>, ProxyError> {
        match input.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Self::parse(text).map(Some),
        }
    }

    /// The URL to give the HTTP client (with its credentials, if any).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL without its password, for logs and screens.
    pub fn redacted(&self) -> String {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // Only fails for URLs that cannot have credentials, which a proxy URL can.
            let _ = shown.set_password(Some("***"));
        }
        shown.to_string()
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_https_and_socks5_proxies_are_accepted() {
        for ok in [
            "http://proxy.interieur.gouv.fr:3128",
            "https://proxy.example.fr",
            "socks5://127.0.0.1:1080",
            "socks5h://proxy:1080/",
            "  HTTP://Proxy:8080  ",
            "http://agent:s3cret@proxy:3128",
            "http://[::1]:3128",
        ] {
            assert!(ProxyUrl::parse(ok).is_ok(), "{ok} should be accepted");
        }
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(ProxyUrl::parse("proxy:3128"), Err(ProxyError::Invalid));
        assert_eq!(
            ProxyUrl::parse("proxy.example.fr"),
            Err(ProxyError::Invalid)
        );
        assert_eq!(ProxyUrl::parse("http://"), Err(ProxyError::Invalid));
        assert_eq!(
            ProxyUrl::parse("http://pro xy:80"),
            Err(ProxyError::Invalid)
        );
        assert_eq!(
            ProxyUrl::parse("http://proxy:99999"),
            Err(ProxyError::Invalid)
        );
        assert_eq!(
            ProxyUrl::parse("ftp://proxy:21"),
            Err(ProxyError::UnsupportedScheme("ftp".into()))
        );
        assert_eq!(
            ProxyUrl::parse("socks4://proxy:1080"),
            Err(ProxyError::UnsupportedScheme("socks4".into()))
        );
        assert_eq!(
            ProxyUrl::parse("http://proxy:3128/pac.js"),
            Err(ProxyError::NotAServer)
        );
        assert_eq!(
            ProxyUrl::parse("http://proxy:3128?x=1"),
            Err(ProxyError::NotAServer)
        );
    }

    #[test]
    fn empty_means_no_proxy() {
        assert_eq!(ProxyUrl::parse_optional(None), Ok(None));
        assert_eq!(ProxyUrl::parse_optional(Some("   ")), Ok(None));
        assert!(ProxyUrl::parse_optional(Some("http://p:1")).is_ok_and(|p| p.is_some()));
    }

    #[test]
    fn the_password_of_a_proxy_is_never_shown() {
        let p = ProxyUrl::parse("http://agent:s3cret@proxy:3128").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{p:?}").contains("s3cret"));
        assert!(!p.to_string().contains("s3cret"));
        assert!(p.redacted().contains("agent"));
        assert!(p.as_str().contains("s3cret"), "the client still needs it");
    }
}
