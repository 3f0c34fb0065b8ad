//! Reading wire enums that may grow. Phones stay installed for months while servers move on:
//! every enum that reaches a phone has an `Unknown` variant, read for any kind this build does
//! not know and never produced by this server (`apply` changes nothing for it, every screen
//! shows it as a neutral line). A value of a kind this build does know is still read strictly,
//! so a malformed one is an error, not a silent `Unknown`.
//!
//! Unit-only and internally tagged enums get this from `#[serde(other)]`. Adjacently tagged
//! ones (`{"kind": …, "id": …}`) cannot — serde's `other` refuses the `id` — so they derive
//! with `#[serde(remote = "Self")]` and read through [`adjacent`] with the list of their kinds.
//!
//! A command naming an unknown value (a client sending `"priority": "unknown"`) is refused by
//! the decision ([`crate::domain::Command::unknown_value`]): only reading is tolerant.

use serde::de::{Deserialize, Deserializer, Error};
use serde_json::Value;

/// Reads an adjacently tagged enum whose tag field is `tag`: a kind among `known` is read by
/// `strict` (the derived reader; its errors stand), any other kind is `unknown`.
pub(crate) fn adjacent<'de, D, T>(
    deserializer: D,
    tag: &str,
    known: &[&str],
    strict: fn(Value) -> Result<T, serde_json::Error>,
    unknown: T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    match value.get(tag).and_then(Value::as_str) {
        Some(kind) if !known.contains(&kind) => Ok(unknown),
        _ => strict(value).map_err(D::Error::custom),
    }
}

/// Implements `Serialize` and a tolerant `Deserialize` for an adjacently tagged enum that
/// derives both with `#[serde(remote = "Self", tag = "kind", content = "id")]` and has a unit
/// `Unknown` variant; `[$kinds]` are the tags of its other variants.
macro_rules! adjacently_tagged {
    ($enum:ident, [$($kind:literal),+ $(,)?]) => {
        impl $enum {
            /// The kinds this build knows, as tagged on the wire.
            pub const KINDS: &'static [&'static str] = &[$($kind),+];
        }

        impl serde::Serialize for $enum {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $enum::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::domain::tolerant::adjacent(
                    deserializer,
                    "kind",
                    $enum::KINDS,
                    |value| $enum::deserialize(value),
                    $enum::Unknown,
                )
            }
        }
    };
}
pub(crate) use adjacently_tagged;

#[cfg(test)]
mod tests {
    //! One story per enum a phone reads: a newer server names a kind this build does not
    //! know, and the phone reads `Unknown` instead of failing the whole pull; what it does
    //! know still reads as before.

    use serde::de::DeserializeOwned;
    use serde_json::json;

    use crate::domain::*;

