//! Replaying a recorded run: a new run, linked to its source, whose model calls and tool calls are
//! answered from the source's recorded spans instead of a provider or a tool, so that it repeats
//! the source step for step. With `from_span`, that span, everything inside it and every step
//! that started after it ended run live again, while the steps before it (and parallel branches
//! that ran alongside it) stay pinned to what they recorded.
//!
//! Steps are matched by their place in the run's tree (positions among siblings from the root
//! span down), never by timing: the engine creates the spans of one parent in a fixed order, even
//! across parallel branches, so the same step has the same place in both runs. A step the
//! recording does not have, or has with another agent, kind, tool or input, ends the replay with
//! an error naming it; no provider is called in its place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::context::RunContext;
use super::error::EngineError;
use super::events::RunEvent;
use super::invoke::Spent;
use super::tools::{Tool, ToolOutcome};
use super::{Blueprint, Engine, RunOutcome};
use crate::llm::{ChatResponse, ToolCall, Usage};
use crate::model::{
    ContentPart, JsonObject, Message, Role, RunDiff, RunOrigin, RunStatus, Span, SpanKind,
};
use crate::store::SpanEnd;

/// What to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayRequest {
    /// The run to replay.
    pub run_id: i64,
    /// Re-run live from this span of the source run: it, what ran inside it and what started after
    /// it ended; `None` replays every step from the recording.
    pub from_span: Option<i64>,
    pub origin: RunOrigin,
}

/// Which definitions a replay runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayDefinitions {
    /// The agents, links and LLM configs as they are now.
    Current,
    /// As they were when the source ran (its `definition_revision`), from the definition history.
    AsRecorded,
}

/// What a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlanKind {
    /// A replay: a new run repeating a recorded one.
    Replay,
    /// Resuming an interrupted run as itself: its finished steps are answered from what they
    /// recorded, every other step runs live (see `engine::resume`).
    Resume,
}

/// The recording a replay answers from, and what went wrong matching it.
pub struct ReplayPlan {
    kind: PlanKind,
    source_run: i64,
    source_session: i64,
    from_span: Option<i64>,
    /// The source's spans by their place in the tree.
    steps: HashMap<Vec<i64>, Span>,
    /// The place of each of the source's spans, by id.
    paths: HashMap<i64, Vec<i64>>,
    /// The parts of recorded tool results beyond their text (an MCP tool's images, resources,
    /// structured content), by the agent span they were given to and the tool call id.
    tool_parts: HashMap<(i64, String), Vec<ContentPart>>,
    /// The first step that did not match the recording: (agent, why).
    divergence: Mutex<Option<(String, String)>>,
}

/// What a replay does with one step.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pin<'a> {
    /// Answer it from this recorded span.
    Recorded(&'a Span),
    /// Run it for real (it comes at or after `from_span`, or only happens downstream of it).
    Live,
}

impl ReplayPlan {
    /// A plan replaying `source` (with its `spans` and `messages`), live from span `from_span`
    /// when given.
    pub fn new(
        source: &crate::model::Run,
        spans: &[Span],
        messages: &[Message],
        from_span: Option<i64>,
    ) -> Result<ReplayPlan, EngineError> {
        let refuse = |reason: String| EngineError::NotReplayable { run: source.id, reason };
        if matches!(source.status, RunStatus::Queued | RunStatus::Running | RunStatus::Waiting) {
            return Err(refuse(format!(
                "it is still {}; replay it once it has ended",
                source.status
            )));
        }
        if let Some(from) = from_span
            && !spans.iter().any(|s| s.id == from)
        {
            return Err(refuse(format!(
                "span {from} is not one of its steps (see `agentloom runs show {}`)",
                source.id
            )));
        }
        let mut paths: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut steps = HashMap::new();
        for span in spans {
            let mut path = match span.parent_span_id {
                Some(parent) => paths.get(&parent).cloned().ok_or_else(|| {
                    refuse(format!("span {} has a parent that is not part of the run", span.id))
                })?,
                None => Vec::new(),
            };
            path.push(span.position);
            paths.insert(span.id, path.clone());
            steps.insert(path, span.clone());
        }
        let tool_parts = messages
            .iter()
            .filter(|m| m.role == Role::ToolResponse && m.content.len() > 1)
            .filter_map(|m| Some(((m.span_id?, m.tool_call_id.clone()?), m.content[1..].to_vec())))
            .collect();
        Ok(ReplayPlan {
            kind: PlanKind::Replay,
            source_run: source.id,
            source_session: source.session_id,
            from_span,
            steps,
            paths,
            tool_parts,
            divergence: Mutex::new(None),
        })
    }

