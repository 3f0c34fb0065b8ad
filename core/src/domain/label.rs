//! The label catalogue: the labels a workspace uses (`refund`, `vip`, `late delivery`), each
//! defined once with an id, a name, a colour and what it is for, so that "refund", "Refund"
//! and "refunds" stop drifting apart. Defining and changing them is configuration
//! ([`super::config`]): checked there, logged by the server.

use serde::{Deserialize, Serialize};

use super::config::Refusal;
use super::ids::LabelId;
use super::limits::{MAX_LABEL_CHARS, MAX_LABEL_DESCRIPTION_CHARS};

/// One label of the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelDefinition {
    pub id: LabelId,
    /// As people see it ("Refund", "late delivery"): trimmed, its case kept.
    pub name: String,
    /// `#rrggbb`, lowercase.
    pub colour: String,
    /// What it is for (may be empty).
    #[serde(default)]
    pub description: String,
    /// A switched-off label is kept (history names it) but offered to no one.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The colour a label gets when none is chosen.
pub const DEFAULT_COLOUR: &str = "#6b7280";

fn invalid(field: &str, reason: impl Into<String>) -> Refusal {
    Refusal::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A label's name as typed: trimmed, 1–[`MAX_LABEL_CHARS`] letters, digits, spaces, `-`, `_`
/// and `:` (its case kept: two names that differ only in case are the same name to
/// [`same_name`]).
pub fn name(raw: &str) -> Result<String, Refusal> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_LABEL_CHARS {
        return Err(invalid("name", format!("1–{MAX_LABEL_CHARS} characters")));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | ' '))
    {
        return Err(invalid(
            "name",
            "a label may only hold letters, digits, spaces, '-', '_' and ':'",
        ));
    }
    Ok(name.to_owned())
}

/// A colour as typed: `#rrggbb` (or `rrggbb`), read lowercase.
pub fn colour(raw: &str) -> Result<String, Refusal> {
    let hex = raw.trim().trim_start_matches('#').to_lowercase();
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(format!("#{hex}"))
    } else {
        Err(invalid("colour", "#rrggbb (six hex digits)"))
    }
}

/// What a label is for: trimmed, at most [`MAX_LABEL_DESCRIPTION_CHARS`] characters.
pub fn description(raw: &str) -> Result<String, Refusal> {
    let text = raw.trim();
    if text.chars().count() > MAX_LABEL_DESCRIPTION_CHARS {
        return Err(invalid(
            "description",
            format!("at most {MAX_LABEL_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Whether two names are one name to people: equal but for case.
pub fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}
