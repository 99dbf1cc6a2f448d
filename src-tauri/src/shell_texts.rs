//! The few words the shell itself shows (file dialog filters, the invitation report's
//! file name, header and results), in the user's language. They come from the UI's one
//! i18n table (`shellTexts()` in ui/src/shellTexts.ts), sent at start and after every
//! change of language: Rust keeps no second table. Until the UI has sent them, French.

use std::{collections::HashMap, sync::RwLock};

use chappe_core::bulk_invite::{self, Row, RowStatus};
use serde::Deserialize;
use tauri::State;

/// What the UI sends.
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ShellTexts {
    /// The filter of the invitation list dialog ("Liste (.txt, .csv)").
    pub list_filter: String,
    /// The filter of the room picture dialog ("Images").
    pub image_filter: String,
    /// The name suggested for the invitation report ("invitations.csv").
    pub report_file_name: String,
    /// The report's first line ("ligne,élément,adresse,compte,résultat").
    pub report_header: String,
    /// Each row's result, by status: `ready`, `invalid.<problem>`, `duplicate` (with
    /// `{line}`), `notAllowed.<reason>`, `failed` (with `{reason}`)… (the UI's
    /// `invite.status.*` keys without their prefix).
    pub report_statuses: HashMap<String, String>,
}

/// The texts in force, managed by Tauri.
#[derive(Default)]
pub struct Texts(RwLock<Option<ShellTexts>>);

impl Texts {
    fn read<T>(&self, f: impl FnOnce(Option<&ShellTexts>) -> T) -> T {
        // A poisoned lock still holds whole texts (they are replaced in one write).
        match self.0.read() {
            Ok(g) => f(g.as_ref()),
            Err(p) => f(p.into_inner().as_ref()),
        }
    }

    pub fn list_filter(&self) -> String {
        self.read(|t| {
            t.map_or_else(
                || "Liste (.txt, .csv)".to_owned(),
                |t| t.list_filter.clone(),
            )
        })
    }

    pub fn image_filter(&self) -> String {
        self.read(|t| t.map_or_else(|| "Images".to_owned(), |t| t.image_filter.clone()))
    }

    pub fn report_file_name(&self) -> String {
        self.read(|t| {
            t.map_or_else(
                || "invitations.csv".to_owned(),
                |t| t.report_file_name.clone(),
            )
        })
    }

    /// The invitation report as CSV, in the UI's language (English until it spoke).
    pub fn report_csv(&self, rows: &[Row]) -> String {
        self.read(|t| match t {
            Some(t) => bulk_invite::report_csv_worded(rows, &t.report_header, |s| result(t, s)),
            None => bulk_invite::report_csv(rows),
        })
    }
}

/// A row's result in the UI's words; the status's key when the UI sent none for it.
fn result(texts: &ShellTexts, status: &RowStatus) -> String {
    let (key, line, reason) = match status {
        RowStatus::Invalid { problem } => (format!("invalid.{}", camel(problem)), None, None),
        RowStatus::NotAllowed { reason } => (format!("notAllowed.{}", camel(reason)), None, None),
        RowStatus::Duplicate { first_line } => ("duplicate".to_owned(), Some(*first_line), None),
        RowStatus::Failed { reason } => ("failed".to_owned(), None, Some(reason.as_str())),
        other => (camel(other), None, None),
    };
    let template = texts.report_statuses.get(&key).cloned().unwrap_or(key);
    template
        .replace("{line}", &line.map(|l| l.to_string()).unwrap_or_default())
        .replace("{reason}", reason.unwrap_or_default())
}

/// The serde name of a unit variant or of a tagged enum's `kind` ("notAnAddress").
fn camel(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(map)) => map
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// The UI's words for what the shell shows, at start and after a change of language.
#[tauri::command]
#[specta::specta]
pub fn set_shell_texts(texts: State<'_, Texts>, value: ShellTexts) {
    match texts.0.write() {
        Ok(mut g) => *g = Some(value),
        Err(p) => *p.into_inner() = Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u32, status: RowStatus) -> Row {
        Row {
            line,
            text: format!("item {line}"),
            address: None,
            user_id: None,
            status,
        }
    }

    #[test]
    fn the_report_is_worded_in_the_language_the_ui_sent() {
        let texts = Texts::default();
        let rows = vec![
            row(1, RowStatus::Invited),
            row(2, RowStatus::Duplicate { first_line: 1 }),
            row(
                3,
                RowStatus::Failed {
                    reason: "serveur injoignable".into(),
                },
            ),
        ];
        assert!(texts
            .report_csv(&rows)
            .starts_with("line,item,address,account,result\n"));
        let statuses = [
            ("invited", "Invité"),
            ("duplicate", "Doublon de la ligne {line}"),
            ("failed", "Échec : {reason}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        set(
            &texts,
            ShellTexts {
                list_filter: "Liste (.txt, .csv)".into(),
                image_filter: "Images".into(),
                report_file_name: "invitations.csv".into(),
                report_header: "ligne,élément,adresse,compte,résultat".into(),
                report_statuses: statuses,
            },
        );
        let csv = texts.report_csv(&rows);
        assert_eq!(
            csv,
            "ligne,élément,adresse,compte,résultat\n1,item 1,,,Invité\n2,item 2,,,Doublon de la ligne 1\n3,item 3,,,Échec : serveur injoignable\n"
        );
    }

    fn set(texts: &Texts, value: ShellTexts) {
        if let Ok(mut g) = texts.0.write() {
            *g = Some(value);
        }
    }
}
