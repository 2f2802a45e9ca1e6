//! `agentloom agent ...`: agents, with their LLM overrides and MCP servers.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Globals;
use super::output::{or_dash, print_fields, print_json, print_table, short};
use super::parse;
use crate::model::{
    Agent, AgentKind, AgentMcpServer, AgentSpec, JsonObject, LlmOverride, LlmPurpose, Problem,
    Subject,
};
use crate::store::Writer;

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Add an agent
    Add {
        /// Letters, digits, '_' and '-'
        name: String,
        /// basic, chain, parallel, router, orchestrator or evaluator_optimizer
        #[arg(long = "type", value_name = "TYPE")]
        kind: AgentKind,
        #[command(flatten)]
        fields: AgentFields,
    },
    /// List agents
    List,
    /// Show one agent with its links
    Show { name: String },
    /// Change an agent; only the options given change
    Edit {
        name: String,
        /// Change its type (its links must fit the new type)
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<AgentKind>,
        /// Give it a new name
        #[arg(long, value_name = "NAME")]
        rename: Option<String>,
        /// Remove its LLM config
        #[arg(long, conflicts_with = "llm")]
        no_llm: bool,
        #[command(flatten)]
        fields: AgentFields,
    },
    /// Delete an agent (refused while links or workflows use it, unless --cascade)
    Rm {
        name: String,
        /// Also delete the links to and from it and the workflows that start at it
        #[arg(long)]
        cascade: bool,
    },
}

/// The options `add` and `edit` share.
#[derive(Debug, Args)]
pub struct AgentFields {
    /// What it is for; routers and tool-calling agents read this
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// The instruction template; {{input}} is replaced by what the agent is given
    #[arg(long, value_name = "TEXT")]
    instruction: Option<String>,
    /// Its default LLM config
    #[arg(long, value_name = "NAME")]
    llm: Option<String>,
    /// A different LLM config for one purpose: planning=NAME, routing=NAME or evaluation=NAME (repeatable)
    #[arg(long = "llm-for", value_name = "PURPOSE=NAME", value_parser = parse::key_value)]
    llm_for: Vec<(String, String)>,
    /// Whether it keeps conversation history across turns of a session
    #[arg(long, value_name = "BOOL")]
    use_history: Option<bool>,
    /// Whether it may ask the user for input while it runs
    #[arg(long, value_name = "BOOL")]
    human_input: Option<bool>,
    /// Whether it is offered on its own as an MCP tool and API target
    #[arg(long, value_name = "BOOL")]
    public: Option<bool>,
    /// Request parameters as a JSON object, e.g. '{"temperature": 0.2, "max_tokens": 500}'
    #[arg(long, value_name = "JSON", value_parser = parse::json_object)]
    params: Option<JsonObject>,
    /// Options of its type as a JSON object, e.g. '{"cumulative": true}' for a chain
    #[arg(long, value_name = "JSON", value_parser = parse::json_object)]
    options: Option<JsonObject>,
    /// An MCP server it may use, optionally limited to some tools: SERVER or SERVER:tool,tool (repeatable; on edit, replaces the list)
    #[arg(long = "mcp", value_name = "SERVER", value_parser = parse::server_use)]
    mcp: Vec<AgentMcpServer>,
}

impl AgentFields {
    /// Sets the given fields on `spec`; returns the overrides and servers to replace, if given.
    fn apply(self, spec: &mut AgentSpec) -> anyhow::Result<AgentParts> {
        if let Some(description) = self.description {
            spec.description = description;
        }
        if let Some(instruction) = self.instruction {
            spec.instruction = instruction;
        }
        if let Some(llm) = self.llm {
            spec.llm = Some(llm);
        }
        if let Some(value) = self.use_history {
            spec.use_history = value;
        }
        if let Some(value) = self.human_input {
            spec.human_input = value;
        }
        if let Some(value) = self.public {
            spec.public = value;
        }
        if let Some(params) = self.params {
            spec.request_params = params;
        }
        if let Some(options) = self.options {
            spec.options = options;
        }
        let overrides = if self.llm_for.is_empty() {
            None
        } else {
            let parsed: Result<Vec<LlmOverride>, _> = self
                .llm_for
                .into_iter()
                .map(|(purpose, llm)| {
                    purpose.parse::<LlmPurpose>().map(|purpose| LlmOverride { purpose, llm })
                })
                .collect();
            Some(parsed?)
        };
        let servers = if self.mcp.is_empty() { None } else { Some(self.mcp) };
        Ok(AgentParts { overrides, servers })
    }
}

/// The parts of an agent kept in their own rows; `None` leaves them as they are.
struct AgentParts {
    overrides: Option<Vec<LlmOverride>>,
    servers: Option<Vec<AgentMcpServer>>,
}

impl AgentParts {
    fn save(self, w: &Writer<'_>, agent: &str) -> crate::store::Result<()> {
        w.set_agent_parts(agent, self.overrides.as_deref(), self.servers.as_deref())
    }
}

