//! Comparing two runs side by side: their inputs, outputs, statuses and totals, and their spans
//! aligned by their place in the tree, with the first step where they part ways.
//!
//! Spans align by tree path, one element per level: the agent, the span kind and how many earlier
//! siblings had the same agent and kind. So the second model call of `writer` under the chain's
//! first step meets its counterpart even when one run made an extra tool call in between.

use std::collections::HashMap;

use serde::Serialize;

use super::records::{Run, Span};
use super::runtime::{RunStatus, SpanKind};

/// Two runs compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDiff {
    pub a: RunSide,
    pub b: RunSide,
    pub same_input: bool,
    pub same_output: bool,
    pub same_status: bool,
    /// Every span of either run, aligned, parents before children, siblings in order.
    pub spans: Vec<SpanDiff>,
    /// Index into `spans` of the first step where the runs part ways: the earliest differing span
    /// none of whose descendants differ (an agent whose answer differs because a model call under
    /// it answered differently points to that call). `None` when every span agrees.
    pub first_divergence: Option<usize>,
}

/// One run's side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSide {
    pub run_id: i64,
    pub target: String,
    pub status: RunStatus,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    /// How long the root agent ran, in milliseconds.
    pub duration_ms: Option<i64>,
    pub replay_of_run_id: Option<i64>,
}

/// One aligned step: the span of each run at the same place in the tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanDiff {
    /// How deep in the tree (the root agent is 0).
    pub depth: usize,
    /// Where it sits, readable: `pipeline/drafter/llm_call#1`.
    pub path: String,
    pub agent: String,
    pub kind: SpanKind,
    pub a: Option<SpanSide>,
    pub b: Option<SpanSide>,
    pub same_input: bool,
    /// Same output text and, for model calls, the same tool calls.
    pub same_output: bool,
    pub same_status: bool,
}

impl SpanDiff {
    /// Whether the two sides differ in input, output or status, or only one run has this step.
    pub fn differs(&self) -> bool {
        self.a.is_none()
            || self.b.is_none()
            || !(self.same_input && self.same_output && self.same_status)
    }
}

/// One run's span at an aligned place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanSide {
    pub span_id: i64,
    /// The agent type, the model or the tool name.
    pub name: String,
    pub status: RunStatus,
    pub input: Option<String>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub duration_ms: Option<i64>,
}

impl RunDiff {
    /// Compares run `a` (with its spans) with run `b` (with its).
    pub fn between(a: &Run, a_spans: &[Span], b: &Run, b_spans: &[Span]) -> RunDiff {
        let (a_tree, b_tree) = (Tree::of(a_spans), Tree::of(b_spans));
        let mut spans = Vec::new();
        align(&a_tree, &b_tree, None, None, 0, "", &mut spans);
        let first_divergence = first_divergence(&spans);
        RunDiff {
            a: RunSide::of(a, &a_tree),
            b: RunSide::of(b, &b_tree),
            same_input: a.input == b.input,
            same_output: a.output == b.output,
            same_status: a.status == b.status,
            spans,
            first_divergence,
        }
    }

    /// The aligned step where the runs first part ways.
    pub fn first_diverging_span(&self) -> Option<&SpanDiff> {
        self.first_divergence.and_then(|index| self.spans.get(index))
    }
}

impl RunSide {
    fn of(run: &Run, tree: &Tree<'_>) -> RunSide {
        let root = tree.children.get(&None).and_then(|roots| roots.first());
        RunSide {
            run_id: run.id,
            target: run.target.clone(),
            status: run.status,
            input: run.input.clone(),
            output: run.output.clone(),
            error: run.error.clone(),
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            cost_usd: run.cost_usd,
            duration_ms: root.and_then(|span| span.duration_ms),
            replay_of_run_id: run.replay_of_run_id,
        }
    }
}

impl SpanSide {
    fn of(span: &Span) -> SpanSide {
        SpanSide {
            span_id: span.id,
            name: span.name.clone(),
            status: span.status,
            input: span.input.clone(),
            output: span.output.clone(),
            error: span.error.clone(),
            input_tokens: span.input_tokens,
            output_tokens: span.output_tokens,
            cost_usd: span.cost_usd,
            duration_ms: span.duration_ms,
        }
    }
}

/// A run's spans by parent, siblings in order.
struct Tree<'a> {
    children: HashMap<Option<i64>, Vec<&'a Span>>,
}

