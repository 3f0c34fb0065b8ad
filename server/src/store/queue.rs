//! The queue's views in SQL: [`relaydesk_core::domain::View`] and
//! [`relaydesk_core::domain::access::can_see`] translated into one `WHERE` clause, sorted by
//! the view's order with keyset pagination, and counted per view in one query. The domain's
//! definitions stay the reference: rows are re-checked with them, and a storage test holds
//! the SQL to them on both backends.

use relaydesk_core::domain::queue::{NO_WINDOW, NOBODY_WAITING, WINDOW_CLOSED};
use relaydesk_core::domain::{
    Contact, ContactId, Conversation, ConversationId, InboxId, Label, Member, Order, Priority,
    TeamId, Timestamp, UserId, View, WINDOW, Workspace,
};

use super::postgres::PgSql;
use super::sql::{Arg, Cell, DbError, Sql};
use super::sqlite::run_ready;
use super::viewer::{Statement, Viewer};
use super::{Backend, Store};

/// Narrowing a view further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilters {
    pub inbox: Option<InboxId>,
    pub team: Option<TeamId>,
    pub label: Option<Label>,
    pub priority: Option<Priority>,
    pub assignee: Option<UserId>,
    /// Only this customer's conversations (their earlier ones, beside the one open).
    pub contact: Option<ContactId>,
}

/// Where the previous page ended: its last row's sort key and id, the `now` the first page
/// was computed at (so every page of one listing sorts the same way), and the view and order
/// it belongs to (a cursor is refused by another listing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct After {
    pub key: i64,
    pub id: ConversationId,
    pub now: i64,
    pub view: View,
    pub order: Order,
}

impl After {
    /// Whether this cursor can continue `view` in `order` at `now`: given out for that listing,
    /// no more than a day ago (and not from the future).
    pub fn fits(&self, view: View, order: Order, now: Timestamp) -> bool {
        let now = now.timestamp_millis();
        self.view == view
            && self.order == order
            && self.now <= now.saturating_add(60_000)
            && self.now >= now.saturating_sub(86_400_000)
    }
}

/// One page of a view.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRows {
    pub conversations: Vec<Conversation>,
    pub contacts: Vec<Contact>,
    /// Where this page ended, when more may follow.
    pub next: Option<After>,
    /// Conversations per view, with the filters applied.
    pub counts: Vec<(View, u64)>,
}

/// `View::includes` (visibility aside), in SQL.
fn in_view(viewer: &Viewer, view: View, now: i64, s: &mut Statement) {
    let open = |s: &mut Statement| {
        s.push("(status = 'open' OR (status = 'snoozed' AND snoozed_until <= ")
            .arg(Arg::Int(now))
            .push("))");
    };
    match view {
        View::Unassigned => {
            open(s);
            s.push(" AND assignee IS NULL AND ");
            viewer.may_work_unassigned(s);
        }
        View::Mine => {
            open(s);
            s.push(" AND assignee = ").arg(Arg::Text(viewer.me.clone()));
        }
        View::Team => {
            open(s);
            s.push(" AND ");
            viewer.in_my_teams(s);
        }
        View::Escalations => {
            s.push("escalation_requested_by IS NOT NULL AND (escalation_requested_by = ")
                .arg(Arg::Text(viewer.me.clone()))
                .push(" OR assignee = ")
                .arg(Arg::Text(viewer.me.clone()))
                .push(" OR ");
            viewer.may_decide_pending(s);
            s.push(")");
        }
        View::Waiting => {
            s.push("status = 'pending'");
        }
        View::Snoozed => {
            s.push("status = 'snoozed' AND snoozed_until > ")
                .arg(Arg::Int(now));
        }
        View::Resolved => {
            s.push("status = 'resolved'");
        }
        View::All => {
            s.push("1 = 1");
        }
    }
}

fn filters(filters: &QueueFilters, s: &mut Statement) {
    if let Some(inbox) = filters.inbox {
        s.push(" AND inbox_id = ").arg(Arg::Text(inbox.to_string()));
    }
    if let Some(team) = filters.team {
        s.push(" AND team_id = ").arg(Arg::Text(team.to_string()));
    }
    if let Some(label) = &filters.label {
        // `_` is a label character but a LIKE wildcard: escaped, as are `%` and `\`.
        let escaped = label
            .as_str()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        s.push(" AND labels LIKE ")
            .arg(Arg::Text(format!("%|{escaped}|%")))
            .push(" ESCAPE '\\'");
    }
    if let Some(priority) = filters.priority {
        s.push(" AND priority = ").arg(Arg::from(priority.as_str()));
    }
    if let Some(assignee) = filters.assignee {
        s.push(" AND assignee = ")
            .arg(Arg::Text(assignee.to_string()));
    }
    if let Some(contact) = filters.contact {
        s.push(" AND contact_id = ")
            .arg(Arg::Text(contact.to_string()));
    }
}

