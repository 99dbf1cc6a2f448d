//! Room links, both ways: the links Chappe gives to share a room (matrix.to, a
//! `matrix:` URI, and the administration's own prefix such as Tchap's
//! `https://tchap.gouv.fr/#/room/#alias:server`), and reading whatever a user pastes or
//! the OS hands over (`matrix:`/`chappe:` URIs, matrix.to, Element/Tchap web links, a
//! bare `#alias:server` or `!id:server`). Pure text handling, no network.

use matrix_sdk::ruma::{OwnedRoomOrAliasId, RoomOrAliasId};
use serde::Serialize;

/// Where a link points: a room by ID or address, and servers that know it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoomTarget {
    pub room: String,
    pub via: Vec<String>,
}

/// The shareable forms of a room's link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoomLinks {
    pub matrix_to: String,
    pub matrix_uri: String,
    /// With the admin's `permalink_prefix`, when it is not matrix.to.
    pub permalink: Option<String>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Characters kept as they are in a link's room part; the rest is percent-encoded.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'!'
            | b'@'
            | b'$'
            | b'=' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn valid_room(s: &str) -> Option<String> {
    <&RoomOrAliasId>::try_from(s).ok().map(|r| r.to_string())
}

/// `via=a&via=b` from a query string.
fn vias(query: Option<&str>) -> Vec<String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.strip_prefix("via="))
        .map(percent_decode)
        .filter(|v| !v.is_empty())
        .collect()
}

/// `room/…` part of a matrix.to / web link fragment, or a bare ID/alias, with its query.
fn from_fragment(fragment: &str) -> Option<RoomTarget> {
    let fragment = fragment.trim_start_matches('/');
    // Element and Tchap web: `#/room/#alias:server`.
    let fragment = fragment.strip_prefix("room/").unwrap_or(fragment);
    let (path, query) = match fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (fragment, None),
    };
    // A permalink to an event (`/#/!room:server/$event`) still names the room. The
    // separator is looked for before decoding: an address may itself hold "/$"
    // (written %2F$ in a link), which must not cut it short.
    let lower = path.to_ascii_lowercase();
    let room_raw = match [path.find("/$"), lower.find("/%24")]
        .into_iter()
        .flatten()
        .min()
    {
        Some(i) => &path[..i],
        None => path,
    };
    let room = valid_room(&percent_decode(room_raw))?;
    Some(RoomTarget {
        room,
        via: vias(query),
    })
}

/// `matrix:r/alias:server`, `matrix:roomid/id:server?via=…` (MSC2312), and the same
/// with Chappe's own `chappe:` scheme.
fn from_matrix_uri(rest: &str) -> Option<RoomTarget> {
    let rest = rest.trim_start_matches('/');
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut parts = path.splitn(3, '/');
    let sigil = match parts.next()? {
        "r" => '#',
        "roomid" => '!',
        _ => return None,
    };
    let room = valid_room(&format!("{sigil}{}", percent_decode(parts.next()?)))?;
    Some(RoomTarget {
        room,
        via: vias(query),
    })
}

/// What a pasted text or an opened URI points at, if it is a room.
pub fn parse(text: &str) -> Option<RoomTarget> {
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("matrix:")
        .or_else(|| text.strip_prefix("chappe:"))
    {
        return from_matrix_uri(rest);
    }
    if text.starts_with('#') || text.starts_with('!') {
        return from_fragment(text);
    }
    let url = url::Url::parse(text).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    from_fragment(url.fragment()?)
}

/// What clicking a link in a message does. Decided here, in Rust, from the link's
/// text alone: the webview never navigates, and only these three outcomes exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LinkAction {
    /// A room link (`matrix:`, matrix.to, the admin's permalink prefix): previewed and
    /// joined inside the app. `link` is what the preview reads again.
    Room { link: String, target: RoomTarget },
    /// Opened in the system browser (or mail client): `url` as re-serialised here.
    Browser { url: String },
    /// Any other scheme (`javascript:`, `file:`, `data:`…) is not followed.
    Refused,
}

