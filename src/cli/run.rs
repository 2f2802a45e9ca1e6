//! `agentloom run` and `agentloom chat`: running a workflow or agent from the terminal, with live
//! progress of its spans on standard error and the answer on standard output (as it streams,
//! `streamed_answer.rs`).

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use tokio::sync::broadcast::error::RecvError;

use super::Globals;
use super::engine_config;
use super::output::print_json;
use super::streamed_answer::StreamedAnswer;
use crate::engine::{Engine, EngineError, RunEvent, RunOutcome, RunRequest};
use crate::model::{AgentKind, RunOrigin, RunStatus, SpanKind};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A workflow or an agent
    name: String,
    /// What to give it
    #[arg(long, short)]
    input: String,
    /// Continue this session (its history and variables) instead of starting a new one
    #[arg(long)]
    session: Option<i64>,
    /// Print no progress, only the answer
    #[arg(long, short)]
    quiet: bool,
    /// Leave the run to a worker (`agentloom worker`): print its id and return at once
    #[arg(long)]
    queue: bool,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// A workflow or an agent
    name: String,
    /// Continue this session
    #[arg(long)]
    session: Option<i64>,
}

/// Builds the runtime the engine runs on; the CLI has no global one.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

pub(super) fn run(globals: &Globals, args: RunArgs) -> anyhow::Result<ExitCode> {
    let request = RunRequest {
        target: args.name.clone(),
        input: args.input,
        session: args.session,
        origin: RunOrigin::Cli,
    };
    if args.queue {
        return enqueue(globals, request);
    }
    execute(globals, &args.name, args.quiet, move |engine| async move { engine.run(request).await })
}

/// Enqueues `request` for workers and prints the run's id (with `--json`, the run's id, session
/// and status).
fn enqueue(globals: &Globals, request: RunRequest) -> anyhow::Result<ExitCode> {
    let db = globals.db()?;
    let runtime = runtime()?;
    let queued = runtime.block_on(async {
        let engine = Engine::open(db, engine_config()?)?;
        let queued = engine.enqueue(request).await;
        engine.close().await?;
        anyhow::Ok(queued?)
    })?;
    if globals.json {
        print_json(&queued)?;
    } else {
        println!("{}", queued.run_id);
        eprintln!(
            "run {} queued (session {}); a worker runs it: agentloom worker; wait for it: agentloom runs wait {}",
            queued.run_id, queued.session_id, queued.run_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs what `start` starts on an engine of its own (a run of `target`, a replay or a resume of
/// one), with progress on standard error unless `quiet`, Ctrl-C or SIGTERM interrupting it (it is
/// recorded as interrupted, to be resumed), and reports how it ended.
pub(super) fn execute<F, Fut>(
    globals: &Globals,
    target: &str,
    quiet: bool,
    start: F,
) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Engine) -> Fut,
    Fut: Future<Output = Result<RunOutcome, EngineError>> + Send + 'static,
{
    let db = globals.db()?;
    let streams_answer = root_is_basic(&globals.open()?, target)?;
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        let engine = Engine::open(db.clone(), engine_config()?)?;
        record_logs(&engine);
        let progress = !quiet && !globals.json;
        let watcher =
            tokio::spawn(watch(engine.subscribe(), progress, streams_answer && !globals.json));
        let outcome = run_with_interrupt(&engine, start).await;
        engine.close().await?;
        // The watcher stops when the last sender of events is gone.
        drop(engine);
        let streamed = watcher.await.unwrap_or(false);
        outcome.map(|o| (o, streamed))
    });
    let (outcome, streamed) = outcome?;
    report(globals, &outcome, streamed)
}

/// Sends what runs log (at info and above) to the database's logs table.
pub(super) fn record_logs(engine: &Engine) {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(engine.log_layer(tracing::Level::INFO));
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Runs what `start` starts; Ctrl-C or SIGTERM stops it, recorded as interrupted.
async fn run_with_interrupt<F, Fut>(engine: &Engine, start: F) -> anyhow::Result<RunOutcome>
where
    F: FnOnce(Engine) -> Fut,
    Fut: Future<Output = Result<RunOutcome, EngineError>> + Send + 'static,
{
    let mut run = tokio::spawn(start(engine.clone()));
    let outcome = tokio::select! {
        outcome = &mut run => outcome,
        _ = super::serve::stop_signal() => {
            engine.interrupt_all();
            run.await
        }
    };
    Ok(outcome??)
}

/// Whether `name` runs as a basic agent, whose own model calls are the answer (and so can stream).
fn root_is_basic(store: &crate::store::Store, name: &str) -> anyhow::Result<bool> {
    let root = store.read(|r| match r.find_workflow(name)? {
        Some(workflow) => r.find_agent(&workflow.spec.root),
        None => r.find_agent(name),
    })?;
    Ok(root.is_some_and(|agent| agent.spec.kind == AgentKind::Basic))
}

/// Prints progress lines (and, when the answer comes from the root agent's own calls, its text as
/// it streams); returns whether the answer was streamed.
async fn watch(
    mut events: tokio::sync::broadcast::Receiver<RunEvent>,
    progress: bool,
    stream_root: bool,
) -> bool {
    let mut spans: HashMap<i64, (usize, String, SpanKind)> = HashMap::new();
    let mut answer = StreamedAnswer::new(std::io::stdout().is_terminal());
    let mut stderr = std::io::stderr();
    // The root agent's own model calls, one level below its span.
    let is_root_call = |spans: &HashMap<i64, (usize, String, SpanKind)>, span_id: &i64| {
        stream_root && spans.get(span_id).is_some_and(|(d, _, _)| *d == 1)
    };
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return answer.printed,
        };
        if let RunEvent::SpanFinished { span_id, status, .. } = &event
            && is_root_call(&spans, span_id)
        {
            answer.finish(*span_id, *status == RunStatus::Succeeded);
        }
        if answer.mid_line && !matches!(event, RunEvent::Text { .. }) {
            println!();
            answer.mid_line = false;
        }
        match event {
            RunEvent::RunStarted { run_id, session_id, target } if progress => {
                let _ = writeln!(stderr, "run {run_id} of {target} (session {session_id})");
            }
            RunEvent::SpanStarted { span_id, parent_span_id, agent, kind, name, .. } => {
                let level = parent_span_id.and_then(|p| spans.get(&p)).map_or(0, |(d, _, _)| d + 1);
                if progress && kind == SpanKind::Agent {
                    let _ = writeln!(stderr, "{}▶ {agent} ({name})", "  ".repeat(level));
                }
                spans.insert(span_id, (level, agent, kind));
            }
            RunEvent::SpanFinished {
                span_id,
                status,
                input_tokens,
                output_tokens,
                duration_ms,
                ..
            } if progress => {
                if let Some((level, agent, SpanKind::Agent)) = spans.get(&span_id) {
                    let mark = if status == RunStatus::Succeeded { "✓" } else { "✗" };
                    let _ = writeln!(
                        stderr,
                        "{}{mark} {agent} {status} in {duration_ms} ms, {input_tokens} tokens in, {output_tokens} out",
                        "  ".repeat(*level)
                    );
                }
            }
            RunEvent::Text { text, span_id, .. } if is_root_call(&spans, &span_id) => {
                answer.text(span_id, &text);
            }
            RunEvent::TextRetracted { span_id, .. } if is_root_call(&spans, &span_id) => {
                answer.retract(span_id);
            }
            RunEvent::HumanInputRequested { request_id, agent, prompt, .. } => {
                let _ = writeln!(
                    stderr,
                    "? {agent} asks: {prompt}\n  answer with: agentloom answer {request_id} \"...\""
                );
            }
            RunEvent::RunFinished { .. } => return answer.printed,
            _ => {}
        }
    }
}

