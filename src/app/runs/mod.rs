//! The run half of the window: the Run button and its input, live progress on the canvas, and the
//! bottom panels (messages, logs, run history, trace with timeline, run comparison), plus the
//! questions running agents ask. State lives here; `logic()` folds events and reads rows, the
//! `*_ui` functions only draw.

mod bottom;
mod compare;
mod history;
mod live;
mod logs;
mod messages;
mod questions;
mod run_bar;
mod runner;
mod trace;
mod view;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use eframe::egui;
use tokio::runtime::Handle;

pub use bottom::{Tab, bottom_panel};
pub use live::{AgentProgress, NodeStatus};
pub use questions::questions_window;
pub use run_bar::{run_controls, run_dialog};

use live::{LiveRuns, progress_from_spans};
use runner::{Notice, Runner, Wake};
use view::{HistoryFilter, RunView, pending_questions};

use crate::model::{HumanInputRequest, LogLevel, Run};
use crate::store::{Location, Store};

/// What the user is typing into the Run dialog.
#[derive(Debug, Clone, Default)]
pub struct RunDraft {
    pub input: String,
    /// Continue this session; `None` starts a new one.
    pub session: Option<i64>,
}

/// How the logs panel narrows the focused run's records.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    pub level: Option<LogLevel>,
    pub agent: Option<String>,
}

/// Everything the window knows and remembers about runs.
pub struct Runs {
    runner: Result<Runner, String>,
    live: LiveRuns,
    /// The run the canvas, messages, logs and trace show.
    pub focus: Option<i64>,
    pub view: RunView,
    pub history: Vec<Run>,
    pub history_filter: HistoryFilter,
    pub tab: Tab,
    pub draft: Option<RunDraft>,
    pub questions: Vec<HumanInputRequest>,
    /// Answers being typed, per question and field.
    pub answers: BTreeMap<i64, BTreeMap<String, String>>,
    pub trace_span: Option<i64>,
    /// Spans folded in the trace tree.
    pub collapsed: std::collections::BTreeSet<i64>,
    pub log_view: LogView,
    pub compare: compare::CompareState,
    /// Each agent's part in the focused run, as the canvas badges show it.
    progress: Option<BTreeMap<String, AgentProgress>>,
    /// Something changed that the stored views may not show yet.
    stale: bool,
    /// Events arrived since the stored views were read (read again at most every
    /// `EVENT_READ_INTERVAL`, so a fast stream does not mean a read every frame).
    events_since_read: bool,
    last_read: Instant,
}

/// How often events alone make the window read a run's rows again.
const EVENT_READ_INTERVAL: Duration = Duration::from_millis(200);

impl Runs {
    pub fn open(db: &Location, runtime: Handle, ctx: &egui::Context) -> Runs {
        let ctx = ctx.clone();
        let wake: Wake = std::sync::Arc::new(move || ctx.request_repaint());
        Runs {
            runner: Runner::start(db, runtime, wake),
            live: LiveRuns::default(),
            focus: None,
            view: RunView::default(),
            history: Vec::new(),
            history_filter: HistoryFilter { this_workflow: true, ..HistoryFilter::default() },
            tab: Tab::Problems,
            draft: None,
            questions: Vec::new(),
            answers: BTreeMap::new(),
            trace_span: None,
            collapsed: std::collections::BTreeSet::new(),
            log_view: LogView::default(),
            compare: compare::CompareState::default(),
            progress: None,
            stale: true,
            events_since_read: false,
            last_read: Instant::now(),
        }
    }

