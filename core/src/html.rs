//! Message HTML is untrusted input from any user of any server. It is sanitised here,
//! in Rust, with the Matrix spec's allow-list (ruma-html, strict mode) before it can
//! reach the webview, which only ever inserts the result.
//!
//! ruma-html's scheme check stops at the first attribute it has no rule for, so
//! `<a class="x" href="javascript:…">` kept its link (attributes are checked in name
//! order, and `class` comes before `href`). A second pass, [`enforce`], therefore
//! checks every attribute of every element on its own; anything it cannot vouch for
//! is dropped, and an element outside the allow-list turns the whole message back
//! into plain text.

use ruma_html::{
    Children, ElementAttributesSchemes, Html, ListBehavior, NodeData, PropertiesNames,
    SanitizerConfig,
};

/// Elements the Matrix spec allows in `formatted_body` (mx-reply is removed before).
const ALLOWED_ELEMENTS: &[&str] = &[
    "del",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "p",
    "a",
    "ul",
    "ol",
    "sup",
    "sub",
    "li",
    "b",
    "i",
    "u",
    "strong",
    "em",
    "s",
    "code",
    "hr",
    "br",
    "div",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "pre",
    "span",
    "img",
    "details",
    "summary",
];

/// Link schemes that may stay in a message: the spec's, plus `matrix:` (MSC2312) so
/// room links can be followed inside the app.
pub const LINK_SCHEMES: &[&str] = &["http", "https", "ftp", "mailto", "magnet", "matrix"];

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Whether `element` may carry `attr` with `value` (the spec's attribute list, with
/// URLs limited to safe schemes and images to `mxc://`).
fn attribute_allowed(element: &str, attr: &str, value: &str) -> bool {
    match (element, attr) {
        ("span", "data-mx-bg-color" | "data-mx-color" | "data-mx-spoiler" | "data-mx-maths") => {
            true
        }
        ("a", "target") => true,
        ("a", "href") => safe_link(value),
        ("img", "width" | "height" | "alt" | "title") => true,
        ("img", "src") => value.starts_with("mxc://"),
        ("ol", "start") => true,
        ("code", "class") => value.split_whitespace().all(|c| c.starts_with("language-")),
        ("div", "data-mx-maths") => true,
        _ => false,
    }
}

/// A link's scheme, exactly as written (no leading space, no case games), is one of
/// [`LINK_SCHEMES`].
pub fn safe_link(href: &str) -> bool {
    LINK_SCHEMES.iter().any(|s| {
        href.strip_prefix(s)
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

/// Checks every node under `node`: strips attributes the allow-list does not grant,
/// and answers `false` if an element (or a namespaced one: SVG, MathML) survived that
/// must not be there.
fn enforce(children: Children) -> bool {
    for child in children {
        if let NodeData::Element(el) = child.data() {
            let name = el.name.local.as_ref();
            if el.name.ns.as_ref() != HTML_NS || !ALLOWED_ELEMENTS.contains(&name) {
                return false;
            }
            el.attrs.borrow_mut().retain(|a| {
                a.name.ns.as_ref().is_empty()
                    && a.name.prefix.is_none()
                    && attribute_allowed(name, a.name.local.as_ref(), a.value.as_ref())
            });
        }
        if !enforce(child.children()) {
            return false;
        }
    }
    true
}

/// Text of every text node, for the fail-closed path.
fn text_of(children: Children, out: &mut String) {
    for child in children {
        match child.data() {
            NodeData::Text(t) => out.push_str(t.borrow().as_ref()),
            _ => text_of(child.children(), out),
        }
    }
}

/// Text as HTML text content, escaped exactly as the HTML serialiser escapes a text
/// node (so that parsing and serialising it again gives the same string).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

/// Elements removed with everything inside them: their content is code, styling or
/// a document of its own, never words meant for the reader.
const REMOVED_WITH_CONTENT: [&str; 12] = [
    "script", "style", "template", "noscript", "iframe", "object", "embed", "head", "title", "svg",
    "math", "frameset",
];

fn sanitize_once(formatted_body: &str) -> Option<String> {
    let html = Html::parse(formatted_body);
    let config = SanitizerConfig::strict()
        .remove_reply_fallback()
        .remove_elements(REMOVED_WITH_CONTENT)
        .allow_schemes(
            [ElementAttributesSchemes {
                element: "a",
                attr_schemes: &[PropertiesNames {
                    parent: "href",
                    properties: &["matrix"],
                }],
            }],
            ListBehavior::Add,
        );
    html.sanitize_with(&config);
    enforce(html.children()).then(|| html.to_string())
}

/// The largest `formatted_body` rendered as HTML. A Matrix event is at most 64 KiB
/// (the spec's limit, which Synapse enforces), so no received message is larger; a
/// larger one is the local echo of the user's own huge message, shown as plain text.
pub const MAX_HTML_BYTES: usize = 65_536;

/// How deep the markup may nest, as counted by [`nesting_estimate`]. The spec (and
/// ruma's strict mode) drops elements below 100 levels anyway; past a few thousand, the
/// parser's recursive tree would overflow a worker thread's stack when checked or
/// dropped, aborting the whole app (a 54 KiB message of nested `<b>` did).
const MAX_NESTING: usize = 200;

/// Elements that never have content: they open nothing.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// An upper bound, without parsing, of how deep `html` nests: every start tag of a
/// non-void element opens a level (a self-closing slash does not close an HTML
/// element), and an end tag closes one only when it names the innermost open element.
/// Wherever the parser closes more (implied ends, misnested tags), or turns an end tag
/// into an element (`</p>`, `</br>`), the estimate stays higher than the real depth,
/// save for the few elements the parser implies (`tbody`): well-formed markup is
/// counted exactly.
pub fn nesting_estimate(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut open: Vec<&str> = Vec::new();
    let mut max = 0usize;
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|b| *b == b'<') {
        let start = i + off + 1;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = if closing { start + 1 } else { start };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        let end = bytes[name_start..]
            .iter()
            .position(|b| *b == b'>')
            .map_or(bytes.len(), |p| name_start + p);
        if name_len > 0 && bytes[name_start].is_ascii_alphabetic() {
            let name = &html[name_start..name_start + name_len];
            if closing {
                if open
                    .last()
                    .is_some_and(|top| top.eq_ignore_ascii_case(name))
                {
                    open.pop();
                }
            } else if !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                open.push(name);
                max = max.max(open.len());
            }
        }
        i = end;
        if i >= bytes.len() {
            break;
        }
    }
    max
}

/// Whether `formatted_body` may be rendered as HTML at all: not larger than an event
/// can be, not nested beyond what is shown. Otherwise the plain `body` is shown.
pub fn renderable(formatted_body: &str) -> bool {
    formatted_body.len() <= MAX_HTML_BYTES && nesting_estimate(formatted_body) <= MAX_NESTING
}

/// The text of markup, without parsing it: whatever is between `<` and `>` dropped.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(MAX_HTML_BYTES));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Returns HTML safe to insert into the timeline: only the tags and attributes the
/// Matrix spec allows, links limited to safe schemes, images to `mxc://`, reply
/// fallbacks removed.
///
/// The result is sanitised again until it no longer changes: mis-nested markup (text
/// inside a `<table>`…) is rearranged by each parse, and what is checked must be what
/// the webview's own parser will build. If that does not settle, or anything is left
/// that the allow-list does not know, only the text is kept; markup too large or too
/// deep to parse safely ([`renderable`]) is reduced to its text without parsing.
pub fn sanitize(formatted_body: &str) -> String {
    if !renderable(formatted_body) {
        // Never parsed: too big or too deep for the parser's recursive tree.
        return escape(&strip_tags(formatted_body));
    }
    let mut current = formatted_body.to_owned();
    for _ in 0..4 {
        match sanitize_once(&current) {
            Some(next) if next == current => return next,
            Some(next) => current = next,
            None => break,
        }
    }
    let html = Html::parse(formatted_body);
    html.sanitize_with(&SanitizerConfig::strict().remove_elements(REMOVED_WITH_CONTENT));
    let mut text = String::new();
    text_of(html.children(), &mut text);
    escape(&text)
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

    /// ruma-html alone keeps this link: its scheme check gives up at `class`.
    #[test]
    fn a_javascript_link_behind_another_attribute_is_dropped() {
        let out = sanitize(r#"<a class="c" href="javascript:alert(1)">a</a>"#);
        assert!(!out.contains("javascript"), "{out}");
        let out = sanitize(r#"<img alt="a" src="https://evil.example/t.png">"#);
        assert!(!out.contains("evil"), "{out}");
    }

    #[test]
    fn matrix_links_stay_for_the_app_to_follow() {
        let out = sanitize(r#"<a href="matrix:r/room:example.org">room</a>"#);
        assert!(out.contains(r#"href="matrix:r/room:example.org""#), "{out}");
    }

    #[test]
    fn nesting_is_estimated_from_above_without_parsing() {
        use super::nesting_estimate as n;
        assert_eq!(n("plain"), 0);
        assert_eq!(n("<p>a<b>b</b><br><img src=x></p><p>c</p>"), 2);
        // Tricks that nest deeper than they look are counted at full depth.
        assert_eq!(n(&"<b/>".repeat(50)), 50);
        assert_eq!(n(&"<b></p>".repeat(50)), 50);
        assert_eq!(n(&"<b></br>".repeat(50)), 50);
        assert_eq!(n(&"<div><b></div>".repeat(50)), 100);
        assert_eq!(n("<B>x</b>"), 1);
        assert_eq!(n("a < b > c <"), 0);
    }

    #[test]
    fn too_deep_or_too_large_markup_is_reduced_to_text_without_parsing() {
        let deep = format!("{}x{}", "<b>".repeat(20_000), "</b>".repeat(20_000));
        assert!(!super::renderable(&deep));
        assert_eq!(sanitize(&deep), "x");
        let big = format!("<i>{}</i><script>alert(1)</script>", "a".repeat(70_000));
        assert!(!super::renderable(&big));
        let out = sanitize(&big);
        assert!(!out.contains('<'), "{}", &out[..50]);
        assert!(super::renderable("<blockquote><p>ok</p></blockquote>"));
    }

    #[test]
    fn script_and_style_content_is_not_shown_as_text() {
        assert_eq!(
            sanitize(r#"<script>window.x = "script"</script><b>gras</b>"#),
            "<b>gras</b>"
        );
        assert_eq!(
            sanitize(r#"<style>body{display:none}</style><div style="position:fixed">voile</div>"#),
            "<div>voile</div>"
        );
    }

    #[test]
    fn reply_fallback_is_removed() {
        let out = sanitize("<mx-reply><blockquote>old</blockquote></mx-reply>new");
        assert_eq!(out, "new");
    }
}
