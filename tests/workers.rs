//! Workers on one database, on both backends: 200 queued runs of a two-step chain on 3 workers,
//! one of them killed with `kill -9` while it runs some: every run ends succeeded, no finished
//! step of a resumed run is called again, and no run or lease is left claimed. Plus the queue
//! from the CLI (`run --queue`, `runs wait`, `runs cancel`) and REST (`"queue": true`).

#[path = "support/api_server.rs"]
mod api_server;
#[path = "support/scripted_llm.rs"]
mod scripted_llm;
mod support;

use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use agentloom::engine::{Engine, EngineConfig, RunRequest};
use agentloom::model::RunOrigin;
use api_server::{ApiServer, WebhookReceiver, sse_events};
use scripted_llm::{Answer, Reply, ScriptedLlm};
use serde_json::{Value, json};
use support::ASKER;
use support::Sandbox;
use support::backends::Backend;

const RUNS: usize = 200;
const WORKERS: usize = 3;
const CONCURRENCY: usize = 4;

/// A database whose `writing` workflow chains `drafter` (asked "Draft: INPUT") and `polisher`,
/// both on a model at `server`.
fn writing_chain(backend: Backend, server: &ScriptedLlm) -> Sandbox {
    let sandbox = Sandbox::empty_on(backend);
    let base = server.base_url();
    let model = ["--provider", "generic", "--model", "scripted", "--base-url", &base];
    sandbox.run(&[&["llm", "add", "model"][..], &model].concat()).ok();
    for (agent, instruction) in [("drafter", "Draft: {{input}}"), ("polisher", "Polish it.")] {
        let add = ["agent", "add", agent, "--type", "basic", "--llm", "model"];
        sandbox.run(&[&add[..], &["--instruction", instruction]].concat()).ok();
    }
    for args in [
        &["agent", "add", "pipeline", "--type", "chain"][..],
        &["link", "add", "pipeline", "drafter", "--type", "chains_to"],
        &["link", "add", "pipeline", "polisher", "--type", "chains_to"],
        &["workflow", "add", "writing", "--root", "pipeline"],
    ] {
        sandbox.run(args).ok();
    }
    sandbox
}

