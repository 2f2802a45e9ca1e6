//! The stored side of runs the window shows, read in `logic()` (never in `ui()`): the focused run's
//! spans, messages and logs, the run history, and the questions waiting for an answer.

use std::collections::BTreeSet;

use crate::model::{HumanInputRequest, HumanInputStatus, LogRecord, Message, Run, RunStatus, Span};
use crate::store::{LogFilter, Result, RunFilter, Store};

/// How many past runs the history lists at most.
const HISTORY_LIMIT: i64 = 500;
/// How many log records of one run the logs panel holds at most (the newest).
const LOG_LIMIT: i64 = 2_000;

/// One run as stored.
#[derive(Debug, Clone, Default)]
pub struct RunView {
    pub run: Option<Run>,
    pub spans: Vec<Span>,
    pub messages: Vec<Message>,
    pub logs: Vec<LogRecord>,
    /// The spans on the run's critical path (see `trace::critical_path`).
    pub critical: BTreeSet<i64>,
}

impl RunView {
    pub fn load(store: &Store, run_id: i64) -> Result<RunView> {
        let view = store.read(|r| {
            Ok(RunView {
                run: Some(r.run(run_id)?),
                spans: r.spans(run_id)?,
                messages: r.run_messages(run_id)?,
                logs: r.logs(&LogFilter {
                    run_id: Some(run_id),
                    level: None,
                    limit: Some(LOG_LIMIT),
                })?,
                critical: BTreeSet::new(),
            })
        })?;
        Ok(RunView { critical: super::trace::critical_path(&view.spans), ..view })
    }

    /// The span `id` of this run.
    pub fn span(&self, id: i64) -> Option<&Span> {
        self.spans.iter().find(|s| s.id == id)
    }
}

/// Which past runs the history shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryFilter {
    /// Only runs of the open workflow (else every run).
    pub this_workflow: bool,
    pub status: Option<RunStatus>,
    /// Only runs created on dates starting with this (`2026-11`, `2026-11-24`).
    pub date: String,
}

impl HistoryFilter {
    pub fn load(&self, store: &Store, workflow: Option<&str>) -> Result<Vec<Run>> {
        let filter = RunFilter {
            workflow: workflow.filter(|_| self.this_workflow).map(str::to_owned),
            status: self.status,
            session_id: None,
            limit: Some(HISTORY_LIMIT),
        };
        let runs = store.read(|r| r.runs(&filter))?;
        let date = self.date.trim();
        Ok(runs.into_iter().filter(|run| run.created_at.starts_with(date)).collect())
    }
}

/// The questions waiting for the user, oldest first.
pub fn pending_questions(store: &Store) -> Result<Vec<HumanInputRequest>> {
    store.read(|r| r.human_inputs(Some(HumanInputStatus::Pending)))
}
