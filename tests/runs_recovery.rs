//! Runs whose process dies or stops: a run killed with `kill -9` is marked interrupted (by the next
//! process that opens the file, or within seconds by a live one), with its spans closed and its
//! question withdrawn, and resumes as the same run without calling its finished steps again; a
//! SIGTERM records every run going; an owner on another machine counts as gone once its lease
//! expires; a session takes one turn at a time across processes; and a service whose file another
//! program reads keeps every acknowledged row.

#[path = "support/api_server.rs"]
mod api_server;
#[path = "support/scripted_llm.rs"]
mod scripted_llm;
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api_server::ApiServer;
use rusqlite::Connection;
use scripted_llm::{Answer, Reply, ScriptedLlm};
use serde_json::{Value, json};
use support::Sandbox;
use support::backends::Backend;

/// A database whose `writing` workflow chains `drafter` and `polisher`, both on `model`, which
/// reaches `server`.
fn writing_chain(backend: Backend, server: &ScriptedLlm) -> Sandbox {
    let sandbox = Sandbox::empty_on(backend);
    let base = server.base_url();
    for args in [
        &[
            "llm",
            "add",
            "model",
            "--provider",
            "generic",
            "--model",
            "scripted",
            "--base-url",
            &base,
        ][..],
        &[
            "agent",
            "add",
            "drafter",
            "--type",
            "basic",
            "--llm",
            "model",
            "--instruction",
            "Draft: {{input}}",
        ],
        &[
            "agent",
            "add",
            "polisher",
            "--type",
            "basic",
            "--llm",
            "model",
            "--instruction",
            "Polish it.",
        ],
        &["agent", "add", "pipeline", "--type", "chain"],
        &["link", "add", "pipeline", "drafter", "--type", "chains_to"],
        &["link", "add", "pipeline", "polisher", "--type", "chains_to"],
        &["workflow", "add", "writing", "--root", "pipeline"],
    ] {
        sandbox.run(args).ok();
    }
    sandbox
}

