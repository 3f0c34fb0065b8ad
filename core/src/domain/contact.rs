//! Customers and the WhatsApp numbers they write to.
//!
//! A contact is keyed by our own id. WhatsApp identifies a customer by phone number (`wa_id`)
//! and, since 2026, by a business-scoped user id (BSUID, e.g. `US.13491208655302741918`);
//! customers who adopted a username may arrive with **no phone number at all**. So both are
//! optional aliases and at least one must be present.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::ids::{ContactId, InboxId, TeamId};

/// One WhatsApp business number and the teams whose queue it feeds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub id: InboxId,
    pub name: String,
    /// Meta's id of the number: webhooks are routed by it and sends go to it.
    pub phone_number_id: String,
    /// The number as customers see it, digits only.
    pub display_phone_number: String,
    /// The WhatsApp Business Account the number belongs to (templates live there).
    pub waba_id: String,
    /// Teams that work this inbox's conversations.
    pub teams: BTreeSet<TeamId>,
}

/// How WhatsApp identified the sender of an inbound message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerIdentity {
    /// The customer's number in international digits (`wa_id` / `from`), when WhatsApp shares it.
    pub phone: Option<String>,
    /// The business-scoped user id (`from_user_id` / `user_id`).
    pub bsuid: Option<String>,
    /// The name the customer chose in WhatsApp; may be missing, empty, emoji or non-Latin.
    pub profile_name: Option<String>,
}

impl CustomerIdentity {
    /// Whether WhatsApp gave us anything to recognise the customer by next time.
    pub fn is_identifiable(&self) -> bool {
        non_blank(&self.phone).is_some() || non_blank(&self.bsuid).is_some()
    }
}

/// A customer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub profile_name: Option<String>,
    /// WhatsApp said messages cannot reach this person (error 131026): reach them another way.
    pub unreachable_on_whatsapp: bool,
}

impl Contact {
    /// A new contact from an inbound message's identity.
    pub fn from_identity(id: ContactId, identity: &CustomerIdentity) -> Self {
        Contact {
            id,
            phone: non_blank(&identity.phone).map(str::to_owned),
            bsuid: non_blank(&identity.bsuid).map(str::to_owned),
            profile_name: non_blank(&identity.profile_name).map(str::to_owned),
            unreachable_on_whatsapp: false,
        }
    }

    /// What to call the customer: their WhatsApp name, else their number, else their BSUID.
    pub fn display_name(&self) -> String {
        if let Some(name) = non_blank(&self.profile_name) {
            return name.to_owned();
        }
        if let Some(phone) = non_blank(&self.phone) {
            return format!("+{phone}");
        }
        non_blank(&self.bsuid)
            .unwrap_or("Unknown customer")
            .to_owned()
    }
}

fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
