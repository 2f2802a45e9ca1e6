//! `agentloom mcp ...`: MCP servers, their import from `mcpServers` JSON, and the user's trust in them.

mod probe;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{ArgGroup, Args, Subcommand};

use super::Globals;
use super::output::{or_dash, print_fields, print_json, print_table};
use super::parse;
use crate::interchange;
use crate::model::{McpServer, McpServerSpec, ServerOrigin, Transport};

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Add an MCP server started by a command (stdio) or reached at a URL
    Add(AddArgs),
    /// List MCP servers
    List,
    /// Show one MCP server
    Show { name: String },
    /// Delete an MCP server (refused while agents use it, unless --cascade)
    Rm {
        name: String,
        /// Also remove it from the agents that use it
        #[arg(long)]
        cascade: bool,
    },
    /// Import the mcpServers JSON of Claude Desktop, Cursor or VS Code
    Import { file: PathBuf },
    /// Approve the exact command line of an imported stdio server so that it may start
    Trust { name: String },
    /// Connect to a server and show what it offers, with timings, or why it cannot be reached
    Test { name: String },
    /// List a server's tools, named as agents see them (NAME__tool)
    Tools { name: String },
    /// Print a server's prompt, rendered (e.g. to pass as a run's --input)
    Prompt {
        name: String,
        prompt: String,
        /// A prompt argument (repeatable)
        #[arg(long = "arg", value_name = "KEY=VALUE", value_parser = parse::key_value)]
        args: Vec<(String, String)>,
    },
    /// Print a resource of a server
    Read { name: String, uri: String },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("endpoint").required(true).args(["command", "url"])))]
pub struct AddArgs {
    /// Letters, digits, '_' and '-'; agents see its tools as NAME__tool
    name: String,
    /// The command line that starts it, e.g. "npx -y @modelcontextprotocol/server-everything"
    #[arg(long, value_name = "CMD ARGS...")]
    command: Option<String>,
    /// An environment variable for the command: KEY=VALUE, or KEY=env:VAR / KEY=keyring:... for secrets (repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse::key_value, requires = "command")]
    env: Vec<(String, String)>,
    /// The working directory of the command
    #[arg(long, value_name = "DIR", requires = "command")]
    cwd: Option<String>,
    /// The server's URL (streamable HTTP unless --transport sse)
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// http (streamable HTTP) or sse (the legacy transport)
    #[arg(long, value_name = "TRANSPORT", requires = "url", default_value = "http")]
    transport: Transport,
    /// An HTTP header: KEY=VALUE, or KEY=env:VAR / KEY=keyring:... for secrets (repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse::key_value, requires = "url")]
    header: Vec<(String, String)>,
    /// A directory the server may work in, offered as an MCP root (repeatable)
    #[arg(long = "root", value_name = "PATH")]
    roots: Vec<String>,
    /// The LLM config that answers the server's sampling requests
    #[arg(long, value_name = "NAME")]
    sampling_llm: Option<String>,
    /// How long the server may take to start and answer `initialize`
    #[arg(long, value_name = "SECS", default_value_t = crate::model::DEFAULT_INIT_TIMEOUT_SECS)]
    init_timeout: f64,
}

