//! `agentloom worker` and `agentloom runs wait`: the run queue from the command line. A worker
//! runs queued runs from the database, on any machine that reaches it, several at a time, and
//! posts each finished run of a workflow with a webhook to it, as the REST service does for the
//! runs it runs; `runs wait` follows one run until it ends and reports it as `run` does.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;

use super::Globals;
use super::engine_config;
use super::run::{record_logs, report, runtime};
use crate::api::{RunSummary, WebhookPolicy, Webhooks, webhook_of_run};
use crate::engine::{Engine, RunOutcome};
use crate::model::RunStatus;
use crate::store::{ProcessIdentity, Store};

/// How long a worker with nothing to do waits before it looks at the queue again.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// How often `runs wait` looks at the run.
const WAIT_POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// How many runs to run at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// What to call this worker in the database's run owners (default: the host name)
    #[arg(long)]
    name: Option<String>,
}

pub(super) fn worker(globals: &Globals, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let db = globals.db()?;
    let reader = Arc::new(Mutex::new(globals.open()?));
    let name = args.name.unwrap_or_else(|| ProcessIdentity::current().host.clone());
    let runtime = runtime()?;
    runtime.block_on(async {
        let engine = Engine::open_as(db.clone(), engine_config()?, format!("worker {name}"))?;
        record_logs(&engine);
        eprintln!(
            "worker {name}: running queued runs of {db}, {} at a time; Ctrl-C stops",
            args.concurrency
        );
        let stop = Arc::new(AtomicBool::new(false));
        let finished = Finished { reader, webhooks: Webhooks::new(WebhookPolicy::default()) };
        let slots: Vec<_> = (0..args.concurrency)
            .map(|_| {
                let slot =
                    Slot { engine: engine.clone(), name: name.clone(), finished: finished.clone() };
                tokio::spawn(slot.work(Arc::clone(&stop)))
            })
            .collect();
        super::serve::stop_signal().await;
        stop.store(true, Ordering::Relaxed);
        let stopping = engine.interrupt_all();
        if stopping > 0 {
            eprintln!("worker {name}: stopping; {stopping} runs go back to the queue");
        }
        // Each slot records its run as interrupted, then ends.
        for slot in slots {
            let _ = slot.await;
        }
        engine.close().await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What a worker does with a finished run: post it to its workflow's webhook, if it has one.
#[derive(Clone)]
struct Finished {
    reader: Arc<Mutex<Store>>,
    webhooks: Webhooks,
}

impl Finished {
    fn post(&self, run_id: i64) {
        let target = match self.reader.lock() {
            Ok(store) => store.read(|r| webhook_of_run(r, run_id)),
            Err(_) => return,
        };
        match target {
            Ok(Some((url, run))) => {
                let webhooks = self.webhooks.clone();
                tokio::spawn(
                    async move { webhooks.deliver(&url, &RunSummary::finished(run)).await },
                );
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(run = run_id, "webhook not sent: {error}"),
        }
    }
}

/// One slot of a worker.
struct Slot {
    engine: Engine,
    name: String,
    finished: Finished,
}

impl Slot {
    /// Takes the next queued run, runs it, and again, until `stop`.
    async fn work(self, stop: Arc<AtomicBool>) {
        let name = &self.name;
        while !stop.load(Ordering::Relaxed) {
            match self.engine.run_next_queued().await {
                Ok(Some(outcome)) => {
                    eprintln!("worker {name}: run {} {}", outcome.run_id, outcome.status);
                    if outcome.status.is_final() && outcome.status != RunStatus::Interrupted {
                        self.finished.post(outcome.run_id);
                    }
                }
                Ok(None) => tokio::time::sleep(IDLE_POLL).await,
                Err(error) => {
                    tracing::warn!("worker {name}: {error}");
                    eprintln!("worker {name}: {error}");
                    tokio::time::sleep(IDLE_POLL * 5).await;
                }
            }
        }
    }
}

/// Waits until run `run` ends, then reports it (its exit code is the run's, as for `run`). A
/// queued run that was interrupted is not over: a worker resumes it.
pub(super) fn wait(
    globals: &Globals,
    store: &mut Store,
    run: i64,
    timeout: Option<f64>,
) -> anyhow::Result<ExitCode> {
    let deadline = match timeout {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Some(Instant::now() + Duration::from_secs_f64(seconds))
        }
        Some(seconds) => anyhow::bail!("--timeout {seconds}: give a number of seconds, 0 or more"),
        None => None,
    };
    // The run is read again only when another connection committed something (on PostgreSQL,
    // when a commit notice arrived).
    let mut seen = None;
    let mut status = RunStatus::Queued;
    loop {
        let version = store.data_version()?;
        if seen != Some(version) {
            seen = Some(version);
            let found = store.read(|r| r.run(run))?;
            status = found.status;
            if found.is_over() {
                let outcome = RunOutcome::from(found);
                return report(globals, &outcome, false);
            }
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            anyhow::bail!(
                "run {run} is still {status} after {} s; wait again, or cancel it (agentloom runs cancel {run})",
                timeout.unwrap_or_default()
            );
        }
        std::thread::sleep(WAIT_POLL);
    }
}