    /// A plan resuming the interrupted run `run` (with its `spans` and `messages`) as itself.
    pub fn resume(
        run: &crate::model::Run,
        spans: &[Span],
        messages: &[Message],
    ) -> Result<ReplayPlan, EngineError> {
        let mut plan = ReplayPlan::new(run, spans, messages, None)?;
        plan.kind = PlanKind::Resume;
        Ok(plan)
    }

    /// Whether this plan resumes a run as itself rather than replaying it as a new one.
    pub fn resumes(&self) -> bool {
        self.kind == PlanKind::Resume
    }

    /// How many recorded steps a resume reuses instead of running them again.
    pub fn finished_steps(&self) -> usize {
        self.steps.values().filter(|step| finished(step)).count()
    }

    /// Whether the step at `path` (a `kind` step of `agent`, named `name`, given `input`) is
    /// answered from the recording or runs live; `Err` says why it matches nothing recorded.
    fn pin(
        &self,
        path: &[i64],
        kind: SpanKind,
        agent: &str,
        name: Option<&str>,
        input: Option<&str>,
    ) -> Result<Pin<'_>, String> {
        if self.resumes() {
            return Ok(self.resume_pin(path, kind, agent, name, input));
        }
        let step = describe_step(kind, agent, name);
        let Some(recorded) = self.steps.get(path) else {
            return match self.from_span {
                Some(_) => Ok(Pin::Live),
                None => Err(format!(
                    "the replay asks for {step} at step {}, which run {} never took",
                    show_path(path),
                    self.source_run
                )),
            };
        };
        if self.runs_live(recorded) {
            return Ok(Pin::Live);
        }
        let recorded_step = describe_step(recorded.kind, &recorded.agent, Some(&recorded.name));
        if !same_step(recorded, kind, agent, name) {
            return Err(format!(
                "at step {} the replay asks for {step}, but run {} recorded {recorded_step} (span {})",
                show_path(path),
                self.source_run,
                recorded.id
            ));
        }
        if recorded.status == RunStatus::Interrupted {
            return Err(format!(
                "run {} was interrupted during {step} (span {}): it has no answer to replay; \
                 resume it (agentloom runs resume {}) or replay it from an earlier span",
                self.source_run, recorded.id, self.source_run
            ));
        }
        if recorded.input.as_deref() != input {
            return Err(format!(
                "{step} (span {} of run {}) was given other input than when it was recorded:\n  recorded: {}\n  now:      {}",
                recorded.id,
                self.source_run,
                preview(recorded.input.as_deref()),
                preview(input)
            ));
        }
        Ok(Pin::Recorded(recorded))
    }

    /// In a resume: the recorded step at `path` answers when it finished and is the same step
    /// (agent, kind, tool, input); anything else (it was cut off, or never taken) runs live.
    fn resume_pin(
        &self,
        path: &[i64],
        kind: SpanKind,
        agent: &str,
        name: Option<&str>,
        input: Option<&str>,
    ) -> Pin<'_> {
        match self.steps.get(path) {
            Some(recorded)
                if finished(recorded)
                    && same_step(recorded, kind, agent, name)
                    && recorded.input.as_deref() == input =>
            {
                Pin::Recorded(recorded)
            }
            _ => Pin::Live,
        }
    }

    /// Whether the recorded step `step` runs live: it is the span replayed from or inside it, or it
    /// started after that span (it was created later and did not begin before that span ended:
    /// a parallel branch that ran alongside it stays pinned, the steps that follow it do not).
    fn runs_live(&self, step: &Span) -> bool {
        let Some(from) = self.from_span.and_then(|id| self.paths.get(&id).map(|p| (id, p))) else {
            return false;
        };
        let (from_id, from_path) = from;
        if step.id == from_id || self.paths.get(&step.id).is_some_and(|p| p.starts_with(from_path))
        {
            return true;
        }
        let from_end = self.steps.get(from_path).and_then(|f| f.ended_at.as_deref());
        let alongside = match (step.started_at.as_deref(), from_end) {
            (Some(started), Some(ended)) => started < ended,
            _ => false,
        };
        step.id > from_id && !alongside
    }

    /// The recorded spans right beneath the recorded span `id`, in order, with their places.
    fn recorded_children(&self, id: i64) -> Vec<(&Vec<i64>, &Span)> {
        let Some(parent) = self.paths.get(&id) else { return Vec::new() };
        let mut children: Vec<(&Vec<i64>, &Span)> = self
            .steps
            .iter()
            .filter(|(path, _)| path.len() == parent.len() + 1 && path.starts_with(parent))
            .collect();
        children.sort_by_key(|(path, _)| path.last().copied());
        children
    }

    /// The first mismatch met, as the error the replay ends with.
    fn divergence(&self) -> Option<EngineError> {
        let found = self.divergence.lock().ok()?.clone();
        found.map(|(agent, why)| EngineError::agent(&agent, format!("replay diverged: {why}")))
    }

    fn diverge(&self, agent: &str, why: String) {
        if let Ok(mut found) = self.divergence.lock() {
            found.get_or_insert((agent.to_owned(), why));
        }
    }
}