impl<'a> Tree<'a> {
    fn of(spans: &'a [Span]) -> Tree<'a> {
        let mut children: HashMap<Option<i64>, Vec<&'a Span>> = HashMap::new();
        for span in spans {
            children.entry(span.parent_span_id).or_default().push(span);
        }
        for siblings in children.values_mut() {
            siblings.sort_by_key(|s| (s.position, s.id));
        }
        Tree { children }
    }

    /// The children of `parent`, each with its key: agent, kind and ordinal among its likes.
    fn keyed(&self, parent: Option<i64>) -> Vec<(Key, &'a Span)> {
        let mut seen: HashMap<(String, SpanKind), usize> = HashMap::new();
        let siblings = self.children.get(&parent).map(Vec::as_slice).unwrap_or_default();
        siblings
            .iter()
            .map(|span| {
                let count = seen.entry((span.agent.clone(), span.kind)).or_default();
                let key = (span.agent.clone(), span.kind, *count);
                *count += 1;
                (key, *span)
            })
            .collect()
    }
}

fn align(
    a: &Tree<'_>,
    b: &Tree<'_>,
    a_parent: Option<i64>,
    b_parent: Option<i64>,
    depth: usize,
    prefix: &str,
    out: &mut Vec<SpanDiff>,
) {
    let a_kids = if depth == 0 || a_parent.is_some() { a.keyed(a_parent) } else { Vec::new() };
    let b_kids = if depth == 0 || b_parent.is_some() { b.keyed(b_parent) } else { Vec::new() };
    // Keys in A's order; a key only B has goes right after the key B had before it.
    let mut keys: Vec<Key> = a_kids.iter().map(|(k, _)| k.clone()).collect();
    let mut after = None;
    for (key, _) in &b_kids {
        match keys.iter().position(|k| k == key) {
            Some(at) => after = Some(at),
            None => {
                // Before any shared key: ahead of the first key both runs have, else after A's.
                let first_shared = || {
                    keys.iter()
                        .position(|k| b_kids.iter().any(|(b, _)| b == k))
                        .unwrap_or(keys.len())
                };
                let at = after.map_or_else(first_shared, |i| i + 1);
                keys.insert(at, key.clone());
                after = Some(at);
            }
        }
    }
    for key in keys {
        let (a_span, b_span) = (find(&a_kids, &key), find(&b_kids, &key));
        let (agent, kind, ordinal) = key;
        let step = match ordinal {
            0 => step_name(&agent, kind),
            _ => format!("{}#{ordinal}", step_name(&agent, kind)),
        };
        let path = if prefix.is_empty() { step } else { format!("{prefix}/{step}") };
        let row = SpanDiff {
            depth,
            path: path.clone(),
            agent,
            kind,
            a: a_span.map(SpanSide::of),
            b: b_span.map(SpanSide::of),
            same_input: a_span.map(|s| &s.input) == b_span.map(|s| &s.input),
            same_output: a_span.map(answer) == b_span.map(answer),
            same_status: a_span.map(|s| s.status) == b_span.map(|s| s.status),
        };
        out.push(row);
        align(a, b, a_span.map(|s| s.id), b_span.map(|s| s.id), depth + 1, &path, out);
    }
}

type Key = (String, SpanKind, usize);

/// A step's name in a path: the agent for an agent span, else the span kind.
fn step_name(agent: &str, kind: SpanKind) -> String {
    match kind {
        SpanKind::Agent => agent.to_owned(),
        other => other.to_string(),
    }
}

fn find<'a>(kids: &[(Key, &'a Span)], key: &Key) -> Option<&'a Span> {
    kids.iter().find(|(k, _)| k == key).map(|(_, span)| *span)
}

/// What a span answered: its output, and for a model call the tool calls it asked for.
fn answer(span: &Span) -> (Option<&str>, Option<&serde_json::Value>) {
    let tool_calls = match span.kind {
        SpanKind::LlmCall => span.attributes.get("tool_calls"),
        _ => None,
    };
    (span.output.as_deref().or(span.error.as_deref()), tool_calls)
}

