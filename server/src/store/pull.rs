//! A phone's pull, page by page: the conversations changed after the cursor that the person
//! may see (all of them on a first pull), as they are now, with what changed in them — and
//! the ones a change since the cursor took from them, named so the phone deletes them.
//!
//! Who may see what is filtered in SQL ([`super::viewer`]) and re-checked with the domain's
//! `can_see` and `lost_sight`, so a page never reads or names other teams' conversations.
//! Pages go by conversation id and are bounded twice: by conversations, and by the messages,
//! notes and events they carry. A conversation whose history is larger than what is left of
//! a page is cut between two versions and continued on the next page.

use std::collections::BTreeMap;

use relaydesk_core::domain::{
    Contact, Conversation, ConversationId, Member, Message, Note, Sight, Workspace, can_see,
    lost_sight,
};
use relaydesk_core::protocol::sync::SyncedEvent;

use super::postgres::PgSql;
use super::sql::{Arg, DbError, Sql};
use super::sqlite::run_ready;
use super::viewer::{Statement, Viewer};
use super::{Backend, Store};

/// Where a page starts: after conversation `after` (`None`: at the first), or, when the page
/// before was cut inside `after`, at `after` itself from after version `inside`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullFrom {
    pub after: Option<ConversationId>,
    pub inside: Option<i64>,
}

/// How much one page carries at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageBound {
    pub conversations: i64,
    /// Messages, notes and events together; a page carries at least one version of one
    /// conversation, however large.
    pub items: i64,
}

/// One page of a pull, as the person may see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PulledPage {
    pub conversations: Vec<Conversation>,
    /// Conversations a change since the cursor took from this person: they delete them.
    pub lost: Vec<ConversationId>,
    pub contacts: Vec<Contact>,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    pub events: Vec<SyncedEvent>,
    /// Where the next page starts, when more may follow.
    pub next: Option<PullFrom>,
}

/// The part of one conversation's history a page carries: versions in `(from, to]`.
#[derive(Debug, Clone)]
struct Span {
    conversation: String,
    from: i64,
    to: Option<i64>,
}

/// The conversations of a page: changed after `cursor` up to `upto` (or all, at 0) from
/// `start`, that the viewer may see or that a change since the cursor may have taken from them.
async fn candidates<S: Sql>(
    sql: &mut S,
    viewer: &Viewer,
    (cursor, upto): (i64, i64),
    start: PullFrom,
    limit: i64,
) -> Result<Vec<String>, DbError> {
    let mut s = Statement::default();
    let after = start.after.map_or_else(String::new, |a| a.to_string());
    let from = if start.inside.is_some() {
        " >= "
    } else {
        " > "
    };
    if cursor == 0 {
        s.push("SELECT id FROM conversations WHERE id")
            .push(from)
            .arg(Arg::Text(after))
            .push(" AND ");
        viewer.visible(&mut s);
        s.push(" ORDER BY id LIMIT ");
    } else {
        // Every change of a conversation, its messages or notes appends an event of its
        // version; one that may take sight away may have taken it from this person.
        s.push(
            "SELECT DISTINCT e.conversation_id FROM events e \
             JOIN conversations c ON c.id = e.conversation_id WHERE e.version > ",
        )
        .arg(Arg::Int(cursor))
        .push(" AND e.version <= ")
        .arg(Arg::Int(upto))
        .push(" AND e.conversation_id")
        .push(from)
        .arg(Arg::Text(after))
        .push(&format!(" AND (e.sight = {} OR ", Sight::MayTake.number()));
        viewer.visible(&mut s);
        s.push(") ORDER BY e.conversation_id LIMIT ");
    }
    s.arg(Arg::Int(limit + 1));
    sql.texts(&s.text, &s.args).await
}

async fn conversations<S: Sql>(sql: &mut S, ids: &[String]) -> Result<Vec<Conversation>, DbError> {
    let mut s = Statement::default();
    s.push("SELECT doc FROM conversations WHERE ");
    s.any_of("id", ids);
    s.push(" ORDER BY id");
    sql.texts(&s.text, &s.args)
        .await?
        .iter()
        .map(|t| serde_json::from_str(t).map_err(DbError::from))
        .collect()
}

/// The events after `cursor` up to `upto` of `ids` that can bring them into someone's sight
/// or take them away.
async fn moves<S: Sql>(
    sql: &mut S,
    ids: &[String],
    (cursor, upto): (i64, i64),
) -> Result<Vec<SyncedEvent>, DbError> {
    let mut s = Statement::default();
    s.push(&format!(
        "SELECT version, seq, doc FROM events WHERE sight > {} AND version > ",
        Sight::Unchanged.number()
    ))
    .arg(Arg::Int(cursor))
    .push(" AND version <= ")
    .arg(Arg::Int(upto))
    .push(" AND ");
    s.any_of("conversation_id", ids);
    s.push(" ORDER BY version, seq");
    let rows = sql.rows(&s.text, &s.args).await?;
    Ok(super::timeline::stamped(sql, rows)
        .await?
        .into_iter()
        .map(SyncedEvent::from)
        .collect())
}