/// Whether `recorded` is the step asked for: the same kind of step of the same agent and, for a
/// tool call, of the same tool.
fn same_step(recorded: &Span, kind: SpanKind, agent: &str, name: Option<&str>) -> bool {
    recorded.kind == kind
        && recorded.agent == agent
        && (kind != SpanKind::ToolCall || name.is_none_or(|n| n == recorded.name))
}

/// Whether a recorded step has an answer a resume can reuse: it succeeded, or it is a tool call
/// that failed (its error was the result the model was given). A model call that failed, and
/// every step cut off, runs again.
fn finished(step: &Span) -> bool {
    step.status == RunStatus::Succeeded
        || (step.status == RunStatus::Failed && step.kind == SpanKind::ToolCall)
}

fn describe_step(kind: SpanKind, agent: &str, name: Option<&str>) -> String {
    match (kind, name) {
        (SpanKind::ToolCall, Some(tool)) => {
            format!("the tool call \"{tool}\" of agent \"{agent}\"")
        }
        (SpanKind::LlmCall, _) => format!("a model call of agent \"{agent}\""),
        (other, _) => format!("a {other} step of agent \"{agent}\""),
    }
}

fn show_path(path: &[i64]) -> String {
    path.iter().map(ToString::to_string).collect::<Vec<_>>().join(".")
}

fn preview(text: Option<&str>) -> String {
    match text {
        None => "nothing".to_owned(),
        Some(text) if text.chars().count() > 120 => {
            format!("{:?}…", text.chars().take(120).collect::<String>())
        }
        Some(text) => format!("{text:?}"),
    }
}

impl Engine {
    /// Replays run `request.run_id` as a new run in a new session (with the source session's
    /// variables, so that the source's conversation never grows by a replay), linked to its
    /// source by `replay_of_run_id` (and `replay_from_span_id`), on the definitions the source ran
    /// when every step is replayed, and on the current ones when re-running from a span (edit a
    /// prompt, then re-run its step): `replay_using` chooses. Errors before the replay is recorded
    /// (an unknown run or span, a source still running) are returned; a replay that fails (a step
    /// that no longer matches its recording, named in the error) is an outcome.
    pub async fn replay(&self, request: ReplayRequest) -> Result<RunOutcome, EngineError> {
        let definitions = match request.from_span {
            None => ReplayDefinitions::AsRecorded,
            Some(_) => ReplayDefinitions::Current,
        };
        self.replay_using(request, definitions).await
    }

