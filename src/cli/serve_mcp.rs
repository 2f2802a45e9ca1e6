//! `agentloom serve --mcp stdio|http`: every workflow (and every agent marked public) as an MCP
//! tool taking `input` (and optionally `session`) and returning the run's output; runs are
//! recorded like any other, with origin `mcp`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::Globals;
use crate::engine::{Engine, RunRequest};
use crate::mcp::{BoxFuture, Called, HttpServer, Offered, WorkflowRunner, serve_stdio};
use crate::model::{RunOrigin, RunStatus};

/// How the MCP server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum McpTransport {
    /// JSON-RPC on standard input and output (what MCP clients start as a command)
    Stdio,
    /// Streamable HTTP at http://BIND/mcp (loopback only)
    Http,
}

/// The engine, as what an MCP server offers.
struct EngineRunner {
    engine: Engine,
    db: crate::store::Location,
}

impl WorkflowRunner for EngineRunner {
    fn offered(&self) -> BoxFuture<'_, Result<Vec<Offered>, String>> {
        Box::pin(async move {
            let store = crate::store::Store::connect(&self.db).map_err(|e| e.to_string())?;
            let (workflows, agents) =
                store.read(|r| Ok((r.workflows()?, r.agents()?))).map_err(|e| e.to_string())?;
            let mut offered: Vec<Offered> = workflows
                .into_iter()
                .map(|w| Offered {
                    description: if w.spec.description.is_empty() {
                        format!("Run the workflow {}", w.spec.name)
                    } else {
                        w.spec.description
                    },
                    name: w.spec.name,
                })
                .collect();
            for agent in agents.into_iter().filter(|a| a.spec.public) {
                if offered.iter().all(|o| o.name != agent.spec.name) {
                    offered.push(Offered {
                        description: if agent.spec.description.is_empty() {
                            format!("Ask the agent {}", agent.spec.name)
                        } else {
                            agent.spec.description
                        },
                        name: agent.spec.name,
                    });
                }
            }
            Ok(offered)
        })
    }

    fn call(
        &self,
        name: String,
        input: String,
        session: Option<i64>,
    ) -> BoxFuture<'_, Result<Called, String>> {
        Box::pin(async move {
            let offered = self.offered().await?;
            if offered.iter().all(|o| o.name != name) {
                return Err(format!("there is no workflow or public agent named \"{name}\""));
            }
            let request = RunRequest { target: name, input, session, origin: RunOrigin::Mcp };
            let outcome = self.engine.run(request).await.map_err(|e| e.to_string())?;
            let failed = outcome.status != RunStatus::Succeeded;
            Ok(Called {
                run_id: outcome.run_id,
                session_id: outcome.session_id,
                status: outcome.status.to_string(),
                text: outcome.output.or(outcome.error).unwrap_or_default(),
                failed,
            })
        })
    }
}

pub(super) fn serve(
    globals: &Globals,
    transport: McpTransport,
    bind: SocketAddr,
) -> anyhow::Result<ExitCode> {
    let db = globals.db()?;
    drop(globals.open()?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = Engine::open(db.clone(), super::engine_config()?)?;
        super::serve::record_logs(&engine);
        let runner = Arc::new(EngineRunner { engine: engine.clone(), db: db.clone() });
        match transport {
            McpTransport::Stdio => {
                eprintln!("AgentLoom MCP server on stdio (database {db})");
                tokio::select! {
                    served = serve_stdio(runner) => served.map_err(anyhow::Error::msg)?,
                    _ = super::serve::stop_signal() => {}
                }
            }
            McpTransport::Http => {
                let server = HttpServer::bind(bind, runner).await.map_err(anyhow::Error::msg)?;
                let addr = server.local_addr().map_err(anyhow::Error::msg)?;
                println!("AgentLoom MCP server on http://{addr}/mcp (database {db})");
                let _ = std::io::stdout().flush();
                server.run(super::serve::stop_signal()).await.map_err(anyhow::Error::msg)?;
            }
        }
        super::serve::close_engine(&engine).await?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