/// Schemes handed to the operating system.
const BROWSER_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// What to do with a link clicked in a message. `permalink_prefix`: the admin's
/// (e.g. `https://tchap.gouv.fr`), whose room links open in the app like matrix.to's.
pub fn link_action(href: &str, permalink_prefix: Option<&str>) -> LinkAction {
    let href = href.trim();
    if href.starts_with("matrix:") {
        return match parse(href) {
            Some(target) => LinkAction::Room {
                link: href.to_owned(),
                target,
            },
            None => LinkAction::Refused,
        };
    }
    let Ok(url) = url::Url::parse(href) else {
        return LinkAction::Refused;
    };
    if !BROWSER_SCHEMES.contains(&url.scheme()) {
        return LinkAction::Refused;
    }
    let prefix = permalink_prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
        .and_then(|p| url::Url::parse(p).ok());
    let is_room_site = url.scheme() == "https"
        && (url.host_str() == Some("matrix.to")
            || prefix.is_some_and(|p| {
                p.scheme() == "https" && p.host_str() == url.host_str() && p.port() == url.port()
            }));
    if is_room_site {
        if let Some(target) = parse(href) {
            return LinkAction::Room {
                link: href.to_owned(),
                target,
            };
        }
    }
    // The system gets one clean token: a `mailto:` keeps spaces the URL parser leaves
    // in its opaque part ("mailto: a"); such a link is not an address, so it is refused.
    let url = url.to_string();
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return LinkAction::Refused;
    }
    LinkAction::Browser { url }
}

