//! `agentloom runs`, `history`, `logs`, `answer` and `state`: what ran, what was said, what was
//! logged, questions waiting for the user, and agents' saved state.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::Subcommand;

use super::Globals;
use super::output::{print_fields, print_json, print_table, short};
use crate::model::{HumanInputStatus, LogLevel, RunStatus, Span};
use crate::store::{LogFilter, RunFilter, Store};

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first
    List {
        /// Only runs of this workflow
        #[arg(long)]
        workflow: Option<String>,
        /// Only runs with this status
        #[arg(long)]
        status: Option<RunStatus>,
        /// At most this many
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Show a run: its span tree with status, timings and tokens
    Show { run: i64 },
    /// Compare two runs: totals, their steps aligned, and the first step where they part ways
    Diff { a: i64, b: i64 },
    /// Continue an interrupted run as itself: finished steps are reused, the rest runs live
    Resume {
        run: i64,
        /// Print no progress, only the answer
        #[arg(long, short)]
        quiet: bool,
    },
    /// Cancel a run: one going on in another process is asked to stop there; an interrupted or
    /// queued one is not resumed or taken
    Cancel { run: i64 },
    /// Delete the runs that ended more than DAYS days ago, with their spans, messages and logs
    /// (runs going on or queued are kept)
    Prune {
        #[arg(long, value_name = "DAYS")]
        older_than: f64,
    },
    /// Wait until a run ends (a queued one: until a worker has run it), then report it as `run` does
    Wait {
        run: i64,
        /// Give up after this many seconds (default: wait as long as it takes)
        #[arg(long)]
        timeout: Option<f64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Print the value of KEY for AGENT
    Get {
        agent: String,
        key: String,
        /// In this session (default: the agent's state across sessions)
        #[arg(long)]
        session: Option<i64>,
    },
    /// Set KEY of AGENT to VALUE (JSON, or plain text)
    Set {
        agent: String,
        key: String,
        value: String,
        #[arg(long)]
        session: Option<i64>,
    },
}

pub(super) fn runs(globals: &Globals, command: RunsCommand) -> anyhow::Result<ExitCode> {
    let mut store = globals.open()?;
    match command {
        RunsCommand::Resume { run, quiet } => {
            let target = store.read(|r| r.run(run))?.target;
            drop(store);
            return super::run::execute(globals, &target, quiet, move |engine| async move {
                engine.resume(run).await
            });
        }
        RunsCommand::Cancel { run } => {
            let status = store.read(|r| r.run(run))?.status;
            if store.write("cancelling a run", |w| w.cancel_run_not_going(run))? {
                println!("run {run} cancelled");
            } else if store.write("asking to cancel a run", |w| w.request_cancel(run))? {
                println!(
                    "run {run} runs in another process; it was asked to stop and ends cancelled within seconds"
                );
            } else {
                anyhow::bail!("run {run} has already ended ({status}); there is nothing to cancel");
            }
        }
        RunsCommand::Prune { older_than } => return prune(globals, &mut store, older_than),
        RunsCommand::Wait { run, timeout } => {
            return super::worker::wait(globals, &mut store, run, timeout);
        }
        RunsCommand::List { workflow, status, limit } => {
            let filter = RunFilter { workflow, status, session_id: None, limit: Some(limit) };
            let runs = store.read(|r| r.runs(&filter))?;
            if globals.json {
                return print_json(&runs);
            }
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        match r.replay_of_run_id {
                            Some(source) => format!("{} (replay of {source})", r.target),
                            None => r.target.clone(),
                        },
                        r.status.to_string(),
                        r.session_id.to_string(),
                        format!("{}/{}", r.input_tokens, r.output_tokens),
                        r.created_at.clone(),
                        short(&r.input, 40),
                    ]
                })
                .collect();
            print_table(
                &["RUN", "TARGET", "STATUS", "SESSION", "TOKENS IN/OUT", "STARTED", "INPUT"],
                &rows,
            );
        }
        RunsCommand::Diff { a, b } => return super::diff::diff(globals, a, b),
        RunsCommand::Show { run } => {
            let (run, spans, source) =
                store.read(|r| Ok((r.run(run)?, r.spans(run)?, r.replay_source(run)?)))?;
            if globals.json {
                return print_json(
                    &serde_json::json!({"run": run, "spans": spans, "replay_of": source}),
                );
            }
            print_fields(&[
                ("run", run.id.to_string()),
                ("target", run.target.clone()),
                ("status", run.status.to_string()),
                ("session", run.session_id.to_string()),
                ("definitions", format!("revision {}", run.definition_revision)),
                ("tokens", format!("{} in, {} out", run.input_tokens, run.output_tokens)),
                ("cost", format!("${:.6}", run.cost_usd)),
                ("started", run.started_at.clone().unwrap_or_default()),
                ("ended", run.ended_at.clone().unwrap_or_default()),
                ("input", run.input.clone()),
                ("output", run.output.clone().unwrap_or_else(|| "-".into())),
            ]);
            if let Some(source) = source {
                match source.from_span_id {
                    Some(span) => println!("replay of run {} from span {span}", source.run_id),
                    None => println!("replay of run {}", source.run_id),
                }
            }
            if let Some(error) = &run.error {
                println!("error: {error}");
            }
            if run.status == RunStatus::Interrupted {
                println!(
                    "resume it with `agentloom runs resume {0}`, or drop it with `agentloom runs cancel {0}`",
                    run.id
                );
            }
            println!();
            print_table(
                &["SPAN", "STEP", "STATUS", "MS", "TOKENS IN/OUT", "COST"],
                &span_tree(&spans),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The spans as an indented tree, parents before children, siblings in order.
fn span_tree(spans: &[Span]) -> Vec<Vec<String>> {
    let mut children: HashMap<Option<i64>, Vec<&Span>> = HashMap::new();
    for span in spans {
        children.entry(span.parent_span_id).or_default().push(span);
    }
    let mut rows = Vec::new();
    let mut pending: Vec<(&Span, usize)> =
        children.get(&None).into_iter().flatten().rev().map(|s| (*s, 0)).collect();
    while let Some((span, depth)) = pending.pop() {
        let what = match span.kind {
            crate::model::SpanKind::Agent => format!("{} ({})", span.agent, span.name),
            other => format!("{other} {}", span.name),
        };
        rows.push(vec![
            span.id.to_string(),
            format!("{}{what}", "  ".repeat(depth)),
            span.status.to_string(),
            span.duration_ms.map_or_else(|| "-".into(), |ms| ms.to_string()),
            format!("{}/{}", span.input_tokens, span.output_tokens),
            format!("${:.6}", span.cost_usd),
        ]);
        if let Some(kids) = children.get(&Some(span.id)) {
            pending.extend(kids.iter().rev().map(|kid| (*kid, depth + 1)));
        }
    }
    rows
}

pub(super) fn history(globals: &Globals, session: i64) -> anyhow::Result<ExitCode> {
    let messages = globals.open()?.read(|r| {
        r.session(session)?;
        r.messages(session)
    })?;
    if globals.json {
        return print_json(&messages);
    }
    for message in &messages {
        let who = message.agent.as_deref().unwrap_or("-");
        let body = match message.role {
            crate::model::Role::ToolCall | crate::model::Role::ToolResponse => {
                serde_json::to_string(&message.content).unwrap_or_default()
            }
            _ => message.text(),
        };
        println!(
            "#{} [{}] {who} (run {}):",
            message.sequence_number,
            message.role,
            message.run_id.unwrap_or(0)
        );
        for line in body.lines() {
            println!("    {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn logs(
    globals: &Globals,
    run: Option<i64>,
    level: Option<LogLevel>,
    limit: i64,
) -> anyhow::Result<ExitCode> {
    let records =
        globals.open()?.read(|r| r.logs(&LogFilter { run_id: run, level, limit: Some(limit) }))?;
    if globals.json {
        return print_json(&records);
    }
    for record in &records {
        let place = match (record.run_id, record.agent.as_deref()) {
            (Some(run), Some(agent)) => format!(" run {run} {agent}"),
            (Some(run), None) => format!(" run {run}"),
            _ => String::new(),
        };
        println!("{} {:<5}{place}: {}", record.at, record.level, record.message);
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn answer(
    globals: &Globals,
    request: Option<i64>,
    text: Option<String>,
    decline: bool,
) -> anyhow::Result<ExitCode> {
    let mut store = globals.open()?;
    let Some(id) = request else {
        let pending = store.read(|r| r.human_inputs(Some(HumanInputStatus::Pending)))?;
        if globals.json {
            return print_json(&pending);
        }
        if pending.is_empty() {
            println!("No question is waiting for an answer.");
        }
        for request in &pending {
            let who = request.agent.as_deref().unwrap_or("an MCP server");
            println!(
                "{} (run {}) {who} asks: {}",
                request.id,
                request.run_id.unwrap_or(0),
                request.prompt
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let (status, value) = match (decline, text) {
        (true, _) => (HumanInputStatus::Declined, None),
        (false, Some(text)) => {
            let value = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .filter(serde_json::Value::is_object)
                .unwrap_or(serde_json::Value::String(text));
            (HumanInputStatus::Answered, Some(value))
        }
        (false, None) => anyhow::bail!("give the answer as TEXT, or --decline"),
    };
    store.write("answering a question", |w| w.answer_human_input(id, status, value.as_ref()))?;
    println!("Request {id} {status}.");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn state(globals: &Globals, command: StateCommand) -> anyhow::Result<ExitCode> {
    let mut store = globals.open()?;
    match command {
        StateCommand::Get { agent, key, session } => {
            match store.read(|r| r.load_state(&agent, session, &key))? {
                Some(value) => println!("{value}"),
                None => anyhow::bail!("agent \"{agent}\" has nothing saved under \"{key}\""),
            }
        }
        StateCommand::Set { agent, key, value, session } => {
            let value = serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value));
            store.write("saving agent state", |w| w.save_state(&agent, session, &key, &value))?;
            println!("Saved \"{key}\" for agent \"{agent}\".");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How many runs one prune transaction deletes, so that other writers wait for it only briefly.
const PRUNE_BATCH: i64 = 500;

fn prune(globals: &Globals, store: &mut Store, days: f64) -> anyhow::Result<ExitCode> {
    if !days.is_finite() || days < 0.0 {
        anyhow::bail!("--older-than {days}: give a number of days, 0 or more");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64);
    let before = crate::model::format_epoch_millis(now - (days * 86_400_000.0) as i64);
    let mut deleted = 0;
    loop {
        let batch = store.write("pruning runs", |w| w.prune_runs(&before, PRUNE_BATCH))?;
        deleted += batch;
        if (batch as i64) < PRUNE_BATCH {
            break;
        }
    }
    if globals.json {
        print_json(&serde_json::json!({"deleted_runs": deleted, "before": before}))?;
    } else {
        println!(
            "Deleted {deleted} runs that ended before {before}, with their spans, messages and logs."
        );
    }
    Ok(ExitCode::SUCCESS)
}