pub(super) fn run(globals: &Globals, command: McpCommand) -> anyhow::Result<ExitCode> {
    match command {
        McpCommand::Add(args) => add(globals, args),
        McpCommand::List => {
            let servers = globals.open()?.read(|r| r.mcp_servers())?;
            if globals.json {
                return print_json(&servers);
            }
            let rows: Vec<Vec<String>> = servers
                .iter()
                .map(|s| {
                    vec![
                        s.spec.name.clone(),
                        s.spec.transport.to_string(),
                        endpoint(&s.spec),
                        trust(s),
                    ]
                })
                .collect();
            print_table(&["NAME", "TRANSPORT", "COMMAND / URL", "STARTS"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        McpCommand::Show { name } => {
            let server = globals.open()?.read(|r| r.mcp_server(&name))?;
            if globals.json {
                return print_json(&server);
            }
            let spec = &server.spec;
            let map = |m: &std::collections::BTreeMap<String, String>| {
                if m.is_empty() {
                    "-".to_owned()
                } else {
                    m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
                }
            };
            print_fields(&[
                ("name", spec.name.clone()),
                ("transport", spec.transport.to_string()),
                ("command / URL", endpoint(spec)),
                ("cwd", or_dash(spec.cwd.as_deref())),
                ("env", map(&spec.env)),
                ("headers", map(&spec.headers)),
                (
                    "roots",
                    if spec.root_paths.is_empty() {
                        "-".into()
                    } else {
                        spec.root_paths.join(", ")
                    },
                ),
                ("sampling llm", or_dash(spec.sampling_llm.as_deref())),
                ("init timeout", format!("{} s", spec.init_timeout_secs)),
                ("origin", server.origin.to_string()),
                ("written by", server.written_by.to_string()),
                ("starts", trust(&server)),
                ("version", server.version.to_string()),
            ]);
            Ok(ExitCode::SUCCESS)
        }
        McpCommand::Rm { name, cascade } => {
            let agents = globals
                .open()?
                .write("deleting an MCP server", |w| w.delete_mcp_server(&name, cascade))?;
            let also = if agents.is_empty() {
                String::new()
            } else {
                format!(" and removed it from {}", agents.join(", "))
            };
            println!("Deleted MCP server \"{name}\"{also}.");
            Ok(ExitCode::SUCCESS)
        }
        McpCommand::Import { file } => {
            let text = interchange::read_document(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let mut store = globals.open()?;
            let (parsed, outcomes) = interchange::import_mcp_servers(&mut store, &text)
                .with_context(|| format!("{} was not imported", file.display()))?;
            for note in &parsed.notes {
                println!("note: {note}");
            }
            for (name, outcome) in &outcomes {
                println!("{name}: {}", serde_json::to_value(outcome)?.as_str().unwrap_or_default());
            }
            let untrusted: Vec<&str> = parsed
                .servers
                .iter()
                .filter(|s| s.transport == Transport::Stdio)
                .map(|s| s.name.as_str())
                .collect();
            if !untrusted.is_empty() {
                println!(
                    "Imported stdio servers start only once you approve their command line: agentloom mcp trust NAME ({}).",
                    untrusted.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        McpCommand::Test { name } => probe::test(globals, &name),
        McpCommand::Tools { name } => probe::tools(globals, &name),
        McpCommand::Prompt { name, prompt, args } => probe::prompt(globals, &name, &prompt, &args),
        McpCommand::Read { name, uri } => probe::read(globals, &name, &uri),
        McpCommand::Trust { name } => {
            let server =
                globals.open()?.write("trusting an MCP server", |w| w.trust_mcp_server(&name))?;
            println!("Trusted \"{name}\" to start: {}", endpoint(&server.spec));
            println!(
                "Changing its command, arguments, directory, environment (names or values), URL or headers revokes this."
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add(globals: &Globals, args: AddArgs) -> anyhow::Result<ExitCode> {
    let mut spec = match (&args.command, &args.url) {
        (Some(line), _) => {
            let (program, rest) = parse::command_line(line).map_err(anyhow::Error::msg)?;
            McpServerSpec::stdio(&args.name, program, rest)
        }
        (None, Some(url)) => {
            if args.transport == Transport::Stdio {
                anyhow::bail!("--transport stdio needs --command, not --url");
            }
            McpServerSpec::remote(&args.name, args.transport, url)
        }
        (None, None) => anyhow::bail!("give --command or --url"),
    };
    spec.env = parse::pairs(&args.env);
    spec.headers = parse::pairs(&args.header);
    spec.cwd = args.cwd;
    spec.root_paths = args.roots;
    spec.sampling_llm = args.sampling_llm;
    spec.init_timeout_secs = args.init_timeout;
    globals
        .open()?
        .write("adding an MCP server", |w| w.create_mcp_server(&spec, ServerOrigin::User))?;
    println!("Added MCP server \"{}\" ({}: {}).", spec.name, spec.transport, endpoint(&spec));
    Ok(ExitCode::SUCCESS)
}

/// The command line or URL of a server, as the user would type it.
fn endpoint(spec: &McpServerSpec) -> String {
    match (&spec.command, &spec.url) {
        (Some(command), _) => {
            let words =
                std::iter::once(command.as_str()).chain(spec.args.iter().map(String::as_str));
            shlex::try_join(words).unwrap_or_else(|_| command.clone())
        }
        (None, Some(url)) => url.clone(),
        (None, None) => "-".to_owned(),
    }
}

fn trust(server: &McpServer) -> String {
    if server.may_launch() { "yes".into() } else { "after `agentloom mcp trust`".into() }
}
