//! Reading a list of people to invite, as agents actually have them: one address per
//! line, several on a line separated by commas or semicolons, Outlook's
//! `"Dupont, Jean" <jean.dupont@x.gouv.fr>` form, a CSV export with a column named
//! email, or Matrix IDs. Every item gets a line number and a verdict, so the preview
//! and the final report can account for each line; a bad line never hides the good
//! ones. Pure text in, entries out: nothing here talks to a server.

use matrix_sdk::ruma::{OwnedUserId, UserId};
use serde::Serialize;

/// Who an item names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Invitee {
    /// An email address, trimmed and lowercased.
    Email(String),
    /// A Matrix ID, as written (historical IDs may hold capitals).
    UserId(String),
}

impl Invitee {
    /// The address as shown to the user and written in the report.
    pub fn address(&self) -> &str {
        match self {
            Invitee::Email(a) | Invitee::UserId(a) => a,
        }
    }

    pub fn user_id(&self) -> Option<OwnedUserId> {
        match self {
            Invitee::UserId(id) => UserId::parse(id.as_str()).ok(),
            Invitee::Email(_) => None,
        }
    }
}

/// What is wrong with an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Problem {
    /// Neither an email address nor a Matrix ID (a bare name, a phone number…).
    NotAnAddress,
    /// Looks like an email address but is not a valid one.
    InvalidEmail,
    /// Starts with `@` but is not a valid Matrix ID.
    InvalidUserId,
}

/// The verdict on one item, before asking the server anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Verdict {
    Valid {
        invitee: Invitee,
    },
    Invalid {
        problem: Problem,
    },
    /// The same person already appears earlier in the list.
    Duplicate {
        first_line: u32,
    },
}

/// One item of the list: where it was, what was written, what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// 1-based line of the text the item comes from.
    pub line: u32,
    /// The item as written (trimmed), for the preview table and the report.
    pub text: String,
    pub verdict: Verdict,
}

/// Header cells that name the email column of a CSV export (Outlook, Thunderbird,
/// spreadsheets in French or English).
const EMAIL_HEADERS: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "courriel",
    "email address",
    "e-mail address",
    "adresse e-mail",
    "adresse email",
    "adresse mail",
    "adresse électronique",
    "adresse de messagerie",
    "primary email",
    "email 1",
    "e-mail 1",
    "matrix id",
    "identifiant",
];

/// Splits `line` on any of `separators`, except inside double quotes or `<…>`.
fn split_outside_quotes(line: &str, separators: &[char]) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angled) = (false, false);
    for c in line.chars() {
        match c {
            '"' if !angled => quoted = !quoted,
            '<' if !quoted => angled = true,
            '>' if !quoted => angled = false,
            c if separators.contains(&c) && !quoted && !angled => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    items
}

/// A CSV cell without its surrounding quotes, with `""` read as `"`.
fn unquote(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => cell.to_owned(),
    }
}

/// If the first non-empty line is a CSV header naming an email column, the separator
/// and the column index.
fn csv_header(first: &str) -> Option<(char, usize)> {
    for sep in [',', ';', '\t'] {
        let cells = split_outside_quotes(first, &[sep]);
        if cells.len() < 2 {
            continue;
        }
        let column = cells.iter().position(|c| {
            let c = unquote(c).to_lowercase();
            EMAIL_HEADERS.contains(&c.trim())
        });
        if let Some(column) = column {
            return Some((sep, column));
        }
    }
    None
}

/// The address inside an item: `Name <a@b>` → `a@b`, `mailto:a@b` → `a@b`, quotes
/// and stray punctuation around it removed.
fn address_of(item: &str) -> &str {
    let item = item.trim();
    let inner = match (item.rfind('<'), item.rfind('>')) {
        (Some(open), Some(close)) if open < close => &item[open + 1..close],
        _ => item,
    };
    let inner = inner
        .trim()
        .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    match inner.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &inner[7..],
        _ => inner,
    }
}

