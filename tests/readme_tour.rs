//! The README's CLI tour, run line by line as a newcomer would paste it, on a private database.

mod support;

use std::process::Command;

use support::Run;

/// The `agentloom ...` lines of the README block fenced as ```sh tour.
fn tour_lines() -> Vec<String> {
    let readme = include_str!("../README.md");
    let start = readme.find("```sh tour").expect("README has a ```sh tour block");
    let block = &readme[start..];
    let block = &block[block.find('\n').expect("newline") + 1..];
    let block = &block[..block.find("```").expect("closing fence")];
    block
        .lines()
        .map(|line| line.split(" #").next().unwrap_or_default().trim().to_owned())
        .filter(|line| line.starts_with("agentloom "))
        .collect()
}

#[test]
fn the_readme_tour_runs_as_written() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tour.db");
    let lines = tour_lines();
    assert!(lines.len() >= 10, "the tour is too short: {lines:?}");
    for line in &lines {
        let words = shlex::split(line).expect("shell words");
        let run: Run = Command::new(env!("CARGO_BIN_EXE_agentloom"))
            .args(&words[1..])
            .env("AGENTLOOM_DB", &db)
            .current_dir(dir.path())
            .output()
            .expect("run")
            .into();
        assert_eq!(run.code, 0, "`{line}` failed:\n{}{}", run.stdout, run.stderr);
    }
    let exported =
        std::fs::read_to_string(dir.path().join("news.yaml")).expect("the tour exports news.yaml");
    assert!(exported.contains("name: newsroom"), "{exported}");
}
