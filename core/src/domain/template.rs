//! WhatsApp message templates: the only messages that may be sent outside the 24-hour window.
//!
//! A template is approved by Meta with parameter slots; a send must fill every slot and no
//! other, in the template's approved language, or WhatsApp refuses it (132000, 132001,
//! 132012). We check that before queueing so the agent fixes it at once.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::ids::TemplateId;
use super::placeholders::{fill, placeholder_names};

/// Values for a template's slots, keyed `"<component>.<slot>"`: `body.1`, `body.first_name`,
/// `header.1`, `button.0` (the URL suffix of button 0).
pub type TemplateParams = BTreeMap<String, String>;

pub use super::limits::MAX_PARAM_CHARS;

/// Meta's review state of a template.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateStatus {
    Approved,
    Pending,
    Rejected,
    /// Paused for low quality (132015).
    Paused,
    /// Permanently disabled (132016).
    Disabled,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// Meta's pricing category.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// A button of a template.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateButton {
    /// Sends `text` back as a `button` message with our payload.
    QuickReply {
        text: String,
    },
    /// Opens a URL; a `{{1}}` at its end is filled per send (`button.<index>`).
    Url {
        text: String,
        url: String,
    },
    PhoneNumber {
        text: String,
        phone: String,
    },
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// One approved (or not) template in one language.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: TemplateId,
    pub waba_id: String,
    pub name: String,
    /// Language code such as `en_US`; a send must use exactly this.
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<TemplateButton>,
}

/// Why template parameters do not fit a template.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("missing a value for {0}")]
    Missing(String),
    #[error("{0} is not a parameter of this template")]
    Unexpected(String),
    #[error("{0} is empty")]
    Empty(String),
    #[error("{0} is longer than {MAX_PARAM_CHARS} characters")]
    TooLong(String),
    #[error(
        "{0} contains a new line, a tab or more than four spaces in a row, which WhatsApp refuses"
    )]
    BadWhitespace(String),
}

impl Template {
    /// Every slot that a send must fill, e.g. `{"body.1", "body.2", "button.0"}`.
    pub fn slots(&self) -> BTreeSet<String> {
        let mut slots = BTreeSet::new();
        if let Some(header) = &self.header {
            slots.extend(
                placeholder_names(header)
                    .into_iter()
                    .map(|n| format!("header.{n}")),
            );
        }
        slots.extend(
            placeholder_names(&self.body)
                .into_iter()
                .map(|n| format!("body.{n}")),
        );
        for (index, button) in self.buttons.iter().enumerate() {
            if let TemplateButton::Url { url, .. } = button
                && !placeholder_names(url).is_empty()
            {
                slots.insert(format!("button.{index}"));
            }
        }
        slots
    }

    /// Checks `params` against the slots: all filled, none extra, each a value WhatsApp takes.
    pub fn check_params(&self, params: &TemplateParams) -> Result<(), ParamsError> {
        let slots = self.slots();
        if let Some(missing) = slots.iter().find(|s| !params.contains_key(*s)) {
            return Err(ParamsError::Missing(missing.clone()));
        }
        if let Some(extra) = params.keys().find(|k| !slots.contains(*k)) {
            return Err(ParamsError::Unexpected(extra.clone()));
        }
        for (slot, value) in params {
            if value.trim().is_empty() {
                return Err(ParamsError::Empty(slot.clone()));
            }
            if value.chars().count() > MAX_PARAM_CHARS {
                return Err(ParamsError::TooLong(slot.clone()));
            }
            if value.contains(['\n', '\t']) || value.contains("     ") {
                return Err(ParamsError::BadWhitespace(slot.clone()));
            }
        }
        Ok(())
    }

    /// The text the customer will read (header and body), for the timeline. Call after
    /// [`Template::check_params`]; a missing value is left as its placeholder.
    pub fn preview(&self, params: &TemplateParams) -> String {
        let render = |component: &str, text: &str| {
            fill(text, |name| {
                params.get(&format!("{component}.{name}")).cloned()
            })
            .unwrap_or_else(|_| text.to_owned())
        };
        match &self.header {
            Some(header) => format!(
                "{}\n{}",
                render("header", header),
                render("body", &self.body)
            ),
            None => render("body", &self.body),
        }
    }
}