    /// `replay`, on the definitions `definitions` says.
    pub async fn replay_using(
        &self,
        request: ReplayRequest,
        definitions: ReplayDefinitions,
    ) -> Result<RunOutcome, EngineError> {
        let (source, spans, messages, blueprint, revision) = self.read(|r| {
            let source = r.run(request.run_id)?;
            let spans = r.spans(source.id)?;
            let messages = r.run_messages(source.id)?;
            let (blueprint, revision) = match definitions {
                ReplayDefinitions::Current => {
                    (Blueprint::load(r, &source.target), r.current_revision()?)
                }
                ReplayDefinitions::AsRecorded => (
                    Blueprint::load_at(r, &source.target, source.definition_revision),
                    source.definition_revision,
                ),
            };
            Ok((source, spans, messages, blueprint, revision))
        })?;
        let blueprint = blueprint?;
        let plan = ReplayPlan::new(&source, &spans, &messages, request.from_span)?;
        let title = match request.from_span {
            Some(span) => format!("replay of run {} from span {span}", source.id),
            None => format!("replay of run {}", source.id),
        };
        let (source_id, source_session) = (source.id, source.session_id);
        let (from, origin, owner) = (request.from_span, request.origin, self.owner()?);
        let (run_id, session_id) = self
            .shared
            .writer
            .call(move |w| {
                let session = w.create_replay_session(source_session, &title)?;
                let run = w.create_replay_run(session, source_id, from, revision, origin, owner)?;
                Ok((run, session))
            })
            .await?;
        self.drive(run_id, session_id, blueprint, source.target, source.input, Some(Arc::new(plan)))
            .await
    }

    /// Compares run `a` with run `b`: inputs, outputs, totals, and their steps aligned with the
    /// first one where they part ways.
    pub fn diff(&self, a: i64, b: i64) -> Result<RunDiff, EngineError> {
        self.read(|r| r.run_diff(a, b))
    }
}

impl Engine {
    /// Reads from the database on the engine's read connection.
    pub(super) fn read<T>(
        &self,
        f: impl FnOnce(&crate::store::Reader<'_>) -> crate::store::Result<T>,
    ) -> Result<T, EngineError> {
        let store = self
            .shared
            .reader
            .lock()
            .map_err(|_| EngineError::WriterGone("the read connection is poisoned".into()))?;
        Ok(store.read(f)?)
    }
}

impl RunContext {
    /// Whether this run is an interrupted run resumed as itself.
    pub fn resumes(&self) -> bool {
        self.replay.as_ref().is_some_and(|plan| plan.resumes())
    }

    /// Whether this run is a replay answering every step from its recording (no `from_span`), so
    /// that nothing live happens: no provider is called and no MCP server is reached.
    pub fn replays_everything(&self) -> bool {
        self.replay.as_ref().is_some_and(|plan| !plan.resumes() && plan.from_span.is_none())
    }

    /// The conversation `agent` has had in this session; in a replay, the one it had had in the
    /// source's session before the source run, then the replay's own.
    pub fn agent_history(&self, agent: &str) -> Result<Vec<Message>, EngineError> {
        self.read(|r| {
            let mut history = match &self.replay {
                Some(plan) if !plan.resumes() => {
                    r.agent_history_before(plan.source_session, agent, plan.source_run)?
                }
                _ => Vec::new(),
            };
            history.extend(r.agent_history(self.session_id, agent, Some(self.run_id))?);
            Ok(history)
        })
    }

    /// Decides the fate of the just-started step `span` of a replay; `Err` is the mismatch, which
    /// has been noted and has stopped the run.
    async fn pin_step(
        &self,
        plan: &ReplayPlan,
        span: i64,
        kind: SpanKind,
        agent: &str,
        name: Option<&str>,
        input: Option<&str>,
    ) -> Result<Option<Span>, String> {
        let path = self.read(|r| r.span_path(span)).map_err(|e| e.to_string())?;
        let pin = plan.pin(&path, kind, agent, name, input).map(|pin| match pin {
            Pin::Recorded(span) => Some(span.clone()),
            Pin::Live => None,
        });
        if let Err(why) = &pin {
            plan.diverge(agent, why.clone());
            self.cancel.cancel();
        }
        pin
    }