    /// `newer` reads as `unknown`, and `known` reads back to itself.
    fn reads<T>(newer: serde_json::Value, unknown: T, known: T)
    where
        T: DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        let read: T = serde_json::from_value(newer.clone())
            .unwrap_or_else(|e| panic!("{newer} should read as unknown: {e}"));
        assert_eq!(read, unknown, "{newer}");
        let wire = serde_json::to_value(&known).expect("serializes");
        let back: T = serde_json::from_value(wire.clone()).expect("reads back");
        assert_eq!(back, known, "{wire}");
    }

    macro_rules! story {
        ($name:ident: $newer:expr => $unknown:expr, known $known:expr) => {
            #[test]
            fn $name() {
                reads($newer, $unknown, $known);
            }
        };
    }

    story!(a_kind_of_actor_from_a_newer_server_reads_as_unknown:
        json!({"kind": "workflow", "id": {"name": "nightly"}}) => By::Unknown,
        known By::Member(UserId::new()));
    story!(a_new_way_of_changing_owner_reads_as_unknown:
        json!("auto_routed") => Handover::Unknown, known Handover::ClaimedByReply);
    story!(a_new_kind_of_message_content_reads_as_unknown:
        json!({"type": "poll", "question": "Which day?", "options": ["Mon", "Tue"]})
            => Content::Unknown, known Content::Text { body: "hi".into() });
    story!(a_new_kind_of_interactive_answer_reads_as_unknown:
        json!({"kind": "carousel", "card": 2}) => InteractiveReply::Unknown,
        known InteractiveReply::Button { id: "yes".into(), title: "Yes".into() });
    story!(a_new_kind_of_media_reads_as_unknown:
        json!("hologram") => MediaKind::Unknown, known MediaKind::Sticker);
    story!(a_new_forwarding_mark_reads_as_unknown:
        json!("forwarded_from_channel") => Forwarded::Unknown, known Forwarded::FrequentlyForwarded);
    story!(a_new_direction_reads_as_unknown:
        json!("internal") => Direction::Unknown, known Direction::Outbound);
    story!(a_new_delivery_state_reads_as_unknown:
        json!({"state": "deleted_by_customer", "at": "2026-12-01T10:00:00Z"})
            => DeliveryStatus::Unknown, known DeliveryStatus::Read);
    story!(a_new_conversation_status_reads_as_unknown:
        json!({"status": "archived", "since": "2026-12-01T10:00:00Z"}) => Status::Unknown,
        known Status::Pending);
    story!(a_new_priority_reads_as_unknown:
        json!("critical") => Priority::Unknown, known Priority::Urgent);
    story!(a_new_severity_reads_as_unknown:
        json!("catastrophic") => Severity::Unknown, known Severity::Critical);
    story!(a_new_kind_of_escalation_target_reads_as_unknown:
        json!({"kind": "skill", "id": "spanish"}) => EscalationTarget::Unknown,
        known EscalationTarget::Team(TeamId::new()));
    story!(a_new_escalation_state_reads_as_unknown:
        json!({"state": "expired", "at": "2026-12-01T10:00:00Z"}) => EscalationState::Unknown,
        known EscalationState::Requested);
    story!(a_new_role_reads_as_unknown:
        json!("auditor") => Role::Unknown, known Role::Supervisor);
    story!(a_new_availability_reads_as_unknown:
        json!("in_a_meeting") => Availability::Unknown, known Availability::Away);
    story!(a_new_template_status_reads_as_unknown:
        json!("limited") => TemplateStatus::Unknown, known TemplateStatus::Paused);
    story!(a_new_template_category_reads_as_unknown:
        json!("service") => TemplateCategory::Unknown, known TemplateCategory::Utility);
    story!(a_new_kind_of_template_button_reads_as_unknown:
        json!({"kind": "catalog", "text": "View"}) => TemplateButton::Unknown,
        known TemplateButton::QuickReply { text: "Yes".into() });
    story!(a_new_canned_reply_scope_reads_as_unknown:
        json!({"kind": "inbox", "id": "0190f1f0-0000-7000-8000-000000000000"})
            => CannedScope::Unknown, known CannedScope::Personal(UserId::new()));
    story!(a_new_refusal_code_reads_as_unknown:
        json!({"code": "outside_business_hours", "opens_at": "09:00"}) => Rejection::Unknown,
        known Rejection::HandoffNoteRequired);
    story!(a_new_kind_of_thing_not_found_reads_as_unknown:
        json!("automation_rule") => Entity::Unknown, known Entity::Template);

    /// Tolerance is only for kinds this build does not know: a kind it knows with a
    /// malformed value is still an error, so a corrupt answer is not silently emptied.
    #[test]
    fn a_known_kind_with_a_malformed_value_is_still_an_error() {
        assert!(
            serde_json::from_value::<By>(json!({"kind": "member", "id": "not-a-uuid"})).is_err()
        );
        assert!(
            serde_json::from_value::<EscalationTarget>(json!({"kind": "team"})).is_err(),
            "a team target names its team"
        );
        assert!(
            serde_json::from_value::<CannedScope>(json!({"kind": "personal", "id": 7})).is_err()
        );
        assert!(serde_json::from_value::<Status>(json!({"status": "snoozed"})).is_err());
    }

    /// The kinds an adjacently tagged enum lists are exactly those it writes.
    #[test]
    fn every_adjacently_tagged_kind_is_listed() {
        let kind = |v: serde_json::Value| v["kind"].as_str().expect("a kind").to_owned();
        let by: Vec<String> = [
            By::Member(UserId::new()),
            By::Customer,
            By::WhatsApp,
            By::Automation(Automaton::System),
        ]
        .into_iter()
        .map(|b| kind(serde_json::to_value(b).expect("json")))
        .collect();
        assert_eq!(by, By::KINDS);
        let targets: Vec<String> = [
            EscalationTarget::Team(TeamId::new()),
            EscalationTarget::Person(UserId::new()),
        ]
        .into_iter()
        .map(|t| kind(serde_json::to_value(t).expect("json")))
        .collect();
        assert_eq!(targets, EscalationTarget::KINDS);
        let scopes: Vec<String> = [
            CannedScope::Team(TeamId::new()),
            CannedScope::Personal(UserId::new()),
        ]
        .into_iter()
        .map(|s| kind(serde_json::to_value(s).expect("json")))
        .collect();
        assert_eq!(scopes, CannedScope::KINDS);
    }

    /// Reading is tolerant, deciding is not: a command naming a value this server does not
    /// know (a phone's `Unknown`, or a client sending `"priority": "unknown"`) is refused
    /// with the field named, whoever sends it.
    #[test]
    fn a_command_naming_an_unknown_value_is_refused_not_decided() {
        let desk = Desk::new(Workspace::default());
        let now = chrono::Utc::now();
        let refused = decide(
            &desk,
            Actor::Member(UserId::new()),
            now,
            &Command::SetPriority {
                conversation: ConversationId::new(),
                priority: Priority::Unknown,
            },
        );
        assert!(
            matches!(refused, Err(Rejection::Invalid { ref field, .. }) if field == "priority"),
            "{refused:?}"
        );
        let unknown_target = Command::RequestEscalation {
            conversation: ConversationId::new(),
            escalation: EscalationId::new(),
            reason: "angry".into(),
            severity: Severity::High,
            target: EscalationTarget::Unknown,
        };
        assert_eq!(unknown_target.unknown_value(), Some("target"));
    }

    /// An author from a newer server (an actor of a kind this build does not know) reads as
    /// unknown; a member's id reads as that member; anything else is an error.
    #[test]
    fn an_author_reads_as_a_member_an_actor_or_unknown() {
        #[derive(serde::Deserialize)]
        struct Written {
            #[serde(with = "crate::domain::event::author")]
            by: By,
        }
        let id = UserId::new();
        let read = |v: serde_json::Value| serde_json::from_value::<Written>(json!({"by": v}));
        assert_eq!(read(json!(id)).expect("an id").by, By::Member(id));
        assert_eq!(
            read(json!({"kind": "automation", "id": {"kind": "system"}}))
                .expect("an actor")
                .by,
            By::Automation(Automaton::System)
        );
        assert_eq!(
            read(json!({"kind": "workflow", "id": 3}))
                .expect("a newer actor")
                .by,
            By::Unknown
        );
        assert!(read(json!("not-an-id")).is_err());
        assert!(read(json!(7)).is_err());
    }
}