/// Spans that read the same versions, for one statement each.
fn grouped(spans: &[Span]) -> BTreeMap<(i64, Option<i64>), Vec<String>> {
    let mut groups: BTreeMap<(i64, Option<i64>), Vec<String>> = BTreeMap::new();
    for span in spans {
        groups
            .entry((span.from, span.to))
            .or_default()
            .push(span.conversation.clone());
    }
    groups
}

/// `version > from [AND version <= to] AND conversation_id IN (ids)`.
fn in_range(s: &mut Statement, from: i64, to: Option<i64>, ids: &[String]) {
    s.push("version > ").arg(Arg::Int(from));
    if let Some(to) = to {
        s.push(" AND version <= ").arg(Arg::Int(to));
    }
    s.push(" AND ");
    s.any_of("conversation_id", ids);
}

/// How many messages, notes and events each version of each span holds.
async fn sizes<S: Sql>(
    sql: &mut S,
    spans: &[Span],
) -> Result<BTreeMap<(String, i64), i64>, DbError> {
    let mut sizes = BTreeMap::new();
    for ((from, to), ids) in grouped(spans) {
        let mut s = Statement::default();
        s.push("SELECT conversation_id, version, CAST(COUNT(*) AS BIGINT) FROM (");
        for (i, table) in ["messages", "notes", "events"].iter().enumerate() {
            if i > 0 {
                s.push(" UNION ALL ");
            }
            s.push(&format!(
                "SELECT conversation_id, version FROM {table} WHERE "
            ));
            in_range(&mut s, from, to, &ids);
        }
        s.push(") items GROUP BY conversation_id, version");
        for row in sql.rows(&s.text, &s.args).await? {
            sizes.insert(
                (
                    row[0].required_text("conversation_id")?.to_owned(),
                    row[1].required_int("version")?,
                ),
                row[2].required_int("count")?,
            );
        }
    }
    Ok(sizes)
}

/// Where `spans` (in page order) must stop to carry at most `budget` items: the spans that
/// fit, the last possibly ending at a version, and where the next page continues. The first
/// version is always carried, so every page moves on.
fn fit(
    spans: Vec<Span>,
    sizes: &BTreeMap<(String, i64), i64>,
    budget: i64,
) -> (Vec<Span>, Option<PullFrom>) {
    let mut carried = 0;
    let mut fitted = Vec::with_capacity(spans.len());
    for mut span in spans {
        let versions = sizes
            .range((span.conversation.clone(), i64::MIN)..=(span.conversation.clone(), i64::MAX));
        let mut reached = None;
        for ((_, version), count) in versions {
            if carried > 0 && carried + count > budget {
                let resume = PullFrom {
                    after: span.conversation.parse().ok(),
                    inside: Some(reached.unwrap_or(span.from)),
                };
                if let Some(reached) = reached {
                    span.to = Some(reached);
                    fitted.push(span);
                }
                return (fitted, Some(resume));
            }
            carried += count;
            reached = Some(*version);
        }
        fitted.push(span);
    }
    (fitted, None)
}

type Items = (Vec<Message>, Vec<Note>, Vec<SyncedEvent>);