    /// Ends `span` as a replayed step; `source` is the recorded span it repeats (in a resume, the
    /// step of the interrupted attempt whose answer it reuses).
    fn finish_replayed(&self, span: i64, source: &Span, started: Instant, mut end: SpanEnd) {
        match &self.replay {
            Some(plan) if plan.resumes() => end.attributes.insert("reused".into(), true.into()),
            _ => end.attributes.insert("replayed_from".into(), source.id.into()),
        };
        end.duration_ms = started.elapsed().as_millis() as u64;
        self.finish_span(span, end);
    }

    /// Ends `span` as the step where the replay left its recording.
    fn finish_diverged(&self, span: i64, started: Instant, why: String) -> EngineError {
        self.finish_span(
            span,
            SpanEnd {
                status: RunStatus::Failed,
                output: None,
                error: Some(format!("replay diverged: {why}")),
                attributes: JsonObject::new(),
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: 0.0,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
        EngineError::Cancelled
    }
}

/// In a replay, answers the model call just started as `span` from its recording, ending the span;
/// `None` when the call is to be made for real.
pub(super) async fn replay_model_call(
    ctx: &RunContext,
    agent: &str,
    span: i64,
    input: Option<&str>,
) -> Option<Result<(ChatResponse, Spent), EngineError>> {
    let plan = ctx.replay.as_ref()?;
    let started = Instant::now();
    let recorded = match ctx.pin_step(plan, span, SpanKind::LlmCall, agent, None, input).await {
        Ok(None) => return None,
        Ok(Some(recorded)) => recorded,
        Err(why) => return Some(Err(ctx.finish_diverged(span, started, why))),
    };
    let usage = usage_of(&recorded);
    let tool_calls: Vec<ToolCall> = match recorded.attributes.get("tool_calls") {
        None => Vec::new(),
        Some(calls) => match serde_json::from_value(calls.clone()) {
            Ok(calls) => calls,
            Err(error) => {
                let why =
                    format!("span {} holds tool calls that cannot be read: {error}", recorded.id);
                plan.diverge(agent, why.clone());
                ctx.cancel.cancel();
                return Some(Err(ctx.finish_diverged(span, started, why)));
            }
        },
    };
    let model =
        recorded.attributes.get("model").and_then(|m| m.as_str()).unwrap_or_default().to_owned();
    let text = recorded.output.clone().unwrap_or_default();
    let (status, error) = (recorded.status, recorded.error.clone());
    let mut attributes = JsonObject::new();
    if status == RunStatus::Succeeded {
        attributes.insert("model".into(), model.clone().into());
        if let Some(calls) = recorded.attributes.get("tool_calls") {
            attributes.insert("tool_calls".into(), calls.clone());
        }
        if !text.is_empty() {
            ctx.emit(RunEvent::Text {
                run_id: ctx.run_id,
                span_id: span,
                agent: agent.to_owned(),
                text: text.clone(),
            });
        }
    }
    let spent = Spent { usage, cost_usd: recorded.cost_usd };
    let end = SpanEnd {
        status,
        output: (status == RunStatus::Succeeded).then(|| text.clone()),
        error: error.clone(),
        attributes,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        cost_usd: spent.cost_usd,
        duration_ms: 0,
    };
    ctx.finish_replayed(span, &recorded, started, end);
    Some(match status {
        RunStatus::Succeeded => Ok((ChatResponse { text, tool_calls, usage, model }, spent)),
        RunStatus::Failed => {
            Err(EngineError::agent(agent, error.unwrap_or_else(|| "the call failed".into())))
        }
        _ => {
            ctx.cancel.cancel();
            Err(EngineError::Cancelled)
        }
    })
}

/// In a replay, answers the tool call just started as `span` from its recording, ending the
/// span; `None` when the tool is to run for real. Agents called as tools always run (their own
/// model calls are replayed), so that the replay has their steps too.
pub(super) async fn replay_tool_call(
    ctx: &RunContext,
    agent: &str,
    span: i64,
    call: &ToolCall,
    tool: Option<&Tool>,
) -> Option<Result<ToolOutcome, EngineError>> {
    let plan = ctx.replay.as_ref()?;
    let started = Instant::now();
    let arguments = call.arguments.to_string();
    let pin = ctx
        .pin_step(plan, span, SpanKind::ToolCall, agent, Some(&call.name), Some(&arguments))
        .await;
    let recorded = match pin {
        Ok(None) => return None,
        Ok(Some(_)) if matches!(tool, Some(Tool::Agent(_))) => return None,
        Ok(Some(recorded)) => recorded,
        Err(why) => return Some(Err(ctx.finish_diverged(span, started, why))),
    };
    let content = recorded.output.clone().or_else(|| recorded.error.clone()).unwrap_or_default();
    let parts = recorded.parent_span_id.and_then(|p| plan.tool_parts.get(&(p, call.id.clone())));
    if let Some(parts) = parts {
        ctx.keep_tool_parts(&call.id, parts.clone());
    }
    let end = recorded_end(&recorded);
    let spent = Spent { usage: usage_of(&recorded), cost_usd: recorded.cost_usd };
    let status = recorded.status;
    if let Err(error) = repeat_recorded_children(ctx, plan, recorded.id, span).await {
        ctx.finish_replayed(span, &recorded, started, end);
        return Some(Err(error));
    }
    ctx.finish_replayed(span, &recorded, started, end);
    Some(match status {
        RunStatus::Succeeded | RunStatus::Failed => {
            Ok(ToolOutcome { content, is_error: status == RunStatus::Failed, spent })
        }
        _ => {
            ctx.cancel.cancel();
            Err(EngineError::Cancelled)
        }
    })
}

/// Repeats under `span` the steps the recorded span `source` had beneath it (the model calls an
/// MCP server asked for while its tool ran), so that the replay's tree and totals are the source's.
fn repeat_recorded_children<'a>(
    ctx: &'a RunContext,
    plan: &'a ReplayPlan,
    source: i64,
    span: i64,
) -> crate::llm::BoxFuture<'a, Result<(), EngineError>> {
    Box::pin(async move {
        for (_, child) in plan.recorded_children(source) {
            let kind = child.kind;
            let input = child.input.clone();
            let id = ctx.start_span(
                Some(span),
                &child.agent,
                kind,
                &child.name,
                input,
                JsonObject::new(),
            );
            let id = id.await?;
            repeat_recorded_children(ctx, plan, child.id, id).await?;
            ctx.finish_replayed(id, child, Instant::now(), recorded_end(child));
        }
        Ok(())
    })
}

/// How the recorded span `recorded` ended, to end its repetition the same way.
fn recorded_end(recorded: &Span) -> SpanEnd {
    let usage = usage_of(recorded);
    SpanEnd {
        status: recorded.status,
        output: recorded.output.clone(),
        error: recorded.error.clone(),
        attributes: recorded.attributes.clone(),
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        cost_usd: recorded.cost_usd,
        duration_ms: 0,
    }
}

fn usage_of(recorded: &Span) -> Usage {
    Usage {
        input_tokens: recorded.input_tokens.max(0) as u64,
        output_tokens: recorded.output_tokens.max(0) as u64,
    }
}

/// The mismatch a replay met, if any, in place of how its root agent ended.
pub(super) fn replay_divergence(ctx: &RunContext) -> Option<EngineError> {
    ctx.replay.as_ref().and_then(|plan| plan.divergence())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: i64, parent: Option<i64>, position: i64, agent: &str, kind: SpanKind) -> Span {
        Span {
            id,
            run_id: 1,
            parent_span_id: parent,
            agent: agent.into(),
            kind,
            name: "echo".into(),
            position,
            status: RunStatus::Succeeded,
            input: Some("in".into()),
            output: Some("out".into()),
            error: None,
            attributes: JsonObject::new(),
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            started_at: None,
            ended_at: None,
            duration_ms: None,
        }
    }