/// The first row only one run has (the top of a subtree only one run took), or that differs while
/// none of its descendants (the rows after it that are deeper) differ.
fn first_divergence(rows: &[SpanDiff]) -> Option<usize> {
    rows.iter().enumerate().position(|(index, row)| {
        let one_sided = row.a.is_none() || row.b.is_none();
        one_sided
            || row.differs()
                && !rows[index + 1..]
                    .iter()
                    .take_while(|later| later.depth > row.depth)
                    .any(SpanDiff::differs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunOrigin;

    fn run(id: i64, output: &str) -> Run {
        Run {
            id,
            session_id: 1,
            workflow: None,
            target: "pipeline".into(),
            definition_revision: 1,
            input: "tea".into(),
            output: Some(output.into()),
            status: RunStatus::Succeeded,
            error: None,
            origin: RunOrigin::Cli,
            replay_of_run_id: None,
            input_tokens: 10,
            output_tokens: 5,
            cost_usd: 0.0,
            created_at: String::new(),
            started_at: None,
            ended_at: None,
            queued: false,
        }
    }

    fn span(id: i64, parent: Option<i64>, position: i64, agent: &str, kind: SpanKind) -> Span {
        Span {
            id,
            run_id: 0,
            parent_span_id: parent,
            agent: agent.into(),
            kind,
            name: String::new(),
            position,
            status: RunStatus::Succeeded,
            input: Some("in".into()),
            output: Some("out".into()),
            error: None,
            attributes: Default::default(),
            input_tokens: 1,
            output_tokens: 1,
            cost_usd: 0.0,
            started_at: None,
            ended_at: None,
            duration_ms: Some(3),
        }
    }

    /// A chain of two basic agents, each with one model call.
    fn chain(first_id: i64) -> Vec<Span> {
        let id = |n: i64| first_id + n;
        vec![
            span(id(0), None, 0, "pipeline", SpanKind::Agent),
            span(id(1), Some(id(0)), 0, "drafter", SpanKind::Agent),
            span(id(2), Some(id(1)), 0, "drafter", SpanKind::LlmCall),
            span(id(3), Some(id(0)), 1, "polisher", SpanKind::Agent),
            span(id(4), Some(id(3)), 0, "polisher", SpanKind::LlmCall),
        ]
    }

    #[test]
    fn equal_runs_have_no_divergence() {
        let diff = RunDiff::between(&run(1, "x"), &chain(1), &run(2, "x"), &chain(10));
        assert_eq!(diff.spans.len(), 5);
        assert!(diff.spans.iter().all(|row| !row.differs()), "{diff:#?}");
        assert_eq!(diff.first_divergence, None);
        let paths: Vec<&str> = diff.spans.iter().map(|row| row.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "pipeline",
                "pipeline/drafter",
                "pipeline/drafter/llm_call",
                "pipeline/polisher",
                "pipeline/polisher/llm_call"
            ]
        );
    }

    #[test]
    fn the_divergence_points_to_the_call_that_answered_differently() {
        let mut b = chain(10);
        b[2].output = Some("another draft".into());
        b[3].input = Some("another draft".into());
        b[3].output = Some("another polish".into());
        b[4].input = Some("another draft".into());
        b[4].output = Some("another polish".into());
        b[0].output = Some("another polish".into());
        let diff = RunDiff::between(&run(1, "x"), &chain(1), &run(2, "y"), &b);
        assert!(!diff.same_output && diff.same_input);
        let first = diff.first_diverging_span().expect("a divergence");
        assert_eq!(first.path, "pipeline/drafter/llm_call");
        assert_eq!(first.b.as_ref().map(|s| s.span_id), Some(12));
    }

    #[test]
    fn a_step_only_one_run_took_is_aligned_in_place_and_can_be_the_divergence() {
        let a = chain(1);
        let mut b = chain(10);
        b.push(span(20, Some(11), 1, "drafter", SpanKind::ToolCall));
        b.push(span(21, Some(11), 2, "drafter", SpanKind::LlmCall));
        let diff = RunDiff::between(&run(1, "x"), &a, &run(2, "x"), &b);
        let rows: Vec<(&str, bool, bool)> = diff
            .spans
            .iter()
            .map(|row| (row.path.as_str(), row.a.is_some(), row.b.is_some()))
            .collect();
        assert_eq!(
            rows,
            [
                ("pipeline", true, true),
                ("pipeline/drafter", true, true),
                ("pipeline/drafter/llm_call", true, true),
                ("pipeline/drafter/tool_call", false, true),
                ("pipeline/drafter/llm_call#1", false, true),
                ("pipeline/polisher", true, true),
                ("pipeline/polisher/llm_call", true, true),
            ]
        );
        assert_eq!(
            diff.first_diverging_span().map(|r| r.path.as_str()),
            Some("pipeline/drafter/tool_call")
        );
    }

    #[test]
    fn runs_of_different_roots_part_ways_at_the_root() {
        let mut b = chain(10);
        for span in &mut b {
            if span.agent == "pipeline" {
                span.agent = "other".into();
            }
        }
        let diff = RunDiff::between(&run(1, "x"), &chain(1), &run(2, "x"), &b);
        assert_eq!(diff.spans.len(), 10);
        assert_eq!(diff.first_diverging_span().map(|r| r.path.as_str()), Some("pipeline"));
    }

    #[test]
    fn a_differing_tool_call_request_is_a_different_answer() {
        let a = chain(1);
        let mut b = chain(10);
        b[4].attributes.insert("tool_calls".into(), serde_json::json!([{"name": "x"}]));
        let diff = RunDiff::between(&run(1, "x"), &a, &run(2, "x"), &b);
        assert_eq!(
            diff.first_diverging_span().map(|r| r.path.as_str()),
            Some("pipeline/polisher/llm_call")
        );
    }
}