pub(super) fn run(globals: &Globals, command: AgentCommand) -> anyhow::Result<ExitCode> {
    match command {
        AgentCommand::Add { name, kind, fields } => {
            let mut spec = AgentSpec::new(name, kind);
            let parts = fields.apply(&mut spec)?;
            let mut store = globals.open()?;
            store.write("adding an agent", |w| {
                w.create_agent(&spec)?;
                parts.save(w, &spec.name)
            })?;
            println!("Added {} agent \"{}\".", spec.kind, spec.name);
            report_incomplete(&store.read(|r| r.validate())?, &spec.name);
            Ok(ExitCode::SUCCESS)
        }
        AgentCommand::Edit { name, kind, rename, no_llm, fields } => {
            let mut store = globals.open()?;
            let mut spec = store.read(|r| r.agent(&name))?.spec;
            if let Some(kind) = kind {
                spec.kind = kind;
            }
            if let Some(new_name) = rename {
                spec.name = new_name;
            }
            if no_llm {
                spec.llm = None;
            }
            let parts = fields.apply(&mut spec)?;
            let version = store.write("editing an agent", |w| {
                w.update_agent(&name, &spec)?;
                parts.save(w, &spec.name)?;
                let after = w.agent(&spec.name)?;
                Ok(after.version)
            })?;
            println!("Agent \"{}\" is now at version {version}.", spec.name);
            report_incomplete(&store.read(|r| r.validate())?, &spec.name);
            Ok(ExitCode::SUCCESS)
        }
        AgentCommand::List => {
            let (agents, links) = globals.open()?.read(|r| Ok((r.agents()?, r.links()?)))?;
            if globals.json {
                return print_json(&agents);
            }
            let rows: Vec<Vec<String>> = agents
                .iter()
                .map(|a| {
                    let children = links.iter().filter(|l| l.parent == a.spec.name).count();
                    vec![
                        a.spec.name.clone(),
                        a.spec.kind.to_string(),
                        or_dash(a.spec.llm.as_deref()),
                        children.to_string(),
                        a.version.to_string(),
                        short(&a.spec.description, 50),
                    ]
                })
                .collect();
            print_table(&["NAME", "TYPE", "LLM", "CHILDREN", "VERSION", "DESCRIPTION"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        AgentCommand::Show { name } => {
            let store = globals.open()?;
            let (agent, links, problems) = store.read(|r| {
                let agent = r.agent(&name)?;
                let links: Vec<_> = r
                    .links()?
                    .into_iter()
                    .filter(|l| l.parent == name || l.child == name)
                    .collect();
                Ok((agent, links, r.validate()?))
            })?;
            if globals.json {
                return print_json(&serde_json::json!({ "agent": agent, "links": links }));
            }
            show(&agent, &links);
            report_incomplete(&problems, &name);
            Ok(ExitCode::SUCCESS)
        }
        AgentCommand::Rm { name, cascade } => {
            let deleted =
                globals.open()?.write("deleting an agent", |w| w.delete_agent(&name, cascade))?;
            let mut also = Vec::new();
            if deleted.links > 0 {
                also.push(format!("{} links", deleted.links));
            }
            if !deleted.workflows.is_empty() {
                also.push(format!("workflows {}", deleted.workflows.join(", ")));
            }
            let also = if also.is_empty() {
                String::new()
            } else {
                format!(" with {}", also.join(" and "))
            };
            println!("Deleted agent \"{name}\"{also}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show(agent: &Agent, links: &[crate::model::Link]) {
    let spec = &agent.spec;
    let overrides: Vec<String> =
        agent.llm_overrides.iter().map(|o| format!("{}={}", o.purpose, o.llm)).collect();
    let servers: Vec<String> = agent
        .mcp_servers
        .iter()
        .map(|s| match &s.allowed_tools {
            Some(tools) => format!("{}:{}", s.server, tools.join(",")),
            None => s.server.clone(),
        })
        .collect();
    let joined =
        |items: Vec<String>| if items.is_empty() { "-".to_owned() } else { items.join(", ") };
    print_fields(&[
        ("name", spec.name.clone()),
        ("type", spec.kind.to_string()),
        ("description", or_dash(Some(spec.description.as_str()).filter(|d| !d.is_empty()))),
        ("llm", or_dash(spec.llm.as_deref())),
        ("llm overrides", joined(overrides)),
        ("use history", spec.use_history.to_string()),
        ("human input", spec.human_input.to_string()),
        ("public", spec.public.to_string()),
        ("request params", serde_json::Value::Object(spec.request_params.clone()).to_string()),
        ("options", serde_json::Value::Object(spec.options.clone()).to_string()),
        ("mcp servers", joined(servers)),
        ("version", agent.version.to_string()),
        ("updated", agent.updated_at.clone()),
        ("instruction", or_dash(Some(spec.instruction.trim_end()).filter(|i| !i.is_empty()))),
    ]);
    let children: Vec<Vec<String>> = links
        .iter()
        .filter(|l| l.parent == spec.name)
        .map(|l| {
            vec![
                l.kind.to_string(),
                l.sequence_order.map_or_else(|| "-".into(), |o| o.to_string()),
                l.child.clone(),
            ]
        })
        .collect();
    if !children.is_empty() {
        println!();
        print_table(&["LINK", "ORDER", "CHILD"], &children);
    }
    let parents: Vec<String> = links
        .iter()
        .filter(|l| l.child == spec.name)
        .map(|l| format!("{} ({})", l.parent, l.kind))
        .collect();
    if !parents.is_empty() {
        println!();
        println!("used by: {}", parents.join(", "));
    }
}

/// Prints, as a hint, the problems that concern `agent` (what it still misses to run).
fn report_incomplete(problems: &[Problem], agent: &str) {
    let own: Vec<&Problem> = problems
        .iter()
        .filter(|p| match &p.subject {
            Subject::Agent { name } => name == agent,
            Subject::Link(link) => link.parent == agent,
        })
        .collect();
    if !own.is_empty() {
        println!("Not ready to run yet:");
        for problem in own {
            println!("  {problem}");
        }
    }
}