pub(super) fn report(
    globals: &Globals,
    outcome: &RunOutcome,
    streamed: bool,
) -> anyhow::Result<ExitCode> {
    let code =
        if outcome.status == RunStatus::Succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if globals.json {
        print_json(&serde_json::json!({
            "run_id": outcome.run_id,
            "session_id": outcome.session_id,
            "status": outcome.status,
            "output": outcome.output,
            "error": outcome.error,
            "tokens": {"input": outcome.input_tokens, "output": outcome.output_tokens},
            "cost_usd": outcome.cost_usd,
        }))?;
        return Ok(code);
    }
    match (&outcome.output, &outcome.error) {
        (Some(_), _) if streamed => {}
        (Some(output), _) => println!("{output}"),
        (None, Some(error)) if outcome.status == RunStatus::Interrupted => {
            eprintln!("run {} {error}", outcome.run_id)
        }
        (None, Some(error)) => {
            eprintln!("error: run {} {}: {error}", outcome.run_id, outcome.status)
        }
        (None, None) => {}
    }
    Ok(code)
}

pub(super) fn chat(globals: &Globals, args: ChatArgs) -> anyhow::Result<ExitCode> {
    let db = globals.db()?;
    drop(globals.open()?);
    let runtime = runtime()?;
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let config = engine_config()?;
    let engine = runtime.block_on(async { Engine::open(db.clone(), config) })?;
    record_logs(&engine);
    let mut session = args.session;
    if interactive {
        eprintln!("Chatting with {}; an empty line or Ctrl-D ends.", args.name);
    }
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            break;
        }
        let request =
            RunRequest { target: args.name.clone(), input: line, session, origin: RunOrigin::Cli };
        let outcome = runtime.block_on(engine.run(request))?;
        session = Some(outcome.session_id);
        match (&outcome.output, &outcome.error) {
            (Some(output), _) => println!("{output}"),
            (None, Some(error)) => eprintln!("error: {error}"),
            (None, None) => {}
        }
        if interactive {
            eprint!("> ");
        }
    }
    runtime.block_on(engine.close())?;
    if let Some(id) = session {
        eprintln!("Session {id}; continue it with --session {id}.");
    }
    Ok(ExitCode::SUCCESS)
}
