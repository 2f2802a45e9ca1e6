//! Live progress of runs, folded from the engine's `RunEvent`s as they arrive: each run's status,
//! each agent's status and token count (the canvas badges) and the text streaming from its model
//! calls (the messages panel). Past runs get the same per-agent view from their stored spans.

use std::collections::{BTreeMap, HashMap};

use crate::engine::RunEvent;
use crate::model::{RunStatus, Span, SpanKind};

/// Roughly how many characters a token is, for counting tokens while they stream (the exact
/// count replaces the estimate when the call ends).
const CHARS_PER_TOKEN: usize = 4;

/// What a node on the canvas shows about its agent in the run being watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeStatus {
    /// Part of the workflow, not reached yet (or never, once the run is over: a route not taken).
    #[default]
    Queued,
    Running,
    /// Waiting for the user's answer.
    Waiting,
    Done,
    Failed,
    Cancelled,
    /// Its run stopped with its process before it ended: it can be resumed.
    Interrupted,
}

impl NodeStatus {
    fn of(status: RunStatus) -> NodeStatus {
        match status {
            RunStatus::Queued => NodeStatus::Queued,
            RunStatus::Running => NodeStatus::Running,
            RunStatus::Waiting => NodeStatus::Waiting,
            RunStatus::Succeeded => NodeStatus::Done,
            RunStatus::Failed => NodeStatus::Failed,
            RunStatus::Cancelled => NodeStatus::Cancelled,
            RunStatus::Interrupted => NodeStatus::Interrupted,
        }
    }
}

/// One agent's part in a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentProgress {
    pub status: NodeStatus,
    /// Input and output tokens of its finished model calls.
    pub tokens: u64,
    /// Characters streamed by its model calls still going.
    streaming_chars: usize,
    /// Its invocations still going (an agent may run several times, e.g. as a tool).
    open_invocations: u32,
}

impl AgentProgress {
    /// Tokens so far, counting the text still streaming by estimate.
    pub fn live_tokens(&self) -> u64 {
        self.tokens + (self.streaming_chars / CHARS_PER_TOKEN) as u64
    }
}

/// Text a model call streamed, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streamed {
    pub span_id: i64,
    pub agent: String,
    pub text: String,
    /// The call has ended (its message is stored).
    pub finished: bool,
}

/// A run this window has seen events of.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRun {
    pub run_id: i64,
    pub session_id: i64,
    pub target: String,
    pub status: RunStatus,
    pub agents: BTreeMap<String, AgentProgress>,
    pub streamed: Vec<Streamed>,
    pub output: Option<String>,
    pub error: Option<String>,
    spans: HashMap<i64, (String, SpanKind)>,
}

impl LiveRun {
    fn new(run_id: i64, session_id: i64, target: String) -> LiveRun {
        LiveRun {
            run_id,
            session_id,
            target,
            status: RunStatus::Running,
            agents: BTreeMap::new(),
            streamed: Vec::new(),
            output: None,
            error: None,
            spans: HashMap::new(),
        }
    }

    pub fn is_going(&self) -> bool {
        !self.status.is_final()
    }
}

/// Every run seen since the window opened, by id.
#[derive(Debug, Default)]
pub struct LiveRuns {
    pub runs: BTreeMap<i64, LiveRun>,
}

