//! The one write path for configuration (DESIGN §2, "configuration is accountable"): every
//! change to a member, team, inbox, template, canned reply, automation or label — from REST, the
//! admin command line, the demo, template sync, or the write path setting a person's
//! availability — is written here: the change's kind locked, judged by the domain's
//! [`config::check`] against the configuration as committed, the row written (or deleted),
//! and an entry appended to `config_log` with who made it, through which door, in which
//! session, when, and the row before and after. A deleted row leaves its entry as a tombstone
//! (`after` empty). The log is not the timeline: old phones and the live stream never see it.
//!
//! Reading: the workspace every transaction decides with is cached per configuration stamp
//! ([`workspace`]); the configuration as it was at an instant is read back from the log
//! ([`as_of`]); the log itself is listed with filters ([`entries`]).

use std::sync::{Arc, Mutex};

use relaydesk_core::domain::config;
pub use relaydesk_core::domain::config::{Item, Kind, Refusal};
use relaydesk_core::domain::{Actor, By, Timestamp, Workspace};

use super::provenance::{Door, Provenance};
use super::rows::{self, millis};
use super::sql::{Arg, Cell, DbError, LockSpace, Sql};

/// What the migration that began the log says of each row it found.
pub const BASELINE_NOTE: &str = "The row as it stood when Relaydesk began keeping this log: \
    who made it, when, and what it was before cannot be known.";

/// The workspace as last read, under the configuration stamp it was read at. Every
/// configuration change sets a new random stamp in its transaction, so a stamp names one
/// committed configuration (a rolled-back one is never seen again); a workspace is kept only
/// when the stamp read before and after reading it agree.
#[derive(Debug, Default)]
pub struct WorkspaceCache {
    held: Mutex<Option<(i64, Arc<Workspace>)>>,
}

impl WorkspaceCache {
    fn get(&self, stamp: i64) -> Option<Arc<Workspace>> {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.as_ref()
            .filter(|(at, _)| *at == stamp)
            .map(|(_, w)| w.clone())
    }

    fn keep(&self, stamp: i64, workspace: Arc<Workspace>) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some((stamp, workspace));
    }
}

async fn stamp<S: Sql>(sql: &mut S) -> Result<i64, DbError> {
    Ok(sql
        .integer("SELECT value FROM meta WHERE key = 'config_stamp'", &[])
        .await?
        .unwrap_or(0))
}

/// The workspace as this transaction sees it: from the cache when the configuration stamp is
/// the cached one (one small read instead of six queries and their documents), else read and
/// kept.
pub(crate) async fn workspace<S: Sql>(sql: &mut S) -> Result<Workspace, DbError> {
    let before = stamp(sql).await?;
    if let Some(cached) = sql.workspace_cache().get(before) {
        return Ok((*cached).clone());
    }
    let read = rows::read_workspace(sql).await?;
    if stamp(sql).await? == before {
        sql.workspace_cache().keep(before, Arc::new(read.clone()));
    }
    Ok(read)
}

/// How a change names who made it in the log: the actor as the timeline names them, and a
/// member's id on its own for filtering.
fn actor_columns(actor: Actor) -> Result<(String, Option<String>), DbError> {
    let by = By::from(actor);
    let member = match actor {
        Actor::Member(id) => Some(id.to_string()),
        _ => None,
    };
    Ok((serde_json::to_string(&by)?, member))
}