/// The links to share for `room` (an address is better than an ID: it survives
/// upgrades and reads well). `permalink_prefix`: the admin's, if any.
pub fn links(room: &str, permalink_prefix: Option<&str>) -> Option<RoomLinks> {
    let id = OwnedRoomOrAliasId::try_from(room).ok()?;
    let bare = id.as_str();
    let matrix_uri = match bare.strip_prefix('#') {
        Some(alias) => format!("matrix:r/{}", encode(alias)),
        None => format!("matrix:roomid/{}", encode(bare.trim_start_matches('!'))),
    };
    let permalink = permalink_prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty() && *p != "https://matrix.to")
        .map(|p| format!("{p}/#/room/{}", encode(bare)));
    Some(RoomLinks {
        matrix_to: format!("https://matrix.to/#/{}", encode(bare)),
        matrix_uri,
        permalink,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn room(text: &str) -> Option<String> {
        parse(text).map(|t| t.room)
    }

    #[test]
    fn every_form_people_paste_is_read() {
        let alias = Some("#forum:agent.dinum.tchap.gouv.fr".to_owned());
        assert_eq!(
            room("https://matrix.to/#/#forum:agent.dinum.tchap.gouv.fr"),
            alias
        );
        assert_eq!(
            room("https://matrix.to/#/%23forum%3Aagent.dinum.tchap.gouv.fr"),
            alias
        );
        assert_eq!(
            room("https://tchap.gouv.fr/#/room/#forum:agent.dinum.tchap.gouv.fr"),
            alias
        );
        assert_eq!(
            room("https://app.element.io/#/room/%23forum:agent.dinum.tchap.gouv.fr"),
            alias
        );
        assert_eq!(room("matrix:r/forum:agent.dinum.tchap.gouv.fr"), alias);
        assert_eq!(room("chappe:r/forum:agent.dinum.tchap.gouv.fr"), alias);
        assert_eq!(room("  #forum:agent.dinum.tchap.gouv.fr "), alias);
        let t = parse("https://matrix.to/#/!abc:x.fr/$event?via=x.fr&via=y.fr").unwrap();
        assert_eq!(
            t,
            RoomTarget {
                room: "!abc:x.fr".into(),
                via: vec!["x.fr".into(), "y.fr".into()]
            }
        );
        assert_eq!(
            room("matrix:roomid/abc:x.fr?via=x.fr"),
            Some("!abc:x.fr".into())
        );
    }

    #[test]
    fn what_is_not_a_room_link_is_refused() {
        for bad in [
            "",
            "forum",
            "https://example.org/page",
            "https://matrix.to/#/@alice:x.fr",
            "matrix:u/alice:x.fr",
            "ftp://matrix.to/#/#a:b",
            "#sans-serveur",
            "javascript:alert(1)",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn links_are_made_for_sharing() {
        let l = links("#forum:x.fr", Some("https://tchap.gouv.fr")).unwrap();
        assert_eq!(l.matrix_to, "https://matrix.to/#/%23forum:x.fr");
        assert_eq!(l.matrix_uri, "matrix:r/forum:x.fr");
        assert_eq!(
            l.permalink.as_deref(),
            Some("https://tchap.gouv.fr/#/room/%23forum:x.fr")
        );
        assert_eq!(
            links("#forum:x.fr", Some("https://matrix.to"))
                .unwrap()
                .permalink,
            None
        );
        assert_eq!(
            links("!id:x.fr", None).unwrap().matrix_uri,
            "matrix:roomid/id:x.fr"
        );
        assert!(links("not a room", None).is_none());
    }

    #[test]
    fn room_links_in_messages_open_in_the_app() {
        let prefix = Some("https://tchap.gouv.fr");
        for link in [
            "matrix:r/forum:x.fr",
            "https://matrix.to/#/#forum:x.fr",
            "https://matrix.to/#/%23forum:x.fr?via=x.fr",
            "https://tchap.gouv.fr/#/room/#forum:x.fr",
        ] {
            match link_action(link, prefix) {
                LinkAction::Room { link: l, target } => {
                    assert_eq!(l, link);
                    assert_eq!(target.room, "#forum:x.fr", "{link}");
                }
                other => panic!("{link}: {other:?}"),
            }
        }
        // Without the prefix configured, a Tchap web link is just a web page.
        assert!(matches!(
            link_action("https://tchap.gouv.fr/#/room/#forum:x.fr", None),
            LinkAction::Browser { .. }
        ));
        // Not a room (a user link): matrix.to's page explains it in the browser.
        assert!(matches!(
            link_action("https://matrix.to/#/@alice:x.fr", prefix),
            LinkAction::Browser { .. }
        ));
        assert_eq!(
            link_action("matrix:u/alice:x.fr", prefix),
            LinkAction::Refused
        );
    }

    #[test]
    fn only_web_and_mail_links_reach_the_system() {
        assert_eq!(
            link_action("https://example.org/a?b=c", None),
            LinkAction::Browser {
                url: "https://example.org/a?b=c".into()
            }
        );
        assert_eq!(
            link_action("HTTP://Example.org", None),
            LinkAction::Browser {
                url: "http://example.org/".into()
            }
        );
        assert_eq!(
            link_action("mailto:agent@x.gouv.fr", None),
            LinkAction::Browser {
                url: "mailto:agent@x.gouv.fr".into()
            }
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "vbscript:x",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "ftp://example.org/f",
            "magnet:?xt=urn:btih:x",
            "tauri://localhost/",
            "smb://host/share",
            "/relative",
            "//example.org",
            "",
            "not a url",
            // A look-alike of the permalink host is a web page, not a room link.
            "https://tchap.gouv.fr.evil.example/#/room/#forum:x.fr",
        ] {
            let action = link_action(bad, Some("https://tchap.gouv.fr"));
            assert!(
                matches!(action, LinkAction::Refused)
                    || matches!(&action, LinkAction::Browser { url } if url.starts_with("https://tchap.gouv.fr.evil")),
                "{bad}: {action:?}"
            );
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            // Random local parts are often not valid addresses: allow the rejections
            // a long run (PROPTEST_CASES) needs.
            #![proptest_config(ProptestConfig { max_global_rejects: 1_000_000, ..ProptestConfig::default() })]

            /// Every link made for a room reads back as that room.
            #[test]
            fn made_links_read_back(local in "[a-z0-9][a-z0-9._=-]{0,20}", server in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){1,2}") {
                let alias = format!("#{local}:{server}");
                let l = links(&alias, Some("https://tchap.gouv.fr")).unwrap();
                for link in [l.matrix_to, l.matrix_uri, l.permalink.unwrap()] {
                    prop_assert_eq!(parse(&link).map(|t| t.room), Some(alias.clone()), "{}", link);
                }
            }

            /// Whatever is pasted, reading it never panics.
            #[test]
            fn any_text_is_read_without_panic(text in "\\PC{0,80}") {
                let _ = parse(&text);
            }

            /// Any address ruma accepts, whatever its characters (accents, spaces,
            /// `%`, `?`, `#`, `/`…), survives being made into links and read back.
            #[test]
            fn any_valid_alias_survives_its_links(local in "[^:]{1,24}", server in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){1,2}") {
                let alias = format!("#{local}:{server}");
                prop_assume!(<&RoomOrAliasId>::try_from(alias.as_str()).is_ok());
                let l = links(&alias, Some("https://tchap.gouv.fr")).unwrap();
                for link in [l.matrix_to, l.matrix_uri, l.permalink.unwrap()] {
                    prop_assert_eq!(parse(&link).map(|t| t.room), Some(alias.clone()), "{}", link);
                }
            }

            /// Whatever a message's link says, only http, https and mailto ever reach
            /// the system, as a URL that reads back with that scheme and holds no space
            /// or control character; a room is a valid room; everything else is refused.
            #[test]
            fn only_web_and_mail_links_ever_reach_the_system(
                head in prop_oneof![
                    Just(""), Just("javascript:"), Just("JaVaScRiPt:"), Just(" javascript:"),
                    Just("java\tscript:"), Just("java\nscript:"), Just("\u{0}javascript:"),
                    Just("vbscript:"), Just("data:text/html,"), Just("file://"), Just("file:"),
                    Just("tauri://localhost/"), Just("media://localhost/"), Just("ipc://localhost/"),
                    Just("http://"), Just("https://"), Just("HTTPS://"), Just("mailto:"),
                    Just("matrix:"), Just("matrix:r/"), Just("matrix:roomid/"),
                    Just("https://matrix.to/#/"), Just("https://matrix.to/#/%23"),
                    Just("https://tchap.gouv.fr/#/room/"), Just("https://tchap.gouv.fr.evil.example/#/room/#"),
                    Just("//"), Just("\\\\host\\"), Just("chappe:"), Just("blob:"), Just("about:"),
                    Just("ftp://"), Just("smb://"), Just("x-scheme:"), Just("\u{202E}https://"),
                ],
                tail in "\\PC{0,40}",
                prefix in prop_oneof![Just(None), Just(Some("https://tchap.gouv.fr")), Just(Some("not a url")), Just(Some(""))],
            ) {
                let href = format!("{head}{tail}");
                match link_action(&href, prefix) {
                    LinkAction::Browser { url } => {
                        let parsed = url::Url::parse(&url);
                        prop_assert!(parsed.is_ok(), "{:?} -> {:?}", href, url);
                        let scheme = parsed.map(|u| u.scheme().to_owned()).unwrap_or_default();
                        prop_assert!(BROWSER_SCHEMES.contains(&scheme.as_str()), "{:?} -> {:?}", href, url);
                        prop_assert!(url.starts_with(&format!("{scheme}:")), "{:?}", url);
                        prop_assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()), "{:?}", url);
                    }
                    LinkAction::Room { link, target } => {
                        prop_assert!(valid_room(&target.room).is_some(), "{:?}", target);
                        prop_assert_eq!(link.as_str(), href.trim());
                        prop_assert!(link.starts_with("matrix:") || link.starts_with("https://"), "{:?}", link);
                    }
                    LinkAction::Refused => {
                        let clean = url::Url::parse(href.trim())
                            .map(|u| !u.to_string().chars().any(|c| c.is_whitespace() || c.is_control()))
                            .unwrap_or(false);
                        prop_assert!(!head.starts_with("http") && head != "mailto:" || !clean
                            || head.starts_with("matrix:"), "{:?} refused", href);
                    }
                }
            }
        }
    }
}