impl LiveRuns {
    /// Folds one event in.
    pub fn apply(&mut self, event: RunEvent) {
        match event {
            RunEvent::RunStarted { run_id, session_id, target } => {
                self.runs.insert(run_id, LiveRun::new(run_id, session_id, target));
            }
            RunEvent::SpanStarted { run_id, span_id, agent, kind, .. } => {
                let Some(run) = self.runs.get_mut(&run_id) else { return };
                run.spans.insert(span_id, (agent.clone(), kind));
                let progress = run.agents.entry(agent).or_default();
                if kind == SpanKind::Agent {
                    progress.open_invocations += 1;
                    progress.status = NodeStatus::Running;
                }
            }
            RunEvent::Text { run_id, span_id, agent, text } => {
                let Some(run) = self.runs.get_mut(&run_id) else { return };
                run.agents.entry(agent.clone()).or_default().streaming_chars += text.len();
                match run.streamed.last_mut() {
                    Some(last) if last.span_id == span_id => last.text.push_str(&text),
                    _ => run.streamed.push(Streamed { span_id, agent, text, finished: false }),
                }
            }
            RunEvent::TextRetracted { run_id, span_id, agent } => {
                let Some(run) = self.runs.get_mut(&run_id) else { return };
                let mut dropped = 0;
                run.streamed.retain(|s| {
                    let retracted = s.span_id == span_id;
                    dropped += if retracted { s.text.len() } else { 0 };
                    !retracted
                });
                let progress = run.agents.entry(agent).or_default();
                progress.streaming_chars = progress.streaming_chars.saturating_sub(dropped);
            }
            RunEvent::SpanFinished {
                run_id, span_id, status, input_tokens, output_tokens, ..
            } => {
                let Some(run) = self.runs.get_mut(&run_id) else { return };
                let Some((agent, kind)) = run.spans.get(&span_id).cloned() else { return };
                let progress = run.agents.entry(agent).or_default();
                match kind {
                    SpanKind::Agent => {
                        progress.open_invocations = progress.open_invocations.saturating_sub(1);
                        if progress.open_invocations == 0 || status != RunStatus::Succeeded {
                            progress.status = NodeStatus::of(status);
                        }
                    }
                    SpanKind::LlmCall | SpanKind::Sampling => {
                        progress.tokens += input_tokens + output_tokens;
                        let streamed: usize = run
                            .streamed
                            .iter_mut()
                            .filter(|s| s.span_id == span_id)
                            .map(|s| {
                                s.finished = true;
                                s.text.len()
                            })
                            .sum();
                        progress.streaming_chars =
                            progress.streaming_chars.saturating_sub(streamed);
                    }
                    SpanKind::HumanInput if progress.status == NodeStatus::Waiting => {
                        progress.status = NodeStatus::Running;
                    }
                    SpanKind::ToolCall | SpanKind::HumanInput => {}
                }
            }
            RunEvent::HumanInputRequested { run_id, agent, .. } => {
                let Some(run) = self.runs.get_mut(&run_id) else { return };
                run.agents.entry(agent).or_default().status = NodeStatus::Waiting;
            }
            RunEvent::HumanInputAnswered { .. } => {}
            RunEvent::RunFinished { run_id, status, output, error } => {
                let Some(run) = self.runs.get_mut(&run_id) else { return };
                run.status = status;
                run.output = output;
                run.error = error;
                for progress in run.agents.values_mut() {
                    if matches!(progress.status, NodeStatus::Running | NodeStatus::Waiting) {
                        progress.status = NodeStatus::of(status);
                    }
                    progress.streaming_chars = 0;
                }
            }
        }
    }

    /// The runs still going, oldest first.
    pub fn going(&self) -> impl Iterator<Item = &LiveRun> {
        self.runs.values().filter(|r| r.is_going())
    }
}