/// Writes `after` (or deletes the row `key` of `kind` when `after` is `None`) and appends the
/// change to the log, as `source` at `now`, with `version`. No lock and no check: callers are
/// [`put`] and [`remove`], and the write path's availability (decided by the domain, on the
/// person's locked row).
pub(crate) async fn record<S: Sql>(
    sql: &mut S,
    source: &Provenance,
    now: Timestamp,
    version: i64,
    (kind, key): (Kind, &str),
    before: Option<&Item>,
    after: Option<&Item>,
) -> Result<(), DbError> {
    match after {
        Some(item) => write_row(sql, item, version).await?,
        None => delete_row(sql, kind, key).await?,
    }
    // The row's previous entry, read under its lock: the revision follows it, and so does the
    // instant (a change that waited for the lock is not logged as made before the one it
    // waited for).
    let previous = sql
        .rows(
            "SELECT COALESCE(MAX(revision), 0) + 1, COALESCE(MAX(at), 0) FROM config_log \
             WHERE kind = $1 AND item = $2",
            &[Arg::from(kind.as_str()), Arg::from(key)],
        )
        .await?;
    let previous = previous.first();
    let revision = previous
        .and_then(|row| row.first())
        .and_then(Cell::int)
        .unwrap_or(1);
    let at = previous
        .and_then(|row| row.get(1))
        .and_then(Cell::int)
        .unwrap_or(0)
        .max(millis(now));
    let (actor, member) = actor_columns(source.actor)?;
    let document = |item: Option<&Item>| -> Result<Option<String>, DbError> {
        item.map(|i| serde_json::to_string(&i.document()).map_err(DbError::from))
            .transpose()
    };
    sql.execute(
        "INSERT INTO config_log (kind, item, revision, version, at, actor, actor_member, door, \
         session_id, before, after, baseline, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, NULL)",
        &[
            Arg::from(kind.as_str()),
            Arg::from(key),
            Arg::Int(revision),
            Arg::Int(version),
            Arg::Int(at),
            Arg::Text(actor),
            Arg::OptText(member),
            Arg::from(source.door.as_str()),
            Arg::OptText(source.session.clone()),
            Arg::OptText(document(before)?),
            Arg::OptText(document(after)?),
        ],
    )
    .await?;
    new_stamp(sql).await
}

/// A new configuration stamp: this transaction's workspace is not the one cached.
async fn new_stamp<S: Sql>(sql: &mut S) -> Result<(), DbError> {
    let stamp = i64::from_le_bytes(
        uuid::Uuid::new_v4().as_bytes()[..8]
            .try_into()
            .unwrap_or_default(),
    );
    sql.execute(
        "INSERT INTO meta (key, value) VALUES ('config_stamp', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[Arg::Int(stamp)],
    )
    .await?;
    Ok(())
}

async fn write_row<S: Sql>(sql: &mut S, item: &Item, version: i64) -> Result<(), DbError> {
    match item {
        Item::Member(m) => rows::put_member(sql, m, version).await,
        Item::Team(t) => rows::put_team(sql, t, version).await,
        Item::Inbox(i) => rows::put_inbox(sql, i, version).await,
        Item::Template(t) => rows::put_template(sql, t, version).await,
        Item::CannedReply(r) => rows::put_canned(sql, r, version).await,
        Item::Automation(a) => rows::put_automation(sql, a, version).await,
        Item::Label(l) => rows::put_label(sql, l, version).await,
    }
}

async fn delete_row<S: Sql>(sql: &mut S, kind: Kind, key: &str) -> Result<(), DbError> {
    let table = match kind {
        Kind::Member => "members",
        Kind::Team => "teams",
        Kind::Inbox => "inboxes",
        Kind::Template => "templates",
        Kind::CannedReply => "canned_replies",
        Kind::Automation => "automations",
        Kind::Label => "labels",
        Kind::Unknown => return Ok(()),
    };
    sql.execute(
        &format!("DELETE FROM {table} WHERE id = $1"),
        &[Arg::from(key)],
    )
    .await?;
    Ok(())
}

/// The row as committed, locked for this transaction where the write path may also write it
/// (a person's availability).
async fn stored<S: Sql>(
    sql: &mut S,
    workspace: &Workspace,
    kind: Kind,
    key: &str,
) -> Result<Option<Item>, DbError> {
    if kind == Kind::Member {
        let Ok(id) = key.parse() else {
            return Ok(None);
        };
        return Ok(rows::member_for_update(sql, id).await?.map(Item::Member));
    }
    Ok(Item::in_workspace(workspace, kind, key))
}

/// Whether a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// Written and logged.
    Changed,
    /// The row already stood so: nothing written, nothing logged.
    Unchanged,
}