/// The messages, notes and events of `spans`.
async fn items<S: Sql>(sql: &mut S, spans: &[Span]) -> Result<Items, DbError> {
    let (mut messages, mut notes, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for ((from, to), ids) in grouped(spans) {
        let mut s = Statement::default();
        s.push("SELECT doc FROM messages WHERE ");
        in_range(&mut s, from, to, &ids);
        s.push(" ORDER BY at, id");
        for text in sql.texts(&s.text, &s.args).await? {
            messages.push(serde_json::from_str::<Message>(&text)?);
        }
        let mut s = Statement::default();
        s.push("SELECT doc FROM notes WHERE ");
        in_range(&mut s, from, to, &ids);
        for text in sql.texts(&s.text, &s.args).await? {
            notes.push(serde_json::from_str::<Note>(&text)?);
        }
        let mut s = Statement::default();
        s.push("SELECT version, seq, doc FROM events WHERE ");
        in_range(&mut s, from, to, &ids);
        let rows = sql.rows(&s.text, &s.args).await?;
        events.extend(
            super::timeline::stamped(sql, rows)
                .await?
                .into_iter()
                .map(SyncedEvent::from),
        );
    }
    messages.sort_by_key(|m| (m.conversation_id, m.at, m.id));
    events.sort_by_key(|e| (e.version, e.seq));
    Ok((messages, notes, events))
}

#[allow(clippy::too_many_arguments)]
async fn page<S: Sql>(
    sql: &mut S,
    member: &Member,
    workspace: &Workspace,
    (cursor, upto): (i64, i64),
    start: PullFrom,
    bound: PageBound,
) -> Result<PulledPage, DbError> {
    let viewer = Viewer::of(member, workspace);
    let mut ids = candidates(sql, &viewer, (cursor, upto), start, bound.conversations).await?;
    let more = ids.len() as i64 > bound.conversations;
    ids.truncate(usize::try_from(bound.conversations).unwrap_or(usize::MAX));
    let mut pulled = PulledPage {
        next: more.then(|| PullFrom {
            after: ids.last().and_then(|i| i.parse().ok()),
            inside: None,
        }),
        ..PulledPage::default()
    };
    if ids.is_empty() {
        return Ok(pulled);
    }
    let moves = if cursor > 0 {
        moves(sql, &ids, (cursor, upto)).await?
    } else {
        Vec::new()
    };
    let mut shown = Vec::new();
    let mut spans = Vec::new();
    for conversation in conversations(sql, &ids).await? {
        let mut its_moves = moves
            .iter()
            .filter(|e| e.event.conversation == Some(conversation.id));
        if can_see(member, &conversation, workspace) {
            // A conversation whose owner, team or escalation changed may be new to this
            // phone: it gets its whole history, not only what changed.
            let since = if its_moves.next().is_some() {
                0
            } else {
                cursor
            };
            let from = match start.inside {
                Some(inside) if start.after == Some(conversation.id) => inside.max(since),
                _ => since,
            };
            spans.push(Span {
                conversation: conversation.id.to_string(),
                from,
                to: Some(upto),
            });
            shown.push(conversation);
        } else if its_moves
            .any(|e| lost_sight(member, &e.event.change, Some(&conversation), workspace))
        {
            // Named only to whom a change since their cursor took it from (the domain's
            // `lost_sight`): conversations they never saw are none of their business.
            pulled.lost.push(conversation.id);
        }
    }
    let sizes = sizes(sql, &spans).await?;
    let (spans, cut) = fit(spans, &sizes, bound.items);
    if let Some(cut) = cut {
        // What lies beyond the cut comes with the next page.
        let beyond = |id: &ConversationId| Some(*id) > cut.after;
        shown
            .retain(|c| !beyond(&c.id) && spans.iter().any(|s| s.conversation == c.id.to_string()));
        pulled.lost.retain(|id| !beyond(id));
        pulled.next = Some(cut);
    }
    let (messages, notes, events) = items(sql, &spans).await?;
    pulled.contacts = super::queue::contacts_of(sql, &shown).await?;
    pulled.conversations = shown;
    pulled.messages = messages;
    pulled.notes = notes;
    pulled.events = events;
    Ok(pulled)
}

impl Store {
    /// One page of a pull for `member`: the conversations changed after `cursor` up to the
    /// pull's watermark `upto` (all of them when `cursor` is 0) that they may see, from
    /// `start`, with their messages, notes and events in `(cursor, upto]`, their contacts,
    /// and the ones a change since the cursor took from them — all read in one snapshot.
    /// Conversations are sent as they stand now; what changed above `upto` comes again with
    /// the pull from `upto`.
    pub async fn sync_page(
        &self,
        member: Member,
        workspace: Workspace,
        (cursor, upto): (i64, i64),
        start: PullFrom,
        bound: PageBound,
    ) -> Result<PulledPage, DbError> {
        in_read!(self, |sql| page(
            sql,
            &member,
            &workspace,
            (cursor, upto),
            start,
            bound
        )
        .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(conversation: &str, from: i64) -> Span {
        Span {
            conversation: conversation.into(),
            from,
            to: None,
        }
    }

    /// Sizes of (conversation, version).
    fn sizes(rows: &[(&str, i64, i64)]) -> BTreeMap<(String, i64), i64> {
        rows.iter()
            .map(|(c, v, n)| (((*c).to_owned(), *v), *n))
            .collect()
    }

    #[test]
    fn a_page_cuts_a_long_history_between_two_versions_and_continues_there() {
        let a = ConversationId::new().to_string();
        let b = ConversationId::new().to_string();
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        let sized = sizes(&[(&a, 3, 2), (&a, 5, 2), (&b, 6, 2), (&b, 9, 2)]);
        let (fitted, next) = fit(vec![span(&a, 0), span(&b, 0)], &sized, 6);
        assert_eq!(fitted.len(), 2);
        assert_eq!(fitted[1].to, Some(6), "b is carried up to version 6");
        assert_eq!(
            next,
            Some(PullFrom {
                after: b.parse().ok(),
                inside: Some(6)
            })
        );
        // Nothing of b fits: it is left whole to the next page.
        let (fitted, next) = fit(vec![span(&a, 0), span(&b, 2)], &sized, 4);
        assert_eq!(fitted.len(), 1);
        assert_eq!(fitted[0].to, None);
        assert_eq!(next.and_then(|n| n.inside), Some(2));
        // One version larger than the bound is carried alone: the page moves on.
        let (fitted, next) = fit(vec![span(&a, 0)], &sizes(&[(&a, 3, 50), (&a, 4, 1)]), 5);
        assert_eq!(fitted[0].to, Some(3));
        assert_eq!(next.and_then(|n| n.inside), Some(3));
    }
}
