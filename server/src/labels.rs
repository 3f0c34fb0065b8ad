//! The label catalogue's rules at the doors: admins define labels and change them (name,
//! colour, what it is for, whether it is offered); everyone signed in reads the catalogue.
//! Shapes are read with `core::domain::label`; what spans labels (a name once, whatever its
//! case) is the configuration's rule, judged under its lock in `store::config`.

use chrono::Utc;
use relaydesk_core::domain::label::{self, DEFAULT_COLOUR};
use relaydesk_core::domain::{LabelDefinition, LabelId};
use relaydesk_core::protocol::admin::{LabelChange, NewLabel};

use crate::accounts::AccountError;
use crate::store::{Provenance, Setup, Store};

/// The catalogue, by name.
pub async fn catalogue(store: &Store) -> Result<Vec<LabelDefinition>, AccountError> {
    let mut labels: Vec<LabelDefinition> = store.workspace().await?.labels.into_values().collect();
    labels.sort_by_key(|l| (l.name.to_lowercase(), l.id));
    Ok(labels)
}

/// Defines a label as `by`.
pub async fn create(
    store: &Store,
    by: &Provenance,
    new: NewLabel,
) -> Result<LabelDefinition, AccountError> {
    let defined = LabelDefinition {
        id: LabelId::new(),
        name: label::name(&new.name)?,
        colour: label::colour(new.colour.as_deref().unwrap_or(DEFAULT_COLOUR))?,
        description: label::description(new.description.as_deref().unwrap_or_default())?,
        active: true,
    };
    store
        .configure(by.clone(), Utc::now(), Setup::Label(defined.clone()))
        .await??;
    Ok(defined)
}

/// Changes a label as `by`: renamed, it shows renamed everywhere it is used.
pub async fn change(
    store: &Store,
    by: &Provenance,
    id: LabelId,
    change: LabelChange,
) -> Result<LabelDefinition, AccountError> {
    let mut defined = store
        .workspace()
        .await?
        .labels
        .remove(&id)
        .ok_or_else(|| AccountError::NotFound(format!("label {id}")))?;
    if let Some(name) = &change.name {
        defined.name = label::name(name)?;
    }
    if let Some(colour) = &change.colour {
        defined.colour = label::colour(colour)?;
    }
    if let Some(description) = &change.description {
        defined.description = label::description(description)?;
    }
    if let Some(active) = change.active {
        defined.active = active;
    }
    store
        .configure(by.clone(), Utc::now(), Setup::Label(defined.clone()))
        .await??;
    Ok(defined)
}