/// Puts `item` in the configuration as `source` at `now`: its kind locked, checked
/// ([`config::check`]) against the configuration as committed, written and logged.
pub(crate) async fn put<S: Sql>(
    sql: &mut S,
    source: &Provenance,
    now: Timestamp,
    item: &Item,
) -> Result<Result<Made, Refusal>, DbError> {
    let kind = item.kind();
    let key = item.key();
    sql.lock_key(LockSpace::Configuration, kind.as_str())
        .await?;
    let workspace = workspace(sql).await?;
    let before = stored(sql, &workspace, kind, &key).await?;
    if let Err(refusal) = config::check(&workspace, before.as_ref(), Some(item)) {
        return Ok(Err(refusal));
    }
    if before.as_ref() == Some(item) {
        return Ok(Ok(Made::Unchanged));
    }
    let version = rows::next_version(sql).await?;
    record(
        sql,
        source,
        now,
        version,
        (kind, &key),
        before.as_ref(),
        Some(item),
    )
    .await?;
    Ok(Ok(Made::Changed))
}

/// Puts several rows of one kind as `source` at `now`, all or none: each is checked against
/// the configuration with the ones before it put in (read once), and nothing is written
/// unless every one passes. Answers how many changed.
pub(crate) async fn put_all<S: Sql>(
    sql: &mut S,
    source: &Provenance,
    now: Timestamp,
    kind: Kind,
    items: &[Item],
) -> Result<Result<usize, Refusal>, DbError> {
    sql.lock_key(LockSpace::Configuration, kind.as_str())
        .await?;
    let mut workspace = workspace(sql).await?;
    let mut changes = Vec::new();
    for item in items {
        if item.kind() != kind {
            return Ok(Err(Refusal::Invalid {
                field: "kind".into(),
                reason: format!("a {} among {}s", item.kind(), kind),
            }));
        }
        let key = item.key();
        let before = stored(sql, &workspace, kind, &key).await?;
        if let Err(refusal) = config::check(&workspace, before.as_ref(), Some(item)) {
            return Ok(Err(refusal));
        }
        if before.as_ref() == Some(item) {
            continue;
        }
        workspace.put(item.clone());
        changes.push((key, before, item));
    }
    if changes.is_empty() {
        return Ok(Ok(0));
    }
    let version = rows::next_version(sql).await?;
    for (key, before, item) in &changes {
        record(
            sql,
            source,
            now,
            version,
            (kind, key),
            before.as_ref(),
            Some(item),
        )
        .await?;
    }
    Ok(Ok(changes.len()))
}

/// Deletes the row `key` of `kind` (only canned replies are ever deleted: the rest is named
/// by history and switched off instead), leaving a tombstone in the log. `None` when there
/// was no such row.
pub(crate) async fn remove<S: Sql>(
    sql: &mut S,
    source: &Provenance,
    now: Timestamp,
    kind: Kind,
    key: &str,
) -> Result<Option<Result<(), Refusal>>, DbError> {
    sql.lock_key(LockSpace::Configuration, kind.as_str())
        .await?;
    let workspace = workspace(sql).await?;
    let Some(before) = stored(sql, &workspace, kind, key).await? else {
        return Ok(None);
    };
    if let Err(refusal) = config::check(&workspace, Some(&before), None) {
        return Ok(Some(Err(refusal)));
    }
    let version = rows::next_version(sql).await?;
    record(sql, source, now, version, (kind, key), Some(&before), None).await?;
    Ok(Some(Ok(())))
}