/// `agentloom run ARGS...` started in the background.
fn spawn_run(sandbox: &Sandbox, args: &[&str]) -> Child {
    sandbox
        .command(&["run"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start agentloom run")
}

/// The one value of query `sql`, read as another program would read it.
fn query<T: std::str::FromStr>(sandbox: &Sandbox, sql: &str) -> T {
    let value = sandbox.raw().value(sql);
    value.parse().unwrap_or_else(|_| panic!("{sql} gave {value:?}"))
}

/// `sqlite` or `postgres`, the SQL of the sandbox's backend where the dialects differ.
fn dialect<'a>(sandbox: &Sandbox, sqlite: &'a str, postgres: &'a str) -> &'a str {
    match sandbox.raw().backend() {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    }
}

/// Waits until `sql` (one number) returns `want`, for at most `limit`; returns how long it took.
fn wait_for(sandbox: &Sandbox, sql: &str, want: i64, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let got: i64 = query(sandbox, sql);
        if got == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{sql} stayed {got}, not {want}, for {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn statuses(sandbox: &Sandbox, sql: &str) -> Vec<String> {
    sandbox.raw().rows(sql).concat()
}

fn kill_hard(child: &mut Child) {
    child.kill().expect("kill -9");
    child.wait().expect("wait");
}

fn terminate(child: &mut Child) -> std::process::Output {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "agentloom did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut output = std::process::Output {
        status: child.wait().expect("wait"),
        stdout: vec![],
        stderr: vec![],
    };
    use std::io::Read;
    if let Some(mut err) = child.stderr.take() {
        err.read_to_end(&mut output.stderr).expect("stderr");
    }
    output
}

const DRAFT_CALL_RUNNING: &str = "SELECT count(*) FROM spans WHERE kind = 'llm_call' AND agent_name = 'polisher' AND status = 'running'";

async fn a_killed_run_is_interrupted_and_resumes_without_calling_finished_steps_again(
    backend: Backend,
) {
    let server = ScriptedLlm::start([
        Reply::Answer(Answer::text(&["A first draft."]).with_usage(10, 3)),
        Reply::Hang,
    ])
    .await;
    let sandbox = writing_chain(backend, &server);
    // A live service on the same file notices the dead run by itself.
    let _service = ApiServer::start(&sandbox);
    let mut child = spawn_run(&sandbox, &["writing", "--input", "tea"]);
    wait_for(&sandbox, DRAFT_CALL_RUNNING, 1, Duration::from_secs(30));
    kill_hard(&mut child);

    let noticed = wait_for(
        &sandbox,
        "SELECT count(*) FROM runs WHERE status = 'interrupted'",
        1,
        Duration::from_secs(30),
    );
    assert!(noticed < Duration::from_secs(30), "noticed after {noticed:?}");
    assert_eq!(
        statuses(&sandbox, "SELECT status FROM spans ORDER BY id"),
        ["interrupted", "succeeded", "succeeded", "interrupted", "interrupted"],
        "the root, the finished draft (its agent and model call), the polisher cut off"
    );
    let error: String = query(&sandbox, "SELECT error FROM runs WHERE id = 1");
    assert!(error.contains("stopped before the run ended"), "{error}");
    let owners: i64 = query(&sandbox, "SELECT count(*) FROM run_owners WHERE pid <> 0");
    assert_eq!(owners, 1, "only the live service still holds a lease");

    // A replay has no answer for the step that was cut off, and says what to do instead.
    sandbox
        .run(&["replay", "1"])
        .fails_with("run 1 was interrupted during a model call of agent \"polisher\"");

    // Listed as interrupted, and resumed as the same run: the draft is not asked for again.
    let listed = sandbox.run(&["--json", "runs", "list"]).ok();
    assert!(listed.stdout.contains("\"interrupted\""), "{}", listed.stdout);
    let checked = sandbox.run(&["db", "check"]).ok().stdout;
    assert!(
        checked.contains("Interrupted runs, whose process stopped before they ended: 1"),
        "{checked}"
    );
    let shown = sandbox.run(&["runs", "show", "1"]).ok().stdout;
    assert!(shown.contains("resume it with `agentloom runs resume 1`"), "{shown}");
    server.push(Reply::Answer(Answer::text(&["A polished draft."]).with_usage(20, 4)));
    let resumed = sandbox.run(&["--json", "runs", "resume", "1"]).ok();
    let outcome: Value = serde_json::from_str(&resumed.stdout).expect("json");
    assert_eq!(outcome["run_id"], 1);
    assert_eq!(outcome["status"], "succeeded", "{}", resumed.stderr);
    assert_eq!(outcome["output"], "A polished draft.");
    assert_eq!(
        outcome["tokens"],
        json!({"input": 30, "output": 7}),
        "the reused call still counts"
    );
    let journal = server.journal();
    assert_eq!(journal.len(), 3, "draft, the polish that hung, the polish again: nothing more");
    assert!(journal[2].body.to_string().contains("A first draft."));
    let drafts = journal.iter().filter(|r| r.body.to_string().contains("Draft: tea")).count();
    assert_eq!(drafts, 1, "the finished draft call was not made again");
    assert_eq!(
        statuses(&sandbox, "SELECT status FROM spans WHERE run_id = 1 ORDER BY id"),
        ["succeeded"; 5],
        "one tree, as if it had gone through"
    );
    let reused: i64 = query(
        &sandbox,
        dialect(
            &sandbox,
            "SELECT count(*) FROM spans WHERE run_id = 1 AND json_extract(attributes, '$.reused') = 1",
            "SELECT count(*) FROM spans WHERE run_id = 1 AND attributes::jsonb -> 'reused' = 'true'",
        ),
    );
    assert_eq!(reused, 1, "the draft's model call is marked as reused");
    let attempt: i64 = query(&sandbox, "SELECT attempt FROM runs WHERE id = 1");
    assert_eq!(attempt, 2);
    let messages = statuses(
        &sandbox,
        dialect(
            &sandbox,
            "SELECT role || ':' || json_extract(content, '$[0].text') FROM messages WHERE run_id = 1 ORDER BY sequence_number",
            "SELECT role || ':' || (content::json -> 0 ->> 'text') FROM messages WHERE run_id = 1 ORDER BY sequence_number",
        ),
    );
    assert_eq!(
        messages,
        [
            "user:tea",
            "assistant:A first draft.",
            "user:A first draft.",
            "assistant:A polished draft."
        ]
    );
    if backend == Backend::Sqlite {
        let integrity: String = query(&sandbox, "PRAGMA integrity_check");
        assert_eq!(integrity, "ok");
    }

    // Only an interrupted run resumes.
    sandbox.run(&["runs", "resume", "1"]).fails_with("run 1 cannot be resumed: it succeeded");
}

async fn sigterm_records_the_run_as_interrupted_and_a_question_of_a_dead_run_is_withdrawn(
    backend: Backend,
) {
    let server =
        ScriptedLlm::start([Reply::Answer(Answer::text(&["A first draft."])), Reply::Hang]).await;
    let sandbox = writing_chain(backend, &server);
    let mut child = spawn_run(&sandbox, &["writing", "--input", "tea"]);
    wait_for(&sandbox, DRAFT_CALL_RUNNING, 1, Duration::from_secs(30));
    let output = terminate(&mut child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("agentloom runs resume 1"), "{stderr}");
    assert_eq!(statuses(&sandbox, "SELECT status FROM runs"), ["interrupted"]);
    let open: i64 =
        query(&sandbox, "SELECT count(*) FROM spans WHERE status IN ('running', 'waiting')");
    assert_eq!(open, 0, "every span closed");
    let owners: i64 = query(&sandbox, "SELECT count(*) FROM run_owners");
    assert_eq!(owners, 0, "the lease was given back");

    // A question left pending by a run whose process died is withdrawn, and cannot be answered.
    sandbox.raw().execute(
        "INSERT INTO run_owners (host, pid, program, lease_expires_at) VALUES ('gone-host', 1, 'test', '2000-01-01T00:00:00.000Z');
         INSERT INTO sessions (title) VALUES ('asked');
         INSERT INTO runs (session_id, target_name, input, status, owner_id) VALUES (2, 'writing', 'q', 'waiting', (SELECT max(id) FROM run_owners));
         INSERT INTO human_input_requests (run_id, session_id, source, prompt) VALUES (2, 2, 'agent', 'Which tea?');",
    )
    .expect("a run left waiting by a process on another machine");
    sandbox.run(&["answer"]).ok();
    assert_eq!(
        statuses(&sandbox, "SELECT status FROM runs ORDER BY id"),
        ["interrupted", "interrupted"]
    );
    assert_eq!(statuses(&sandbox, "SELECT status FROM human_input_requests"), ["withdrawn"]);
    sandbox
        .run(&["answer", "1", "green"])
        .fails_with("was withdrawn: run 2, which asked it, was interrupted");

    // Cancelled, an interrupted run is not resumed.
    sandbox.run(&["runs", "cancel", "2"]).ok();
    sandbox.run(&["runs", "resume", "2"]).fails_with("it cancelled");
}

fn an_owner_on_another_machine_counts_as_gone_only_once_its_lease_expired(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    let (in_an_hour, a_second_ago) = match backend {
        Backend::Sqlite => (
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 hour')",
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 second')",
        ),
        Backend::Postgres => ("now_utc_plus(3600)", "now_utc_plus(-1)"),
    };
    sandbox
        .raw()
        .execute(&format!(
            "INSERT INTO run_owners (host, pid, program, lease_expires_at)
           VALUES ('other-machine', 4242, 'agentloom worker', {in_an_hour}),
                  ('other-machine', 4243, 'agentloom worker', {a_second_ago});
         INSERT INTO sessions (title) VALUES ('a'), ('b');
         INSERT INTO runs (session_id, target_name, input, status, owner_id)
           VALUES (1, 'x', 'live lease', 'running', 1), (2, 'x', 'expired lease', 'running', 2);
         INSERT INTO spans (run_id, kind, status) VALUES (2, 'agent', 'running');"
        ))
        .expect("runs of two owners elsewhere");
    sandbox.run(&["runs", "list"]).ok();
    assert_eq!(
        statuses(&sandbox, "SELECT status FROM runs ORDER BY id"),
        ["running", "interrupted"]
    );
    assert_eq!(statuses(&sandbox, "SELECT status FROM spans"), ["interrupted"]);
    let error: String = query(&sandbox, "SELECT error FROM runs WHERE id = 2");
    assert!(error.contains("stopped renewing its lease"), "{error}");
    let left: Vec<String> = statuses(&sandbox, "SELECT CAST(pid AS TEXT) FROM run_owners");
    assert_eq!(left, ["4242"], "the expired owner is removed, the live one kept");
}

async fn a_session_takes_one_turn_at_a_time_across_processes_and_forgets_a_turn_without_answer(
    backend: Backend,
) {
    let server = ScriptedLlm::start([Reply::Hang]).await;
    let sandbox = writing_chain(backend, &server);
    sandbox
        .run(&[
            "agent",
            "add",
            "talker",
            "--type",
            "basic",
            "--llm",
            "model",
            "--instruction",
            "Talk.",
        ])
        .ok();
    let mut first = spawn_run(&sandbox, &["talker", "--input", "hello"]);
    wait_for(
        &sandbox,
        "SELECT count(*) FROM spans WHERE kind = 'llm_call' AND status = 'running'",
        1,
        Duration::from_secs(30),
    );
    sandbox
        .run(&["run", "talker", "--session", "1", "--input", "again"])
        .fails_with("session 1 is busy with run 1, one turn at a time");
    kill_hard(&mut first);

    // The killed turn's lone question is not fed into the next turn of the session.
    server.push(Reply::Answer(Answer::text(&["Hi."])));
    sandbox.run(&["run", "talker", "--session", "1", "--input", "second"]).ok();
    let journal = server.journal();
    let last = journal.last().expect("a request").body.to_string();
    assert!(last.contains("second") && !last.contains("hello"), "{last}");
}

#[test]
fn a_service_keeps_every_acknowledged_run_while_another_program_reads_the_file() {
    let sandbox = Sandbox::empty();
    sandbox
        .run(&["llm", "add", "echo", "--provider", "passthrough", "--model", "passthrough"])
        .ok();
    sandbox.run(&["agent", "add", "greeter", "--type", "basic", "--llm", "echo"]).ok();
    let mut service = ApiServer::start(&sandbox);
    let http = service.client();
    let session = http.post("/sessions", json!({"target": "greeter"})).expect(201)["id"].clone();
    let send = format!("/sessions/{session}/send");
    http.post(&send, json!({"message": "warm up"})).expect(200);
    let mut acknowledged = Vec::new();
    for turn in 0..5 {
        // What sqlite3, DB Browser or Python do: open the file, read, close. Python's sqlite3 is
        // the system's SQLite, which deletes the write-ahead log on close when it finds no
        // other process's lock on the file.
        let read = Command::new("python3")
            .arg("-c")
            .arg("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from runs').fetchone()[0]); c.close()")
            .arg(&sandbox.db)
            .output()
            .expect("python3 reads the live file");
        assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
        let reply = http.post(&send, json!({"message": format!("turn {turn}")})).expect(200);
        acknowledged.push(reply["run_id"].as_i64().expect("run id"));
    }
    let deleted = std::fs::read_dir(format!("/proc/{}/fd", service.pid()))
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter(|target| target.to_string_lossy().ends_with("(deleted)"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(deleted, 0, "the service writes to files that are gone");
    service.kill();

    let conn = Connection::open(&sandbox.db).expect("open after the crash");
    for run in &acknowledged {
        let status: String = conn
            .query_row("SELECT status FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .unwrap_or_else(|e| panic!("acknowledged run {run} is not in the file: {e}"));
        assert_eq!(status, "succeeded");
    }
    let integrity: String =
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
    assert_eq!(integrity, "ok");
}

async fn a_process_taken_for_dead_stops_its_runs_and_takes_a_new_lease(backend: Backend) {
    let server =
        ScriptedLlm::start([Reply::Answer(Answer::text(&["A first draft."])), Reply::Hang]).await;
    let sandbox = writing_chain(backend, &server);
    let service = ApiServer::start(&sandbox);
    let base = service.base();
    let send = tokio::task::spawn_blocking(move || {
        let http = api_server::Http::new(&base, None);
        let session =
            http.post("/sessions", json!({"target": "writing"})).expect(201)["id"].clone();
        http.post(&format!("/sessions/{session}/send"), json!({"message": "tea"})).expect(200)
    });
    wait_for(&sandbox, DRAFT_CALL_RUNNING, 1, Duration::from_secs(30));
    let first: i64 = query(&sandbox, "SELECT id FROM run_owners");
    // Another process decides the service is gone (as after a stall longer than the lease).
    sandbox.raw().execute("DELETE FROM run_owners").expect("take the lease");
    let answer = send.await.expect("the send");
    assert_eq!(answer["status"], "interrupted", "{answer}");
    let owners = statuses(
        &sandbox,
        &format!("SELECT CAST(id AS TEXT) FROM run_owners WHERE pid = {}", service.pid()),
    );
    assert_eq!(owners.len(), 1, "the service holds a lease again");
    assert_ne!(owners[0], first.to_string(), "under a new owner row");
    let open: i64 =
        query(&sandbox, "SELECT count(*) FROM spans WHERE status IN ('running', 'waiting')");
    assert_eq!(open, 0);
}

on_both_backends!(an_owner_on_another_machine_counts_as_gone_only_once_its_lease_expired);
on_both_backends!(
    async a_killed_run_is_interrupted_and_resumes_without_calling_finished_steps_again,
    sigterm_records_the_run_as_interrupted_and_a_question_of_a_dead_run_is_withdrawn,
    a_session_takes_one_turn_at_a_time_across_processes_and_forgets_a_turn_without_answer,
    a_process_taken_for_dead_stops_its_runs_and_takes_a_new_lease,
);
