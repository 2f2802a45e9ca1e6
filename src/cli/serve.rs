//! `agentloom serve`: AgentLoom as a service on the database, at the same time as the app and
//! other CLI commands: `--http` serves the REST API (loopback by default; anything else needs a
//! bearer token from `--token-env`; other host names than loopback's need `--allow-host`).

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{ArgGroup, Args};

use super::Globals;
use crate::api::{ServeOptions, Server};
use crate::engine::Engine;
use crate::llm::ScrubbingWriter;

/// Where the REST service listens unless `--bind` says otherwise.
const DEFAULT_BIND: &str = "127.0.0.1:8480";

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("protocol").required(true).multiple(false)))]
pub struct ServeArgs {
    /// Serve the REST API over HTTP (its OpenAPI document is at /openapi.json)
    #[arg(long, group = "protocol")]
    http: bool,
    /// Serve every workflow (and public agent) as an MCP tool: over stdio, or streamable HTTP at --bind
    #[arg(long, group = "protocol", value_name = "TRANSPORT")]
    mcp: Option<super::serve_mcp::McpTransport>,
    /// Where the HTTP service listens; an address other than loopback needs --token-env
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_BIND)]
    bind: SocketAddr,
    /// The environment variable that holds the bearer token every request must carry
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,
    /// Another host name the REST service answers to (besides localhost, 127.0.0.1, [::1] and
    /// the bound address), e.g. the machine's name behind a reverse proxy; repeatable. Requests
    /// for other hosts, and from web pages of other hosts, are refused
    #[arg(long, value_name = "NAME", value_parser = super::parse::host_name)]
    allow_host: Vec<String>,
}

pub(super) fn serve(globals: &Globals, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(transport) = args.mcp {
        return super::serve_mcp::serve(globals, transport, args.bind);
    }
    let db = globals.db()?;
    drop(globals.open()?);
    let token = match &args.token_env {
        Some(var) => Some(std::env::var(var).with_context(|| {
            format!("--token-env {var}: the environment variable {var} is not set (or not UTF-8)")
        })?),
        None => None,
    };
    let options = ServeOptions {
        token,
        allowed_hosts: args.allow_host,
        ..ServeOptions::new(db.clone(), args.bind)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = Engine::open(db.clone(), super::engine_config()?)?;
        record_logs(&engine);
        let server = Server::bind(options, engine.clone()).await?;
        let addr = server.local_addr()?;
        println!("AgentLoom REST service on http://{addr} (database {db})");
        let _ = std::io::stdout().flush();
        server.run(stop_signal()).await?;
        close_engine(&engine).await?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// How long a stopping service waits for its interrupted runs to record how they ended.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Interrupts the runs still going (a client that hung up leaves its run going), gives them
/// `STOP_GRACE` to record it, and closes the engine, which records any left as interrupted too.
pub(super) async fn close_engine(engine: &Engine) -> anyhow::Result<()> {
    let interrupted = engine.interrupt_all();
    let left = engine.wait_idle(STOP_GRACE).await;
    if interrupted > 0 {
        tracing::info!(interrupted, left, "stopping: runs in flight recorded as interrupted");
    }
    engine.close().await?;
    Ok(())
}

/// Writes what runs log to the logs table, and what the service logs (at info and above) to
/// standard error, both with every resolved secret scrubbed out.
pub(super) fn record_logs(engine: &Engine) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::SubscriberExt as _;
    let console = tracing_subscriber::fmt::layer()
        .with_writer(|| ScrubbingWriter(std::io::stderr()))
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(LevelFilter::INFO);
    let subscriber =
        tracing_subscriber::registry().with(engine.log_layer(tracing::Level::INFO)).with(console);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub(super) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