/// The migration that began the log: one entry per row found, saying that what came before
/// cannot be known ([`BASELINE_NOTE`]), made by Relaydesk through the migration at `now`, at
/// the row's own version.
pub(crate) async fn write_baselines<S: Sql>(sql: &mut S, now: Timestamp) -> Result<(), DbError> {
    let (actor, _) = actor_columns(Actor::Automation(relaydesk_core::domain::Automaton::System))?;
    for (kind, table) in [
        (Kind::Member, "members"),
        (Kind::Team, "teams"),
        (Kind::Inbox, "inboxes"),
        (Kind::Template, "templates"),
        (Kind::CannedReply, "canned_replies"),
        (Kind::Automation, "automations"),
    ] {
        sql.execute(
            &format!(
                "INSERT INTO config_log (kind, item, revision, version, at, actor, actor_member, \
                 door, session_id, before, after, baseline, note) \
                 SELECT $1, id, 1, version, $2, $3, NULL, $4, NULL, NULL, doc, 1, $5 FROM {table}"
            ),
            &[
                Arg::from(kind.as_str()),
                Arg::Int(millis(now)),
                Arg::from(actor.as_str()),
                Arg::from(Door::Migration.as_str()),
                Arg::from(BASELINE_NOTE),
            ],
        )
        .await?;
    }
    // Canned replies deleted before the log were told to phones by a version in `meta`: it is
    // kept as one tombstone standing for them all, so a phone whose copy is older than it
    // still gets a new copy.
    if let Some(deleted) = sql
        .integer(
            "SELECT value FROM meta WHERE key = 'workspace_deleted'",
            &[],
        )
        .await?
    {
        sql.execute(
            "INSERT INTO config_log (kind, item, revision, version, at, actor, actor_member, \
             door, session_id, before, after, baseline, note) \
             VALUES ($1, $2, 1, $3, $4, $5, NULL, $6, NULL, NULL, NULL, 1, $7)",
            &[
                Arg::from(Kind::CannedReply.as_str()),
                Arg::from(DELETED_BEFORE_THE_LOG),
                Arg::Int(deleted),
                Arg::Int(millis(now)),
                Arg::from(actor.as_str()),
                Arg::from(Door::Migration.as_str()),
                Arg::from(DELETED_NOTE),
            ],
        )
        .await?;
        sql.execute("DELETE FROM meta WHERE key = 'workspace_deleted'", &[])
            .await?;
    }
    new_stamp(sql).await
}

/// The item of the one tombstone standing for canned replies deleted before the log began.
pub const DELETED_BEFORE_THE_LOG: &str = "deleted-before-the-log";
const DELETED_NOTE: &str = "Canned replies were deleted before Relaydesk began keeping this \
    log: which ones, by whom and when cannot be known.";

/// One entry of the log, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub kind: Kind,
    pub item: String,
    /// The row's own count of changes (1 for its first entry).
    pub revision: i64,
    pub version: i64,
    pub at: Timestamp,
    pub by: By,
    pub door: String,
    pub session: Option<String>,
    pub before: Option<serde_json::Value>,
    /// `None`: the row was deleted (a tombstone).
    pub after: Option<serde_json::Value>,
    /// Written by the migration that began the log: what came before is not known.
    pub baseline: bool,
    pub note: Option<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub kind: Option<Kind>,
    /// Changes made by this member.
    pub actor: Option<relaydesk_core::domain::UserId>,
    /// From this instant on (inclusive).
    pub since: Option<Timestamp>,
    /// Before this instant (exclusive).
    pub until: Option<Timestamp>,
    /// Newest first, continuing before this entry (`(at, version, kind, item, revision)`).
    pub before_entry: Option<(i64, i64, String, String, i64)>,
    pub limit: i64,
}

const ENTRY_COLUMNS: &str = "kind, item, revision, version, at, actor, door, session_id, \
    before, after, baseline, note";

fn entry_of(row: &[Cell]) -> Result<LogEntry, DbError> {
    let text = |i: usize| row.get(i).and_then(Cell::text);
    let json = |i: usize| -> Result<Option<serde_json::Value>, DbError> {
        text(i)
            .map(|t| serde_json::from_str(t).map_err(DbError::from))
            .transpose()
    };
    let int = |i: usize, name: &str| {
        row.get(i)
            .ok_or_else(|| DbError::Other(format!("config_log has no {name}")))?
            .required_int(name)
    };
    Ok(LogEntry {
        kind: Kind::parse(text(0).unwrap_or_default()).unwrap_or(Kind::Unknown),
        item: text(1).unwrap_or_default().to_owned(),
        revision: int(2, "revision")?,
        version: int(3, "version")?,
        at: chrono::DateTime::from_timestamp_millis(int(4, "at")?).unwrap_or_default(),
        by: serde_json::from_str(text(5).unwrap_or("null")).unwrap_or(By::Unknown),
        door: text(6).unwrap_or_default().to_owned(),
        session: text(7).map(str::to_owned),
        before: json(8)?,
        after: json(9)?,
        baseline: int(10, "baseline")? != 0,
        note: text(11).map(str::to_owned),
    })
}