/// A pragmatic email check: what mail servers accept and people type, without the
/// quoted-local-part corners of RFC 5322 that nobody has in an address book.
fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// The verdict on one address, not counting duplicates.
fn judge(address: &str) -> Result<Invitee, Problem> {
    if address.starts_with('@') {
        // Matrix IDs are case-sensitive in theory; keep them as written.
        return UserId::parse(address)
            .map(|id| Invitee::UserId(id.to_string()))
            .map_err(|_| Problem::InvalidUserId);
    }
    if address.contains('@') {
        let email = address.to_lowercase();
        return if valid_email(&email) {
            Ok(Invitee::Email(email))
        } else {
            Err(Problem::InvalidEmail)
        };
    }
    Err(Problem::NotAnAddress)
}

/// Parses a pasted or loaded list. Blank lines and empty cells are skipped; every
/// other item yields exactly one entry, in the order of the text.
pub fn parse(text: &str) -> Vec<Entry> {
    // A byte-order mark is what Excel puts at the start of a "CSV UTF-8" file.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<(u32, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let header = lines.first().and_then(|(_, l)| csv_header(l));

    let mut items: Vec<(u32, String)> = Vec::new();
    match header {
        Some((sep, column)) => {
            for (n, line) in lines.iter().skip(1) {
                let cells = split_outside_quotes(line, &[sep]);
                // A short row has no email cell: report it rather than skip it silently.
                let cell = cells.get(column).map(|c| unquote(c)).unwrap_or_default();
                let cell = if cell.trim().is_empty() {
                    line.trim().to_owned()
                } else {
                    cell
                };
                items.push((*n, cell));
            }
        }
        None => {
            for (n, line) in &lines {
                for item in split_outside_quotes(line, &[',', ';', '\t']) {
                    if !item.trim().is_empty() {
                        items.push((*n, item));
                    }
                }
            }
        }
    }

    let mut seen: std::collections::HashMap<Invitee, u32> = std::collections::HashMap::new();
    items
        .into_iter()
        .map(|(line, item)| {
            let verdict = match judge(address_of(&item)) {
                Err(problem) => Verdict::Invalid { problem },
                Ok(invitee) => match seen.get(&invitee) {
                    Some(first) => Verdict::Duplicate { first_line: *first },
                    None => {
                        seen.insert(invitee.clone(), line);
                        Verdict::Valid { invitee }
                    }
                },
            };
            Entry {
                line,
                text: item.trim().to_owned(),
                verdict,
            }
        })
        .collect()
}

