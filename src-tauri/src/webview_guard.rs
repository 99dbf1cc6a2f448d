//! The main window shows Chappe's own bundled pages and nothing else. Its webview is
//! built here (tauri.conf.json declares it with `"create": false`) with two guards the
//! config file cannot express:
//!
//! - navigation: the webview may only load the app's own origin; a link, a script or a
//!   redirect that tries to go elsewhere is refused (links in messages are handed to the
//!   system browser by `open_link`, never followed by the webview);
//! - new windows: `window.open` and `target="_blank"` open nothing.
//!
//! With the CSP (tauri.conf.json) and the capability (capabilities/main.json) this keeps
//! any remote page away from the IPC, whatever a message manages to put in the DOM.

use tauri::{
    webview::{NewWindowFeatures, NewWindowResponse},
    App, Runtime, Url, WebviewWindowBuilder,
};
use tracing::warn;

/// The label of the one window, as in tauri.conf.json and the capability.
pub const MAIN: &str = "main";

/// Whether `url` is one of the app's own pages: Tauri's custom protocol, which is
/// `tauri://localhost` on Linux and macOS and `http(s)://tauri.localhost` on Windows.
/// No port, no user name: anything else is another origin.
pub fn is_app_page(url: &Url) -> bool {
    let plain = url.port().is_none() && url.username().is_empty() && url.password().is_none();
    let origin = match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    };
    plain && origin
}

/// The navigation guard: the app's pages load, everything else is refused and logged
/// (the scheme only: a URL may carry a token or a personal address).
pub fn allow_navigation(url: &Url) -> bool {
    let allowed = is_app_page(url);
    if !allowed {
        warn!(
            scheme = url.scheme(),
            "navigation away from the app refused"
        );
    }
    allowed
}

/// The new-window guard: no window ever opens from the webview.
pub fn refuse_new_window<R: Runtime>(url: &Url) -> NewWindowResponse<R> {
    warn!(scheme = url.scheme(), "new window refused");
    NewWindowResponse::Deny
}

/// Builds the main window from its tauri.conf.json entry, with the guards above.
pub fn create_main_window<R: Runtime>(app: &App<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .ok_or(tauri::Error::WindowNotFound)?;
    WebviewWindowBuilder::from_config(app.handle(), &config)?
        .on_navigation(allow_navigation)
        .on_new_window(|url: Url, _features: NewWindowFeatures| refuse_new_window::<R>(&url))
        .build()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        match Url::parse(s) {
            Ok(u) => u,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn the_apps_own_pages_load_on_every_platform() {
        for ok in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html",
            "tauri://localhost/assets/index-abc.js?x=1#top",
            "http://tauri.localhost/",
            "https://tauri.localhost/index.html",
        ] {
            assert!(is_app_page(&url(ok)), "{ok}");
        }
    }

    #[test]
    fn every_other_address_is_refused() {
        for bad in [
            "https://example.org/",
            "http://127.0.0.1:18008/_matrix/client/versions",
            "http://localhost/",
            "tauri://evil.example/",
            "tauri://localhost.evil.example/",
            "http://tauri.localhost.evil.example/",
            "http://tauri.localhost:8080/",
            "http://user@tauri.localhost/",
            "http://user:pw@tauri.localhost/",
            "https://evil.example/tauri.localhost",
            "media://localhost/p/example.org/abc",
            "ipc://localhost/app_info",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "about:blank",
            "blob:tauri://localhost/1234",
            "matrix:r/room:example.org",
            "mailto:agent@example.gouv.fr",
        ] {
            assert!(!is_app_page(&url(bad)), "{bad}");
            assert!(!allow_navigation(&url(bad)), "{bad}");
        }
    }

    #[test]
    fn no_window_is_ever_opened() {
        for u in ["https://example.org/", "tauri://localhost/index.html"] {
            assert!(matches!(
                refuse_new_window::<tauri::Wry>(&url(u)),
                NewWindowResponse::Deny
            ));
        }
    }
}
