//! Who may see what, in SQL: [`relaydesk_core::domain::access`]'s rules (`can_see`,
//! `in_my_teams`, `may_decide`) worked out once per member from the workspace and written as
//! `WHERE` clauses over the `conversations` columns. The queue's views and the sync pull's
//! pages both filter with them, and re-check every row with the domain's own functions.

use relaydesk_core::domain::{Member, Role, Workspace};

use super::sql::Arg;

/// A statement under construction: each value appended gets the next `$N`, so parameters
/// always first appear in ascending order (SQLite's rule).
#[derive(Default)]
pub(crate) struct Statement {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Statement {
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(crate) fn arg(&mut self, value: Arg) -> &mut Self {
        self.args.push(value);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// `column IN ($a, $b …)`, or a false condition for an empty list.
    pub(crate) fn any_of(&mut self, column: &str, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self.push("1 = 0");
        }
        self.push(column).push(" IN (");
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.arg(Arg::Text(value.clone()));
        }
        self.push(")")
    }
}

/// What the member's visibility depends on, worked out from the workspace once.
pub(crate) struct Viewer {
    pub(crate) me: String,
    pub(crate) admin: bool,
    pub(crate) supervisor: bool,
    pub(crate) teams: Vec<String>,
    /// Inboxes whose queue feeds one of the member's teams.
    pub(crate) inboxes: Vec<String>,
    /// People whose escalations the member may decide (themselves and teammates).
    pub(crate) colleagues: Vec<String>,
}

impl Viewer {
    pub(crate) fn of(member: &Member, workspace: &Workspace) -> Viewer {
        Viewer {
            me: member.id.to_string(),
            admin: member.role == Role::Admin,
            supervisor: member.role == Role::Supervisor,
            teams: member.teams.iter().map(ToString::to_string).collect(),
            inboxes: workspace
                .inboxes
                .values()
                .filter(|i| member.shares_a_team(i.teams.iter()))
                .map(|i| i.id.to_string())
                .collect(),
            colleagues: workspace
                .members
                .values()
                .filter(|m| m.id == member.id || member.shares_a_team(m.teams.iter()))
                .map(|m| m.id.to_string())
                .collect(),
        }
    }

    /// `can_see`, in SQL.
    pub(crate) fn visible(&self, s: &mut Statement) {
        if self.admin {
            s.push("1 = 1");
            return;
        }
        s.push("(assignee = ")
            .arg(Arg::Text(self.me.clone()))
            .push(" OR ");
        s.any_of("team_id", &self.teams);
        s.push(" OR ");
        s.any_of("inbox_id", &self.inboxes);
        s.push(" OR ");
        self.may_decide_pending(s);
        s.push(")");
    }

    /// `access::in_my_teams`, in SQL: its team is mine, or it has none and its inbox feeds
    /// one of mine.
    pub(crate) fn in_my_teams(&self, s: &mut Statement) {
        s.push("(");
        s.any_of("team_id", &self.teams);
        s.push(" OR (team_id IS NULL AND ");
        s.any_of("inbox_id", &self.inboxes);
        s.push("))");
    }

    /// `access::may_work` for an unassigned conversation, in SQL.
    pub(crate) fn may_work_unassigned(&self, s: &mut Statement) {
        if self.admin {
            s.push("1 = 1");
        } else {
            self.in_my_teams(s);
        }
    }

    /// `may_decide` on the pending escalation, in SQL.
    pub(crate) fn may_decide_pending(&self, s: &mut Statement) {
        if self.admin {
            s.push("escalation_requested_by IS NOT NULL");
        } else if self.supervisor {
            s.push("(");
            s.any_of("escalation_target_team", &self.teams);
            s.push(" OR ");
            s.any_of("escalation_target_person", &self.colleagues);
            s.push(")");
        } else {
            s.push("1 = 0");
        }
    }
}