/// Each agent's part in a past run, from its stored spans.
pub fn progress_from_spans(spans: &[Span]) -> BTreeMap<String, AgentProgress> {
    let mut agents: BTreeMap<String, AgentProgress> = BTreeMap::new();
    for span in spans {
        let progress = agents.entry(span.agent.clone()).or_default();
        match span.kind {
            SpanKind::Agent => {
                // A failure or a wait outranks a success among an agent's invocations.
                let status = NodeStatus::of(span.status);
                let rank = |s: NodeStatus| match s {
                    NodeStatus::Queued => 0,
                    NodeStatus::Done => 1,
                    NodeStatus::Cancelled => 2,
                    NodeStatus::Interrupted => 3,
                    NodeStatus::Running => 3,
                    NodeStatus::Waiting => 4,
                    NodeStatus::Failed => 5,
                };
                if rank(status) >= rank(progress.status) {
                    progress.status = status;
                }
            }
            SpanKind::LlmCall | SpanKind::Sampling => {
                progress.tokens += (span.input_tokens + span.output_tokens).max(0) as u64;
            }
            SpanKind::ToolCall | SpanKind::HumanInput => {}
        }
    }
    agents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(span_id: i64, agent: &str, kind: SpanKind) -> RunEvent {
        RunEvent::SpanStarted {
            run_id: 1,
            span_id,
            parent_span_id: None,
            agent: agent.into(),
            kind,
            name: String::new(),
        }
    }

    fn finished(span_id: i64, status: RunStatus, tokens: u64) -> RunEvent {
        RunEvent::SpanFinished {
            run_id: 1,
            span_id,
            status,
            input_tokens: tokens,
            output_tokens: 0,
            duration_ms: 1,
        }
    }

    #[test]
    fn an_agent_runs_streams_and_finishes_with_its_exact_token_count() {
        let mut live = LiveRuns::default();
        live.apply(RunEvent::RunStarted { run_id: 1, session_id: 7, target: "w".into() });
        live.apply(started(10, "writer", SpanKind::Agent));
        live.apply(started(11, "writer", SpanKind::LlmCall));
        let text =
            RunEvent::Text { run_id: 1, span_id: 11, agent: "writer".into(), text: "x".repeat(40) };
        live.apply(text.clone());
        live.apply(text);
        let run = &live.runs[&1];
        assert_eq!(run.agents["writer"].status, NodeStatus::Running);
        assert_eq!(run.agents["writer"].live_tokens(), 20, "80 characters streamed, estimated");
        assert_eq!(run.streamed.len(), 1, "chunks of one call are joined");

        live.apply(finished(11, RunStatus::Succeeded, 33));
        live.apply(finished(10, RunStatus::Succeeded, 0));
        live.apply(RunEvent::RunFinished {
            run_id: 1,
            status: RunStatus::Succeeded,
            output: Some("done".into()),
            error: None,
        });
        let run = &live.runs[&1];
        assert_eq!(run.agents["writer"].status, NodeStatus::Done);
        assert_eq!(run.agents["writer"].live_tokens(), 33, "the exact count replaces the estimate");
        assert!(run.streamed[0].finished);
        assert!(!run.is_going());
    }

    #[test]
    fn a_retried_call_drops_the_text_of_its_failed_attempt() {
        let mut live = LiveRuns::default();
        live.apply(RunEvent::RunStarted { run_id: 1, session_id: 7, target: "w".into() });
        live.apply(started(10, "writer", SpanKind::Agent));
        live.apply(started(11, "writer", SpanKind::LlmCall));
        live.apply(started(12, "critic", SpanKind::LlmCall));
        let text = |span_id: i64, agent: &str, text: &str| RunEvent::Text {
            run_id: 1,
            span_id,
            agent: agent.into(),
            text: text.into(),
        };
        live.apply(text(11, "writer", "this answer is cut off here"));
        live.apply(text(12, "critic", "fine"));
        live.apply(text(11, "writer", " and more"));
        live.apply(RunEvent::TextRetracted { run_id: 1, span_id: 11, agent: "writer".into() });
        let run = &live.runs[&1];
        let texts: Vec<&str> = run.streamed.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["fine"], "only the other call's text is left");
        assert_eq!(run.agents["writer"].streaming_chars, 0);

        live.apply(text(11, "writer", "You: retry-after-partial"));
        let run = &live.runs[&1];
        let texts: Vec<&str> = run.streamed.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["fine", "You: retry-after-partial"]);
        assert_eq!(run.agents["writer"].streaming_chars, "You: retry-after-partial".len());
    }

    #[test]
    fn a_wait_shows_and_a_cancelled_run_leaves_no_node_running() {
        let mut live = LiveRuns::default();
        live.apply(RunEvent::RunStarted { run_id: 1, session_id: 7, target: "w".into() });
        live.apply(started(10, "asker", SpanKind::Agent));
        live.apply(RunEvent::HumanInputRequested {
            run_id: 1,
            request_id: 3,
            agent: "asker".into(),
            prompt: "?".into(),
        });
        assert_eq!(live.runs[&1].agents["asker"].status, NodeStatus::Waiting);
        live.apply(RunEvent::RunFinished {
            run_id: 1,
            status: RunStatus::Cancelled,
            output: None,
            error: Some("cancelled".into()),
        });
        assert_eq!(live.runs[&1].agents["asker"].status, NodeStatus::Cancelled);
    }

    #[test]
    fn events_of_runs_not_started_here_are_ignored() {
        let mut live = LiveRuns::default();
        live.apply(started(10, "writer", SpanKind::Agent));
        assert!(live.runs.is_empty());
    }
}
