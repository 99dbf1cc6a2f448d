//! Message HTML is untrusted input from any user of any server. It is sanitised here,
//! in Rust, with the Matrix spec's allow-list (ruma-html, strict mode) before it can
//! reach the webview, which only ever inserts the result.

use ruma_html::{sanitize_html, HtmlSanitizerMode, RemoveReplyFallback};

/// Returns HTML safe to insert into the timeline: only the tags and attributes the
/// Matrix spec allows, links limited to safe schemes, reply fallbacks removed.
pub fn sanitize(formatted_body: &str) -> String {
    sanitize_html(
        formatted_body,
        HtmlSanitizerMode::Strict,
        RemoveReplyFallback::Yes,
    )
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn scripts_and_event_handlers_are_removed() {
        let out = sanitize(
            r#"<b onclick="x()">hi</b><script>alert(1)</script><img src=x onerror=alert(1)>"#,
        );
        assert!(out.contains("<b>hi</b>"), "{out}");
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
    }

    #[test]
    fn javascript_links_are_dropped_but_https_links_stay() {
        let out =
            sanitize(r#"<a href="javascript:alert(1)">a</a> <a href="https://example.org">b</a>"#);
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains(r#"href="https://example.org""#), "{out}");
    }

    #[test]
    fn reply_fallback_is_removed() {
        let out = sanitize("<mx-reply><blockquote>old</blockquote></mx-reply>new");
        assert_eq!(out, "new");
    }
}
