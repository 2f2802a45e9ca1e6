//! `agentloom replay`: re-running a past run from its recorded model, tool and human answers,
//! without calling a provider, or live again from one of its spans, with progress like `run`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::Globals;
use super::run::execute;
use crate::engine::{ReplayDefinitions, ReplayRequest};
use crate::model::RunOrigin;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The run to replay (see `agentloom runs list`)
    run: i64,
    /// Run this span of it (see `agentloom runs show RUN`) and everything after it live again,
    /// with the steps before it pinned to what they recorded
    #[arg(long, value_name = "SPAN")]
    from: Option<i64>,
    /// Which agents, links and LLM configs run: those the source ran (the default without
    /// --from) or the current ones (the default with --from: edit a prompt, then re-run its step)
    #[arg(long, value_enum, value_name = "WHICH")]
    definitions: Option<Definitions>,
    /// Print no progress, only the answer
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Definitions {
    /// As they were when the source ran (its definition revision)
    Recorded,
    /// As they are now
    Current,
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
    let definitions = args.definitions.map(|which| match which {
        Definitions::Recorded => ReplayDefinitions::AsRecorded,
        Definitions::Current => ReplayDefinitions::Current,
    });
    execute(globals, &source.target, args.quiet, move |engine| async move {
        match definitions {
            Some(definitions) => engine.replay_using(request, definitions).await,
            None => engine.replay(request).await,
        }
    })
}