    fn source() -> (crate::model::Run, Vec<Span>) {
        let run = crate::model::Run {
            id: 1,
            session_id: 1,
            workflow: None,
            target: "lead".into(),
            definition_revision: 1,
            input: "go".into(),
            output: Some("done".into()),
            status: RunStatus::Succeeded,
            error: None,
            origin: RunOrigin::Cli,
            replay_of_run_id: None,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            created_at: String::new(),
            started_at: None,
            ended_at: None,
            queued: false,
        };
        let spans = vec![
            span(10, None, 0, "lead", SpanKind::Agent),
            span(11, Some(10), 0, "lead", SpanKind::LlmCall),
            span(12, Some(10), 1, "lead", SpanKind::ToolCall),
            span(13, Some(10), 2, "lead", SpanKind::LlmCall),
        ];
        (run, spans)
    }

    #[test]
    fn steps_match_by_place_agent_kind_and_input() {
        let (run, spans) = source();
        let plan = ReplayPlan::new(&run, &spans, &[], None).expect("plan");
        let pin = plan.pin(&[0, 1], SpanKind::ToolCall, "lead", Some("echo"), Some("in"));
        assert_eq!(pin.map(|p| matches!(p, Pin::Recorded(s) if s.id == 12)), Ok(true));
        let other_tool = plan.pin(&[0, 1], SpanKind::ToolCall, "lead", Some("rm"), Some("in"));
        assert!(other_tool.expect_err("other tool").contains("recorded the tool call \"echo\""));
        let other_input = plan.pin(&[0, 2], SpanKind::LlmCall, "lead", None, Some("else"));
        let why = other_input.expect_err("other input");
        assert!(why.contains("span 13") && why.contains("\"else\""), "{why}");
        let unknown = plan.pin(&[0, 3], SpanKind::LlmCall, "lead", None, Some("in"));
        assert!(unknown.expect_err("never taken").contains("step 0.3, which run 1 never took"));
    }