/// An `agentloom worker` process, killed when dropped, so that a failing test leaves none behind.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// `kill -9`, as a machine that dies would.
    fn kill_hard(&mut self) {
        self.0.kill().expect("kill -9");
        self.0.wait().expect("wait");
    }

    /// SIGTERM, and the worker must stop cleanly.
    fn stop(&mut self) {
        let pid = self.pid().to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(sent.success());
        let status = self.0.wait().expect("wait");
        assert!(status.success(), "a worker stopped with {status}");
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn start_worker(sandbox: &Sandbox, name: &str) -> WorkerProcess {
    let concurrency = CONCURRENCY.to_string();
    let child = sandbox
        .command(&["worker", "--concurrency", &concurrency, "--name", name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a worker");
    WorkerProcess(child)
}

fn count(sandbox: &Sandbox, sql: &str) -> i64 {
    sandbox.raw().value(sql).parse().expect("a count")
}

/// Waits until `sql` (one number) reaches `want`, for at most `limit`.
fn wait_for(sandbox: &Sandbox, sql: &str, want: i64, limit: Duration) {
    let started = Instant::now();
    loop {
        let got = count(sandbox, sql);
        if got >= want {
            return;
        }
        assert!(started.elapsed() < limit, "{sql} stayed at {got}, not {want}, for {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn queued_runs_survive_a_worker_killed_mid_run(backend: Backend) {
    let answer = || Reply::Answer(Answer::text(&["A ", "draft ", "of it."]).with_pace(ms(15)));
    let server = ScriptedLlm::start((0..2 * RUNS + 2 * CONCURRENCY).map(|_| answer())).await;
    let sandbox = writing_chain(backend, &server);
    let engine = Engine::open(sandbox.location.clone(), EngineConfig::default()).expect("engine");
    for item in 0..RUNS {
        let input = format!("item {item}");
        let request =
            RunRequest { target: "writing".into(), input, session: None, origin: RunOrigin::Cli };
        engine.enqueue(request).await.expect("enqueue");
    }
    engine.close().await.expect("close");
    drop(engine);

    let mut workers: Vec<WorkerProcess> =
        (0..WORKERS).map(|n| start_worker(&sandbox, &format!("w{n}"))).collect();
    wait_for(&sandbox, "SELECT count(*) FROM runs WHERE status = 'succeeded'", 20, secs(60));
    // The victim is the worker with the most runs going right now.
    let busiest = sandbox.raw().rows(
        "SELECT o.pid FROM runs r JOIN run_owners o ON o.id = r.owner_id
         WHERE r.status = 'running' GROUP BY o.pid ORDER BY count(*) DESC LIMIT 1",
    );
    let victim_pid: u32 = busiest[0][0].parse().expect("pid");
    let victim = workers.iter().position(|w| w.pid() == victim_pid).expect("a worker's pid");
    let mut killed = workers.remove(victim);
    killed.kill_hard();

    let all = RUNS as i64;
    wait_for(&sandbox, "SELECT count(*) FROM runs WHERE status = 'succeeded'", all, secs(180));
    for worker in &mut workers {
        worker.stop();
    }
    assert_eq!(count(&sandbox, "SELECT count(*) FROM runs WHERE status <> 'succeeded'"), 0);
    assert_eq!(count(&sandbox, "SELECT count(*) FROM runs WHERE owner_id IS NOT NULL"), 0);
    assert_eq!(count(&sandbox, "SELECT count(*) FROM run_owners"), 0, "every lease given back");
    let resumed = count(&sandbox, "SELECT count(*) FROM runs WHERE attempt > 1");
    // The victim's slots are never all idle while the queue is long.
    let slots = CONCURRENCY as i64;
    assert!((1..=slots).contains(&resumed), "{resumed} resumed; the killed worker ran {slots}");
    assert_eq!(
        count(&sandbox, "SELECT count(*) FROM spans WHERE status <> 'succeeded'"),
        0,
        "each run reads as one that went through"
    );

    // No finished step was called again: each run asked for its draft once, unless the kill cut
    // that very call; and the calls beyond two per run are the ones the kill cut.
    let journal = server.journal();
    let mut drafts: HashMap<String, usize> = HashMap::new();
    for request in &journal {
        let body = request.body.to_string();
        if let Some(at) = body.find("Draft: item ") {
            let item: String = body[at + 12..].chars().take_while(char::is_ascii_digit).collect();
            *drafts.entry(item).or_default() += 1;
        }
    }
    assert_eq!(drafts.len(), RUNS, "every run asked for its draft");
    let redrafted = drafts.values().filter(|&&n| n > 1).count() as i64;
    assert!(drafts.values().all(|&n| n <= 2), "a draft asked for three times");
    assert!(redrafted <= resumed, "{redrafted} drafts again, {resumed} runs resumed");
    let extra = journal.len() as i64 - 2 * all;
    assert!((0..=resumed).contains(&extra), "{extra} calls beyond two per run, {resumed} resumed");
}

fn the_queue_from_the_cli_and_rest(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let queued = sandbox.run(&["run", "hello_basic", "--input", "tea", "--queue"]).ok();
    let run: i64 = queued.stdout.trim().parse().expect("the run's id alone on stdout");
    assert!(queued.stderr.contains(&format!("agentloom runs wait {run}")), "{}", queued.stderr);
    sandbox.run(&["runs", "wait", &run.to_string(), "--timeout", "0.3"]).fails_with(&format!(
        "run {run} is still queued after 0.3 s; wait again, or cancel it (agentloom runs cancel {run})"
    ));
    let cancelled = sandbox.run(&["run", "hello_basic", "--input", "never", "--queue"]).ok();
    let cancelled = cancelled.stdout.trim().to_owned();
    sandbox.run(&["runs", "cancel", &cancelled]).ok();

    let service = ApiServer::start(&sandbox);
    let http = service.client();
    let session =
        http.post("/sessions", json!({"target": "hello_basic"})).expect(201)["id"].clone();
    let send = format!("/sessions/{session}/send");
    let first = http.post(&send, json!({"message": "one", "queue": true})).expect(202);
    assert_eq!(first["status"], "queued", "{first}");
    let second = http.post(&send, json!({"message": "two", "queue": true})).expect(202);
    let listed = http.get(&format!("/runs/{}", first["run_id"])).expect(200);
    assert_eq!(listed["run"]["queued"], true, "{listed}");
    // A REST client follows the run a worker will run, from before it starts.
    let watching = {
        let (base, path) = (service.base(), format!("/runs/{}/watch", first["run_id"]));
        std::thread::spawn(move || api_server::Http::new(&base, None).get(&path).text)
    };
    std::thread::sleep(ms(300));

    let mut worker = start_worker(&sandbox, "solo");
    let waited = sandbox.run(&["--json", "runs", "wait", &run.to_string()]).ok();
    let waited: Value = serde_json::from_str(&waited.stdout).expect("JSON");
    assert_eq!(
        (waited["status"].as_str(), waited["output"].as_str()),
        (Some("succeeded"), Some("tea"))
    );
    let last = second["run_id"].to_string();
    sandbox.run(&["runs", "wait", &last]).ok();
    let history = http.get(&format!("/sessions/{session}/history")).expect(200);
    let said: Vec<&str> = history
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["content"][0]["text"].as_str())
        .collect();
    assert_eq!(said, ["one", "one", "two", "two"], "a session's queued turns in their order");
    let events = sse_events(&watching.join().expect("the watch"));
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    let statuses: Vec<&str> = events
        .iter()
        .filter(|(name, _)| name == "run")
        .filter_map(|(_, run)| run["status"].as_str())
        .collect();
    assert_eq!(statuses.first(), Some(&"queued"), "{names:?}");
    assert_eq!(statuses.last(), Some(&"succeeded"), "{names:?}");
    assert!(names.contains(&"span"), "the steps as they happen: {names:?}");
    assert_eq!(names.last(), Some(&"run_finished"));
    assert_eq!(events.last().map(|(_, run)| run["output"].clone()), Some(json!("one")));
    worker.stop();
    let shown = sandbox.run(&["--json", "runs", "show", &cancelled]).ok();
    let shown: Value = serde_json::from_str(&shown.stdout).expect("JSON");
    assert_eq!(shown["run"]["status"], "cancelled", "a cancelled run is not taken");
    assert_eq!(shown["run"]["error"], "cancelled before a worker took it");
}

/// A run a worker runs is cancelled from another process: the CLI and REST ask, the worker stops it.
async fn a_run_on_a_worker_is_cancelled_from_elsewhere(backend: Backend) {
    let server = ScriptedLlm::start([Reply::Hang, Reply::Hang]).await;
    let sandbox = writing_chain(backend, &server);
    let mut worker = start_worker(&sandbox, "busy");
    let service = ApiServer::start(&sandbox);
    let mut cancelled = Vec::new();
    for via in ["cli", "rest"] {
        let queued = sandbox.run(&["run", "writing", "--input", via, "--queue"]).ok();
        let run: i64 = queued.stdout.trim().parse().expect("run id");
        let calling = format!(
            "SELECT count(*) FROM spans WHERE run_id = {run} AND kind = 'llm_call' AND status = 'running'"
        );
        wait_for(&sandbox, &calling, 1, secs(30));
        if via == "cli" {
            let asked = sandbox.run(&["runs", "cancel", &run.to_string()]).ok();
            assert!(asked.stdout.contains("asked to stop"), "{}", asked.stdout);
        } else {
            // The HTTP client blocks: off the test's runtime.
            let base = service.base();
            tokio::task::spawn_blocking(move || {
                api_server::Http::new(&base, None)
                    .post(&format!("/runs/{run}/cancel"), json!({}))
                    .expect(202)
            })
            .await
            .expect("the cancel request");
        }
        let ended = format!("SELECT count(*) FROM runs WHERE id = {run} AND status = 'cancelled'");
        wait_for(&sandbox, &ended, 1, secs(15));
        cancelled.push(run);
    }
    let open = "SELECT count(*) FROM spans WHERE status IN ('running', 'waiting')";
    assert_eq!(count(&sandbox, open), 0, "every span of the cancelled runs closed");
    sandbox
        .run(&["runs", "cancel", &cancelled[0].to_string()])
        .fails_with("has already ended (cancelled)");
    worker.stop();
}

/// A queued run of a workflow with a webhook is posted to it by the worker that ran it.
fn a_worker_posts_a_finished_run_to_its_workflows_webhook(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let receiver = WebhookReceiver::start(&[503, 200]);
    let service = ApiServer::start(&sandbox);
    let hook = json!({"webhook_url": receiver.url});
    service.client().put("/workflows/hello_basic", hook).expect(200);
    let mut worker = start_worker(&sandbox, "posting");
    let run = sandbox.run(&["run", "hello_basic", "--input", "ping", "--queue"]).ok().stdout;
    let attempts: Vec<(u16, Value)> = (0..2).filter_map(|_| receiver.next(secs(30))).collect();
    let statuses: Vec<u16> = attempts.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [503, 200], "retried until accepted");
    let summary = &attempts[1].1;
    assert_eq!(summary["event"], "run.finished");
    assert_eq!(summary["run"]["id"].to_string(), run.trim());
    assert_eq!(summary["run"]["output"], "ping");
    assert!(receiver.next(ms(1500)).is_none(), "posted after it was accepted");
    worker.stop();
}

/// A run asked to cancel whose worker dies before it could stop it is cancelled, not resumed.
async fn a_cancel_asked_for_before_the_worker_died_holds(backend: Backend) {
    let server = ScriptedLlm::start([Reply::Hang]).await;
    let sandbox = writing_chain(backend, &server);
    let mut doomed = start_worker(&sandbox, "doomed");
    let run = sandbox.run(&["run", "writing", "--input", "tea", "--queue"]).ok().stdout;
    let run = run.trim();
    let calling = format!(
        "SELECT count(*) FROM spans WHERE run_id = {run} AND kind = 'llm_call' AND status = 'running'"
    );
    wait_for(&sandbox, &calling, 1, secs(30));
    sandbox.run(&["runs", "cancel", run]).ok();
    doomed.kill_hard();
    let mut next = start_worker(&sandbox, "next");
    let ended = format!("SELECT count(*) FROM runs WHERE id = {run} AND status = 'cancelled'");
    wait_for(&sandbox, &ended, 1, secs(30));
    // The killed worker may or may not have sent its model call before it died; the next one
    // sends none, and the run keeps its first attempt.
    let attempt = sandbox.raw().value(&format!("SELECT attempt FROM runs WHERE id = {run}"));
    assert_eq!(attempt, "1", "the cancelled run was not resumed");
    assert!(server.journal().len() <= 1, "the next worker called the model for it");
    next.stop();
}

/// A question asked by a run on a worker waits as a row, answered from another process.
fn a_question_asked_on_a_worker_is_answered_from_anywhere(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    let file = sandbox.path("ask.yaml");
    std::fs::write(&file, ASKER).expect("write");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
    let mut worker = start_worker(&sandbox, "asking");
    let run = sandbox.run(&["run", "ask", "--input", "pick", "--queue"]).ok().stdout;
    let deadline = Instant::now() + secs(30);
    let question = loop {
        let listed = sandbox.run(&["--json", "answer"]).ok().stdout;
        let listed: Value = serde_json::from_str(&listed).expect("JSON");
        if let Some(first) = listed.as_array().and_then(|l| l.first()).cloned() {
            break first;
        }
        assert!(Instant::now() < deadline, "the worker's run asked nothing");
        std::thread::sleep(ms(50));
    };
    assert_eq!(question["prompt"], "Which colour?");
    assert_eq!(question["run_id"].to_string(), run.trim());
    sandbox.run(&["answer", &question["id"].to_string(), "blue"]).ok();
    let waited = sandbox.run(&["--json", "runs", "wait", run.trim()]).ok().stdout;
    let waited: Value = serde_json::from_str(&waited).expect("JSON");
    assert_eq!(
        (waited["status"].as_str(), waited["output"].as_str()),
        (Some("succeeded"), Some("Thanks."))
    );
    worker.stop();
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

on_both_backends!(
    async queued_runs_survive_a_worker_killed_mid_run,
    a_run_on_a_worker_is_cancelled_from_elsewhere,
    a_cancel_asked_for_before_the_worker_died_holds,
);
on_both_backends!(
    the_queue_from_the_cli_and_rest,
    a_question_asked_on_a_worker_is_answered_from_anywhere,
    a_worker_posts_a_finished_run_to_its_workflows_webhook,
);