/// The log's entries matching `filter`, newest first.
pub(crate) async fn entries<S: Sql>(
    sql: &mut S,
    filter: &LogFilter,
) -> Result<Vec<LogEntry>, DbError> {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    let next = |args: &mut Vec<Arg>, arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    if let Some(kind) = filter.kind {
        let at = next(&mut args, Arg::from(kind.as_str()));
        clauses.push(format!("kind = {at}"));
    }
    if let Some(actor) = filter.actor {
        let at = next(&mut args, Arg::Text(actor.to_string()));
        clauses.push(format!("actor_member = {at}"));
    }
    if let Some(since) = filter.since {
        let at = next(&mut args, Arg::Int(millis(since)));
        clauses.push(format!("at >= {at}"));
    }
    if let Some(until) = filter.until {
        let at = next(&mut args, Arg::Int(millis(until)));
        clauses.push(format!("at < {at}"));
    }
    if let Some((at, version, kind, item, revision)) = &filter.before_entry {
        let a = next(&mut args, Arg::Int(*at));
        let v = next(&mut args, Arg::Int(*version));
        let k = next(&mut args, Arg::Text(kind.clone()));
        let i = next(&mut args, Arg::Text(item.clone()));
        let r = next(&mut args, Arg::Int(*revision));
        clauses.push(format!(
            "(at < {a} OR (at = {a} AND (version < {v} OR (version = {v} AND (kind > {k} OR \
             (kind = {k} AND (item > {i} OR (item = {i} AND revision < {r}))))))))"
        ));
    }
    let limit = next(&mut args, Arg::Int(filter.limit));
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let rows = sql
        .rows(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM config_log{filter_sql} \
                 ORDER BY at DESC, version DESC, kind, item, revision DESC LIMIT {limit}"
            ),
            &args,
        )
        .await?;
    rows.iter().map(|row| entry_of(row)).collect()
}

/// The configuration as it was at `at`, read back from the log: for each row, its latest
/// entry made at or before `at` (a tombstone: not there). A row the log began with counts as
/// standing so since before anything; when `at` is before the log began, the answer's second
/// part says from when it is known for certain.
pub(crate) async fn as_of<S: Sql>(
    sql: &mut S,
    at: Timestamp,
) -> Result<(Workspace, Option<Timestamp>), DbError> {
    let rows = sql
        .rows(
            "SELECT l.kind, l.item, l.after FROM config_log l JOIN (\
               SELECT kind, item, MAX(revision) AS revision FROM config_log \
               WHERE at <= $1 OR baseline = 1 GROUP BY kind, item) latest \
             ON l.kind = latest.kind AND l.item = latest.item AND l.revision = latest.revision \
             ORDER BY l.kind, l.item",
            &[Arg::Int(millis(at))],
        )
        .await?;
    let mut workspace = Workspace::default();
    for row in &rows {
        let (Some(kind), Some(after)) = (
            row.first().and_then(Cell::text).and_then(Kind::parse),
            row.get(2).and_then(Cell::text),
        ) else {
            continue;
        };
        workspace.put(Item::from_document(kind, after)?);
    }
    workspace
        .automations
        .sort_by_key(|a| serde_json::to_string(&a.automaton).unwrap_or_default());
    let began = sql
        .rows("SELECT MIN(at) FROM config_log WHERE baseline = 1", &[])
        .await?
        .first()
        .and_then(|row| row.first())
        .and_then(Cell::int);
    let uncertain = began
        .filter(|began| *began > millis(at))
        .and_then(chrono::DateTime::from_timestamp_millis);
    Ok((workspace, uncertain))
}