/// The valid invitees, in list order, without duplicates.
pub fn valid(entries: &[Entry]) -> Vec<Invitee> {
    entries
        .iter()
        .filter_map(|e| match &e.verdict {
            Verdict::Valid { invitee } => Some(invitee.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(a: &str) -> Verdict {
        Verdict::Valid {
            invitee: Invitee::Email(a.into()),
        }
    }
    fn verdicts(text: &str) -> Vec<(u32, Verdict)> {
        parse(text)
            .into_iter()
            .map(|e| (e.line, e.verdict))
            .collect()
    }

    #[test]
    fn one_per_line_trimmed_lowercased_and_blank_lines_skipped() {
        assert_eq!(
            verdicts("  Jean.Dupont@Interieur.Gouv.fr \n\n\tmarie@culture.gouv.fr\r\n"),
            vec![
                (1, email("jean.dupont@interieur.gouv.fr")),
                (3, email("marie@culture.gouv.fr"))
            ]
        );
    }

    #[test]
    fn commas_and_semicolons_separate_addresses_on_a_line() {
        assert_eq!(
            verdicts("a@x.fr, b@x.fr;c@x.fr ;; \n"),
            vec![
                (1, email("a@x.fr")),
                (1, email("b@x.fr")),
                (1, email("c@x.fr"))
            ]
        );
    }

    #[test]
    fn outlooks_name_and_angle_brackets_form_with_a_comma_inside_quotes() {
        let text = "\"Dupont, Jean\" <Jean.Dupont@x.gouv.fr>; Marie Curie <marie@x.gouv.fr>";
        let entries = parse(text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].verdict, email("jean.dupont@x.gouv.fr"));
        assert_eq!(entries[0].text, "\"Dupont, Jean\" <Jean.Dupont@x.gouv.fr>");
        assert_eq!(entries[1].verdict, email("marie@x.gouv.fr"));
    }

    #[test]
    fn a_csv_export_is_read_from_its_email_column() {
        let text = "\u{feff}Nom;Prénom;Courriel;Service\n\
                    Dupont;Jean;jean@x.gouv.fr;DNUM\n\
                    \"Martin; fils\";Paul;PAUL@X.GOUV.FR;DGFIP\n\
                    Durand;Léa;;RH\n";
        assert_eq!(
            verdicts(text),
            vec![
                (2, email("jean@x.gouv.fr")),
                (3, email("paul@x.gouv.fr")),
                // The row without an email is reported, with the whole row as its text.
                (
                    4,
                    Verdict::Invalid {
                        problem: Problem::NotAnAddress
                    }
                ),
            ]
        );
    }

    #[test]
    fn matrix_ids_are_accepted_and_bad_ones_told_apart_from_bad_emails() {
        assert_eq!(
            verdicts(
                "@alice:agent.tchap.gouv.fr\n@bad id\nnot-an-email@\nJean Dupont\nmailto:x@y.fr"
            ),
            vec![
                (
                    1,
                    Verdict::Valid {
                        invitee: Invitee::UserId("@alice:agent.tchap.gouv.fr".into())
                    }
                ),
                (
                    2,
                    Verdict::Invalid {
                        problem: Problem::InvalidUserId
                    }
                ),
                (
                    3,
                    Verdict::Invalid {
                        problem: Problem::InvalidEmail
                    }
                ),
                (
                    4,
                    Verdict::Invalid {
                        problem: Problem::NotAnAddress
                    }
                ),
                (5, email("x@y.fr")),
            ]
        );
    }

    #[test]
    fn duplicates_point_at_the_first_line_whatever_the_case_or_form() {
        assert_eq!(
            verdicts("a@x.fr\nA@X.FR\nAnne <a@x.fr>\nb@x.fr"),
            vec![
                (1, email("a@x.fr")),
                (2, Verdict::Duplicate { first_line: 1 }),
                (3, Verdict::Duplicate { first_line: 1 }),
                (4, email("b@x.fr")),
            ]
        );
        assert_eq!(valid(&parse("a@x.fr\nA@X.FR\nb@x.fr")).len(), 2);
    }

    #[test]
    fn emails_that_mail_servers_refuse_are_invalid() {
        for bad in [
            "a@b",
            "a@@b.fr",
            ".a@b.fr",
            "a..b@c.fr",
            "a@-b.fr",
            "a b@c.fr",
            "a@b..fr",
            "@b.fr",
        ] {
            assert!(!valid_email(bad), "{bad} should be refused");
        }
        for good in ["a@b.fr", "jean-pierre.o'neil+tag@sub.x-y.gouv.fr", "1@2.io"] {
            assert!(valid_email(good), "{good} should be accepted");
        }
    }

    /// A list as long as a big service's directory export is read at once.
    #[test]
    fn ten_thousand_lines_are_read_quickly() {
        let start = std::time::Instant::now();
        let text: String = (0..10_000)
            .map(|i| format!("\"Agent {i}, Service\" <agent.{i}@x.gouv.fr>;agent.{i}@x.gouv.fr\n"))
            .collect();
        let entries = parse(&text);
        assert_eq!(entries.len(), 20_000);
        assert_eq!(valid(&entries).len(), 10_000);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn address() -> impl Strategy<Value = String> {
            (
                "[a-zA-Z0-9][a-zA-Z0-9._-]{0,10}[a-zA-Z0-9]",
                "[a-z0-9]{1,8}",
                "(fr|org|gouv\\.fr)",
            )
                .prop_filter("no double dots", |(l, _, _)| !l.contains(".."))
                .prop_map(|(l, d, t)| format!("{l}@{d}.{t}"))
        }

        proptest! {
            /// Whatever the text, parsing never panics and every entry points at a
            /// real, non-blank line of it.
            #[test]
            fn any_text_parses_and_entries_point_at_real_lines(text in "\\PC{0,300}") {
                let lines: Vec<&str> = text.lines().collect();
                for e in parse(&text) {
                    let line = lines.get(e.line as usize - 1).copied().unwrap_or("");
                    prop_assert!(!line.trim().is_empty());
                }
            }

            /// Whatever the text, an item is only ever judged valid when it really is a
            /// valid address: a lowercase email that passes the check, or a Matrix ID
            /// ruma accepts; and a duplicate always points at an earlier line.
            #[test]
            fn only_real_addresses_are_valid(text in "([a-zA-Z0-9@.<>\"';,\\t\\n :_+-]|\\PC){0,200}") {
                for e in parse(&text) {
                    match &e.verdict {
                        Verdict::Valid { invitee: Invitee::Email(a) } => {
                            prop_assert!(valid_email(a), "{:?}", a);
                            prop_assert_eq!(a.clone(), a.to_lowercase());
                        }
                        Verdict::Valid { invitee: Invitee::UserId(id) } => {
                            prop_assert!(UserId::parse(id.as_str()).is_ok(), "{:?}", id);
                        }
                        Verdict::Duplicate { first_line } => prop_assert!(*first_line <= e.line),
                        Verdict::Invalid { .. } => {}
                    }
                }
            }

            /// A CSV export, with quoted cells holding separators and quotes, gives one
            /// entry per data row, at that row's line, whatever the other columns hold.
            #[test]
            fn a_csv_gives_one_entry_per_row(
                rows in proptest::collection::vec(("\\PC{0,12}", address(), "\\PC{0,12}"), 1..30),
                sep in prop_oneof![Just(';'), Just(','), Just('\t')],
            ) {
                let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
                let mut text = format!("Nom{sep}Courriel{sep}Service\n");
                for (name, email, service) in &rows {
                    text.push_str(&format!("{}{sep}{email}{sep}{}\n", quote(name), quote(service)));
                }
                let entries = parse(&text);
                prop_assert_eq!(entries.len(), rows.len());
                for (i, (e, (_, email, _))) in entries.iter().zip(&rows).enumerate() {
                    prop_assert_eq!(e.line as usize, i + 2);
                    match &e.verdict {
                        Verdict::Valid { invitee } => prop_assert_eq!(invitee.address(), email.to_lowercase()),
                        Verdict::Duplicate { .. } => {}
                        other => prop_assert!(false, "{:?} for {:?}", other, email),
                    }
                }
            }

            /// Addresses joined with any separators and decorations come back once
            /// each, lowercased, in order.
            #[test]
            fn decorated_lists_give_back_each_address_once(
                addresses in proptest::collection::vec(address(), 1..20),
                seps in proptest::collection::vec(prop_oneof![Just(", "), Just(";"), Just("\n"), Just(" ;\r\n")], 20),
                angled in proptest::collection::vec(any::<bool>(), 20),
            ) {
                let mut text = String::new();
                for (i, a) in addresses.iter().enumerate() {
                    if angled[i] { text.push_str(&format!("\"Name, {i}\" <{a}>")) } else { text.push_str(a) }
                    text.push_str(seps[i]);
                }
                let mut expected: Vec<String> = Vec::new();
                for a in &addresses {
                    let a = a.to_lowercase();
                    if !expected.contains(&a) { expected.push(a) }
                }
                let got: Vec<String> = valid(&parse(&text)).iter().map(|i| i.address().to_owned()).collect();
                prop_assert_eq!(got, expected);
                prop_assert_eq!(parse(&text).len(), addresses.len());
            }
        }
    }
}
