//! `agentloom replay`: re-running a past run from its recorded model, tool and human answers,
//! without calling a provider, or live again from one of its spans, with progress like `run`.

use std::process::ExitCode;

use clap::Args;

use super::Globals;
use super::run::execute;
use crate::engine::ReplayRequest;
use crate::model::RunOrigin;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The run to replay (see `agentloom runs list`)
    run: i64,
    /// Run this span of it (see `agentloom runs show RUN`) and everything after it live again,
    /// with the steps before it pinned to what they recorded
    #[arg(long, value_name = "SPAN")]
    from: Option<i64>,
    /// Print no progress, only the answer
    #[arg(long, short)]
    quiet: bool,
}

pub(super) fn replay(globals: &Globals, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let source = globals.open()?.read(|r| r.run(args.run))?;
    if !args.quiet && !globals.json {
        match args.from {
            Some(span) => eprintln!(
                "replaying run {} of {} live from span {span}, the steps before it pinned",
                source.id, source.target
            ),
            None => eprintln!(
                "replaying run {} of {} from its recording (no provider is called)",
                source.id, source.target
            ),
        }
    }
    let request = ReplayRequest { run_id: args.run, from_span: args.from, origin: RunOrigin::Cli };
    execute(globals, &source.target, args.quiet, move |engine| async move {
        engine.replay(request).await
    })
}
