//! The `agentloom` binary: parses the command line and hands it to [`agentloom::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = agentloom::cli::Cli::parse();
    match agentloom::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
