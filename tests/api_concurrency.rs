//! Two REST service replicas and the CLI on one database (a SQLite file, a PostgreSQL server) at
//! the same time: runs and definition writes from all of them, in parallel, never meet "database
//! is locked" and lose no row.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use std::thread;

use api_server::{ApiServer, Http};
use serde_json::json;
use support::Sandbox;
use support::backends::Backend;

const API_CLIENTS: usize = 4;
const CLI_PROCESSES: usize = 3;
const TURNS: usize = 5;

/// Two service replicas (as behind a load balancer) and several CLI processes on one database.
fn two_services_and_the_cli_share_one_database_without_locking_errors_or_lost_rows(
    backend: Backend,
) {
    let sandbox = Sandbox::seeded_on(backend);
    let replicas = [ApiServer::start(&sandbox), ApiServer::start(&sandbox)];
    let server = &replicas[0];

    let api_clients: Vec<_> = (0..API_CLIENTS)
        .map(|client| {
            let base = replicas[client % replicas.len()].base();
            thread::spawn(move || {
                let http = Http::new(&base, None);
                let session = http.post("/sessions", json!({"target": "hello_basic"})).expect(201);
                let id = session["id"].as_i64().expect("session id");
                for turn in 0..TURNS {
                    let message = format!("client {client} turn {turn}");
                    let outcome = http
                        .post(&format!("/sessions/{id}/send"), json!({"message": message}))
                        .expect(200);
                    assert_eq!(outcome["status"], "succeeded", "{outcome}");
                    let name = format!("api_{client}_{turn}");
                    let agent = json!({"name": name, "kind": "basic", "llm": "passthrough"});
                    http.post("/agents", agent).expect(201);
                }
                id
            })
        })
        .collect();
    let cli_processes: Vec<_> = (0..CLI_PROCESSES)
        .map(|process| {
            let (db, location) = (sandbox.db.clone(), sandbox.location.clone());
            thread::spawn(move || {
                let sandbox = Sandbox { dir: tempfile::tempdir().expect("dir"), db, location };
                for turn in 0..TURNS {
                    let input = format!("process {process} turn {turn}");
                    sandbox.run(&["--json", "run", "hello_basic", "--input", &input]).ok();
                    let name = format!("cli_{process}_{turn}");
                    sandbox
                        .run(&["agent", "add", &name, "--type", "basic", "--llm", "passthrough"])
                        .ok();
                }
            })
        })
        .collect();

    let sessions: Vec<i64> =
        api_clients.into_iter().map(|client| client.join().expect("an API client")).collect();
    for process in cli_processes {
        process.join().expect("a CLI process");
    }

    let http = server.client();
    for replica in &replicas {
        let log = replica.log();
        assert!(!log.contains("locked") && !log.contains("busy"), "{log}");
    }
    let runs = http.get("/runs?limit=1000").expect(200);
    let runs = runs.as_array().expect("runs");
    let from = |origin: &str| runs.iter().filter(|r| r["origin"] == origin).count();
    assert_eq!(from("api"), API_CLIENTS * TURNS);
    assert_eq!(from("cli"), CLI_PROCESSES * TURNS);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    for session in sessions {
        let history = http.get(&format!("/sessions/{session}/history")).expect(200);
        assert_eq!(history.as_array().map(Vec::len), Some(2 * TURNS), "session {session}");
    }
    let agents = http.get("/agents").expect(200);
    let names: Vec<&str> =
        agents.as_array().expect("agents").iter().filter_map(|a| a["name"].as_str()).collect();
    for prefix in ["api", "cli"] {
        let count = if prefix == "api" { API_CLIENTS } else { CLI_PROCESSES };
        for owner in 0..count {
            for turn in 0..TURNS {
                let name = format!("{prefix}_{owner}_{turn}");
                assert!(names.contains(&name.as_str()), "{name} is missing");
            }
        }
    }
    sandbox.run(&["db", "check"]).ok();
}

on_both_backends!(two_services_and_the_cli_share_one_database_without_locking_errors_or_lost_rows);
