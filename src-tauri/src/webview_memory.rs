//! WebKitGTK's memory caches, sized for what Chappe's window is: one local page (the
//! bundled UI, pictures served by Rust through the `media:` scheme, which keeps its own
//! disk cache), never a browser going back and forth between sites. WebKit's default
//! cache model is the web browser's (a memory cache of resources and a page cache for
//! back/forward); "document viewer" turns those off, which the benchmark's whole-app
//! memory rows measure (docs/BENCHMARKS.md). `CHAPPE_WEBKIT_CACHE=browser` keeps
//! WebKit's default, to compare.

use tauri::{Manager, Runtime};

/// Applies the cache model to the main window's web context (Linux; other platforms'
/// webviews manage their caches themselves).
pub fn apply<R: Runtime>(app: &tauri::App<R>) {
    let keep_default = std::env::var("CHAPPE_WEBKIT_CACHE").is_ok_and(|v| v == "browser");
    if keep_default {
        return;
    }
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let result = window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    });
    if let Err(err) = result {
        tracing::warn!(%err, "could not size the webview's caches");
    }
}