/// `Order::key`, in SQL.
fn sort_key(order: Order, now: i64, s: &mut Statement) {
    match order {
        Order::LongestWaiting => {
            s.push(&format!(
                "COALESCE(awaiting_reply_since, {NOBODY_WAITING} + opened_at)"
            ));
        }
        Order::WindowClosingSoonest => {
            s.push(&format!(
                "(CASE WHEN last_inbound_at IS NULL THEN {NO_WINDOW} WHEN last_inbound_at > "
            ))
            .arg(Arg::Int(now - WINDOW.num_milliseconds()))
            .push(&format!(
                " THEN last_inbound_at ELSE {WINDOW_CLOSED} + last_inbound_at END)"
            ));
        }
    }
}

/// A page of `view` for `member`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn page<S: Sql>(
    sql: &mut S,
    member: &Member,
    workspace: &Workspace,
    view: View,
    order: Order,
    filter: &QueueFilters,
    after: Option<After>,
    limit: usize,
    now: Timestamp,
) -> Result<QueueRows, DbError> {
    let now_ms = after.map_or(now.timestamp_millis(), |a| a.now);
    let listed_at = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or(now);
    let viewer = Viewer::of(member, workspace);

    // Sorted narrow (ids and keys only), then the page's documents joined in: sorting whole
    // documents of every matching row is what would cost.
    let mut s = Statement::default();
    s.push("SELECT c.doc, p.k FROM (SELECT id, ");
    sort_key(order, now_ms, &mut s);
    s.push(" AS k FROM conversations WHERE ");
    viewer.visible(&mut s);
    s.push(" AND ");
    in_view(&viewer, view, now_ms, &mut s);
    filters(filter, &mut s);
    if let Some(after) = after {
        s.push(" AND (");
        sort_key(order, now_ms, &mut s);
        s.push(" > ").arg(Arg::Int(after.key)).push(" OR (");
        sort_key(order, now_ms, &mut s);
        s.push(" = ")
            .arg(Arg::Int(after.key))
            .push(" AND id > ")
            .arg(Arg::Text(after.id.to_string()))
            .push("))");
    }
    s.push(" ORDER BY k, id LIMIT ")
        .arg(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX) + 1))
        .push(") p JOIN conversations c ON c.id = p.id ORDER BY p.k, p.id");

    let rows = sql.rows(&s.text, &s.args).await?;
    let mut conversations = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let c: Conversation = serde_json::from_str(row[0].required_text("doc")?)?;
        if !view.includes(member, &c, workspace, listed_at) {
            tracing::error!(conversation = %c.id, %view, "the queue's SQL and the domain disagree; row left out");
            continue;
        }
        keys.push(row[1].required_int("sort key")?);
        conversations.push(c);
    }
    let more = conversations.len() > limit;
    conversations.truncate(limit);
    let next = more
        .then(|| {
            conversations.last().map(|c| After {
                key: keys[conversations.len() - 1],
                id: c.id,
                now: now_ms,
                view,
                order,
            })
        })
        .flatten();

    let contacts = contacts_of(sql, &conversations).await?;
    let counts = counts(sql, &viewer, filter, now_ms).await?;
    Ok(QueueRows {
        conversations,
        contacts,
        next,
        counts,
    })
}

/// The customers of `conversations` (the queue's rows, a pull's page).
pub(crate) async fn contacts_of<S: Sql>(
    sql: &mut S,
    conversations: &[Conversation],
) -> Result<Vec<Contact>, DbError> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = conversations
        .iter()
        .map(|c| c.contact_id.to_string())
        .collect();
    let mut s = Statement::default();
    s.push("SELECT doc FROM contacts WHERE ");
    s.any_of("id", &ids);
    sql.texts(&s.text, &s.args)
        .await?
        .iter()
        .map(|t| serde_json::from_str(t).map_err(DbError::from))
        .collect()
}

/// Conversations per view for this viewer and filters, in one query.
async fn counts<S: Sql>(
    sql: &mut S,
    viewer: &Viewer,
    filter: &QueueFilters,
    now: i64,
) -> Result<Vec<(View, u64)>, DbError> {
    let mut s = Statement::default();
    s.push("SELECT ");
    for (i, view) in View::ALL.into_iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.push("CAST(COALESCE(SUM(CASE WHEN ");
        in_view(viewer, view, now, &mut s);
        s.push(" THEN 1 ELSE 0 END), 0) AS BIGINT)");
    }
    s.push(" FROM conversations WHERE ");
    viewer.visible(&mut s);
    filters(filter, &mut s);
    let row = sql.rows(&s.text, &s.args).await?;
    let row = row.first().cloned().unwrap_or_default();
    Ok(View::ALL
        .into_iter()
        .enumerate()
        .map(|(i, view)| {
            let n = row.get(i).and_then(Cell::int).unwrap_or(0);
            (view, u64::try_from(n).unwrap_or(0))
        })
        .collect())
}

impl Store {
    /// A page of a queue view for `member`, with counts per view.
    #[allow(clippy::too_many_arguments)]
    pub async fn queue(
        &self,
        member: Member,
        workspace: Workspace,
        view: View,
        order: Order,
        filter: QueueFilters,
        after: Option<After>,
        limit: usize,
        now: Timestamp,
    ) -> Result<QueueRows, DbError> {
        in_read!(self, |sql| page(
            sql, &member, &workspace, view, order, &filter, after, limit, now
        )
        .await)
    }
}