    #[test]
    fn from_a_span_on_steps_run_live() {
        let (run, spans) = source();
        let plan = ReplayPlan::new(&run, &spans, &[], Some(12)).expect("plan");
        assert!(matches!(
            plan.pin(&[0, 0], SpanKind::LlmCall, "lead", None, Some("in")),
            Ok(Pin::Recorded(_))
        ));
        let live = plan.pin(&[0, 1], SpanKind::ToolCall, "lead", Some("echo"), Some("other"));
        assert_eq!(live, Ok(Pin::Live));
        assert_eq!(plan.pin(&[0, 9], SpanKind::LlmCall, "x", None, None), Ok(Pin::Live));
        let missing = ReplayPlan::new(&run, &spans, &[], Some(99)).err().map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("span 99 is not one of its steps")));
    }

    #[test]
    fn a_branch_that_ran_alongside_the_chosen_span_stays_pinned() {
        let (run, mut spans) = source();
        let at = |second: u32| Some(format!("2026-01-01T00:00:{second:02}.000Z"));
        // 11 and 12 are two concurrent calls (a parallel's branches); 13 starts after 11 ended.
        spans[1].kind = SpanKind::LlmCall;
        (spans[1].started_at, spans[1].ended_at) = (at(1), at(5));
        (spans[2].started_at, spans[2].ended_at) = (at(2), at(3));
        (spans[3].started_at, spans[3].ended_at) = (at(5), at(6));
        let plan = ReplayPlan::new(&run, &spans, &[], Some(11)).expect("plan");
        let live = |span: &Span| plan.runs_live(span);
        assert_eq!(spans.iter().map(live).collect::<Vec<_>>(), [false, true, false, true]);
        let plan = ReplayPlan::new(&run, &spans, &[], Some(10)).expect("plan");
        assert!(spans.iter().all(|s| plan.runs_live(s)), "from the root everything is live");
    }

    #[test]
    fn a_run_still_going_is_not_replayed() {
        let (mut run, spans) = source();
        run.status = RunStatus::Waiting;
        let refused = ReplayPlan::new(&run, &spans, &[], None).err().map(|e| e.to_string());
        assert_eq!(
            refused.as_deref(),
            Some("run 1 cannot be replayed: it is still waiting; replay it once it has ended")
        );
    }
}
