//! The `agentloom` binary: with a subcommand, the CLI ([`agentloom::cli`]); without one, the
//! desktop app when built with the `gui` feature (the default), else the database overview.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = agentloom::cli::Cli::parse();
    #[cfg(feature = "gui")]
    if cli.command.is_none() {
        return open_window(cli.db);
    }
    match agentloom::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `agentloom runs list | head` closes the pipe early: that ends the output, it is not a crash.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|message| message.contains("Broken pipe")) {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// With no subcommand, the desktop app opens (on `--db`, else the last file, else the default one).
#[cfg(feature = "gui")]
fn open_window(db: Option<agentloom::store::Location>) -> ExitCode {
    let opened =
        agentloom::cli::default_db_path().and_then(|default| agentloom::app::run(db, default));
    match opened {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
