//! `agentloom runs diff A B`: two runs side by side, their totals with deltas, their steps aligned
//! by place in the tree, and the first step where they part ways marked and shown.

use std::process::ExitCode;

use super::Globals;
use super::output::{print_json, print_table, short};
use crate::model::{RunDiff, SpanDiff, SpanSide};

pub(super) fn diff(globals: &Globals, a: i64, b: i64) -> anyhow::Result<ExitCode> {
    let diff = globals.open()?.read(|r| r.run_diff(a, b))?;
    if globals.json {
        return print_json(&diff);
    }
    print_totals(&diff);
    println!();
    let rows: Vec<Vec<String>> = diff
        .spans
        .iter()
        .enumerate()
        .map(|(index, row)| step_row(row, diff.first_divergence == Some(index)))
        .collect();
    print_table(
        &["", "STEP", "SPAN A/B", "STATUS", "TOKENS IN/OUT", "COST", "MS", "OUTPUT"],
        &rows,
    );
    println!();
    match diff.first_diverging_span() {
        None => println!("No divergence: every step took the same input and gave the same output."),
        Some(row) => print_divergence(&diff, row),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_totals(diff: &RunDiff) {
    let (a, b) = (&diff.a, &diff.b);
    let same = |equal: bool, text: String| if equal { "(same)".to_owned() } else { text };
    let tokens = |input: i64, output: i64| format!("{input} in, {output} out");
    let ms = |ms: Option<i64>| ms.map_or_else(|| "-".to_owned(), |ms| format!("{ms} ms"));
    let mut rows = vec![
        vec!["target".into(), a.target.clone(), same(a.target == b.target, b.target.clone())],
        vec!["status".into(), a.status.to_string(), same(diff.same_status, b.status.to_string())],
        vec!["input".into(), short(&a.input, 40), same(diff.same_input, short(&b.input, 40))],
        vec![
            "output".into(),
            short(a.output.as_deref().or(a.error.as_deref()).unwrap_or("-"), 40),
            same(
                diff.same_output,
                short(b.output.as_deref().or(b.error.as_deref()).unwrap_or("-"), 40),
            ),
        ],
        vec![
            "tokens".into(),
            tokens(a.input_tokens, a.output_tokens),
            format!(
                "{}  ({:+}, {:+})",
                tokens(b.input_tokens, b.output_tokens),
                b.input_tokens - a.input_tokens,
                b.output_tokens - a.output_tokens
            ),
        ],
        vec![
            "cost".into(),
            format!("${:.6}", a.cost_usd),
            format!("${:.6}  ({})", b.cost_usd, signed_usd(b.cost_usd - a.cost_usd)),
        ],
        vec![
            "time".into(),
            ms(a.duration_ms),
            match (a.duration_ms, b.duration_ms) {
                (Some(x), Some(y)) => format!("{y} ms  ({:+} ms)", y - x),
                _ => ms(b.duration_ms),
            },
        ],
    ];
    if let Some(source) = b.replay_of_run_id.or(a.replay_of_run_id) {
        let which = if b.replay_of_run_id.is_some() { b.run_id } else { a.run_id };
        rows.push(vec![
            "replay".into(),
            String::new(),
            format!("run {which} replays run {source}"),
        ]);
    }
    print_table(&["", &format!("RUN {}", a.run_id), &format!("RUN {}", b.run_id)], &rows);
}

fn signed_usd(delta: f64) -> String {
    if delta < 0.0 { format!("-${:.6}", -delta) } else { format!("+${delta:.6}") }
}

/// One aligned step: `▶` marks the first divergence, `≠` any other step that differs.
fn step_row(row: &SpanDiff, first: bool) -> Vec<String> {
    let mark = if first {
        "▶"
    } else if row.differs() {
        "≠"
    } else {
        ""
    };
    let step = row.path.rsplit('/').next().unwrap_or(&row.path);
    let step = match (row.kind, side(row).map(|s| s.name.as_str())) {
        (crate::model::SpanKind::Agent, Some(kind)) => format!("{step} ({kind})"),
        (crate::model::SpanKind::ToolCall, Some(tool)) => format!("{} tool_call {tool}", row.agent),
        (_, _) => format!("{} {step}", row.agent),
    };
    let both = |f: &dyn Fn(&SpanSide) -> String| {
        let (a, b) = (row.a.as_ref().map(f), row.b.as_ref().map(f));
        match (a, b) {
            (Some(a), Some(b)) if a == b => a,
            (a, b) => {
                format!("{} → {}", a.unwrap_or_else(|| "-".into()), b.unwrap_or_else(|| "-".into()))
            }
        }
    };
    let output = match (&row.a, &row.b) {
        (Some(_), None) => "only in A".to_owned(),
        (None, Some(_)) => "only in B".to_owned(),
        _ if !row.same_output => "differs".to_owned(),
        _ if !row.same_input => "same (input differs)".to_owned(),
        _ => "same".to_owned(),
    };
    vec![
        mark.to_owned(),
        format!("{}{step}", "  ".repeat(row.depth)),
        format!("{}/{}", span_id(&row.a), span_id(&row.b)),
        both(&|s| s.status.to_string()),
        both(&|s| format!("{}/{}", s.input_tokens, s.output_tokens)),
        both(&|s| format!("${:.6}", s.cost_usd)),
        both(&|s| s.duration_ms.map_or_else(|| "-".into(), |ms| ms.to_string())),
        output,
    ]
}

fn span_id(side: &Option<SpanSide>) -> String {
    side.as_ref().map_or_else(|| "-".into(), |s| s.span_id.to_string())
}

fn side(row: &SpanDiff) -> Option<&SpanSide> {
    row.a.as_ref().or(row.b.as_ref())
}

fn print_divergence(diff: &RunDiff, row: &SpanDiff) {
    println!(
        "First divergence: {} (span {} of run {}, span {} of run {})",
        row.path,
        span_id(&row.a),
        diff.a.run_id,
        span_id(&row.b),
        diff.b.run_id
    );
    let what = if row.a.is_none() || row.b.is_none() {
        "only one run took this step"
    } else if !row.same_status {
        "the status differs"
    } else if !row.same_output {
        "the output differs"
    } else {
        "the input differs"
    };
    println!("  {what}");
    for (run, side) in [(diff.a.run_id, &row.a), (diff.b.run_id, &row.b)] {
        let shown = match side {
            None => "(no such step)".to_owned(),
            Some(s) if !row.same_output || row.a.is_none() || row.b.is_none() => {
                let text = s.output.as_deref().or(s.error.as_deref()).unwrap_or("-");
                format!("{} → {}", s.status, short(text, 100))
            }
            Some(s) => format!("input: {}", short(s.input.as_deref().unwrap_or("-"), 100)),
        };
        println!("  run {run}: {shown}");
    }
}