    /// Folds the engine's events in and reads the rows the panels show when they may have changed
    /// (`data_changed`: another connection wrote the file). Returns what the status line should say.
    pub fn logic(
        &mut self,
        store: &Store,
        workflow: Option<&str>,
        data_changed: bool,
    ) -> Vec<(String, bool)> {
        let mut said = Vec::new();
        let mut folded = false;
        if let Ok(runner) = &self.runner {
            for event in runner.events() {
                // A run started from this window is what the user wants to watch.
                if let crate::engine::RunEvent::RunStarted { run_id, .. } = &event {
                    self.focus = Some(*run_id);
                    self.trace_span = None;
                }
                self.live.apply(event);
                folded = true;
                self.events_since_read = true;
            }
            for notice in runner.notices() {
                said.push(match notice {
                    Notice::Info(message) => (message, false),
                    Notice::Error(message) => (message, true),
                });
                self.stale = true;
            }
        }
        if folded {
            self.progress = self.compute_progress();
        }
        let events_due = self.events_since_read && self.last_read.elapsed() >= EVENT_READ_INTERVAL;
        if !(self.stale || data_changed || events_due) {
            return said;
        }
        self.stale = false;
        self.events_since_read = false;
        self.last_read = Instant::now();
        let mut read = || -> crate::store::Result<()> {
            self.view = match self.focus {
                Some(run) => RunView::load(store, run)?,
                None => RunView::default(),
            };
            self.history = self.history_filter.load(store, workflow)?;
            self.questions = pending_questions(store)?;
            self.compare.refresh(store)?;
            Ok(())
        };
        if let Err(error) = read() {
            said.push((format!("Cannot read the runs: {error}"), true));
        }
        self.progress = self.compute_progress();
        said
    }

    /// Reads the stored views again at the next `logic()`.
    pub fn refresh(&mut self) {
        self.stale = true;
    }

    /// Shows run `run_id` on the canvas and in the panels.
    pub fn focus_on(&mut self, run_id: i64) {
        self.focus = Some(run_id);
        self.trace_span = None;
        self.stale = true;
    }

    /// Shows `agent`'s first invocation in the focused run in the trace, when it has one.
    pub fn follow_agent(&mut self, agent: &str) {
        let invocation = self
            .view
            .spans
            .iter()
            .find(|s| s.agent == agent && s.kind == crate::model::SpanKind::Agent);
        if let Some(span) = invocation {
            self.trace_span = Some(span.id);
        }
    }

    /// Each agent's part in the focused run, for the canvas badges.
    pub fn progress(&self) -> Option<&BTreeMap<String, AgentProgress>> {
        self.progress.as_ref()
    }

    /// Each agent's part in the focused run: live while it goes, from the stored spans once it is
    /// over (or when it ran elsewhere).
    fn compute_progress(&self) -> Option<BTreeMap<String, AgentProgress>> {
        let focus = self.focus?;
        // A run this window watched from its start: its events tell everything.
        let (mut progress, over) = match self.live.runs.get(&focus) {
            Some(live) => (live.agents.clone(), !live.is_going()),
            None => {
                let stored = self.view.run.as_ref().filter(|run| run.id == focus)?;
                // Another process may still run it: the stored spans are as far as it got.
                (progress_from_spans(&self.view.spans), stored.status.is_final())
            }
        };
        if over {
            progress.retain(|_, p| p.status != NodeStatus::Queued);
        }
        Some(progress)
    }

    /// The live side of the focused run, while this window watches it.
    fn live_focus(&self) -> Option<&live::LiveRun> {
        self.live.runs.get(&self.focus?)
    }

    /// Whether run `run_id` is going in this window's engine.
    pub fn is_going(&self, run_id: i64) -> bool {
        self.live.runs.get(&run_id).is_some_and(live::LiveRun::is_going)
    }

    /// How many runs are going in this window's engine.
    pub fn going(&self) -> usize {
        self.live.going().count()
    }

    fn runner(&self) -> Option<&Runner> {
        self.runner.as_ref().ok()
    }

    /// Records the runs going here as interrupted and gives up the lease, as the window closes.
    pub fn shut_down(&self) {
        if let Some(runner) = self.runner() {
            runner.shut_down();
        }
    }
}
