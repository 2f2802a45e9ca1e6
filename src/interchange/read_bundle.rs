//! From a parsed document to a definition set, checking every value and reference on the way.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::FlowSeq;

use super::bundle::{Bundle, BundleAgent, BundleLlmConfig, BundleMcpServer, FORMAT_VERSION};
use super::problems::{InterchangeError, Problems};
use crate::model::{
    AgentDefinition, AgentKind, AgentMcpServer, AgentSpec, DEFAULT_INIT_TIMEOUT_SECS,
    DefinitionSet, LinkKind, LinkSpec, LlmConfigSpec, LlmOverride, LlmPurpose, McpServerSpec,
    NodePosition, Problem, SecretRef, Subject, Transport, WorkflowSpec, check_link_properties,
    check_name, check_options, check_request_params, not_allowed_message,
};

/// Names that already exist in the database, which a document may refer to without defining them.
#[derive(Debug, Clone, Default)]
pub struct ExistingNames {
    pub agents: BTreeSet<String>,
    pub llm_configs: BTreeSet<String>,
    pub mcp_servers: BTreeSet<String>,
}

/// Checks `bundle` and turns it into a definition set, or reports every problem at its path.
pub fn to_definitions(
    bundle: &Bundle,
    existing: &ExistingNames,
) -> Result<DefinitionSet, InterchangeError> {
    let mut problems = Problems::default();
    if bundle.agentloom != FORMAT_VERSION {
        problems.add(
            "agentloom",
            format!(
                "format version {} is not one this AgentLoom reads (it reads {FORMAT_VERSION})",
                bundle.agentloom
            ),
        );
    }

    let config_names = names_in(bundle.llm_configs.iter().map(|c| &c.name), &existing.llm_configs);
    let server_names = names_in(bundle.mcp_servers.iter().map(|s| &s.name), &existing.mcp_servers);
    let agent_names = names_in(bundle.agents.iter().map(|a| &a.name), &existing.agents);
    let doc_agents: BTreeSet<&str> = bundle.agents.iter().map(|a| a.name.as_str()).collect();

    report_duplicates(&mut problems, "llm_configs", bundle.llm_configs.iter().map(|c| &c.name));
    report_duplicates(&mut problems, "mcp_servers", bundle.mcp_servers.iter().map(|s| &s.name));
    report_duplicates(&mut problems, "agents", bundle.agents.iter().map(|a| &a.name));

    let llm_configs: Vec<LlmConfigSpec> = bundle
        .llm_configs
        .iter()
        .enumerate()
        .filter_map(|(i, config)| {
            read_llm_config(&mut problems, &format!("llm_configs[{i}]"), config)
        })
        .collect();
    let mcp_servers: Vec<McpServerSpec> = bundle
        .mcp_servers
        .iter()
        .enumerate()
        .filter_map(|(i, server)| {
            let path = format!("mcp_servers[{i}]");
            if let Some(llm) =
                server.sampling_llm.as_ref().filter(|l| !config_names.contains(l.as_str()))
            {
                problems.add(format!("{path}.sampling_llm"), unknown("LLM config", llm));
            }
            read_mcp_server(&mut problems, &path, server)
        })
        .collect();
    let references =
        References { configs: &config_names, servers: &server_names, agents: &agent_names };
    let agents: Vec<AgentDefinition> = bundle
        .agents
        .iter()
        .enumerate()
        .filter_map(|(i, agent)| {
            read_agent(&mut problems, &format!("agents[{i}]"), agent, &references)
        })
        .collect();

    let workflow = WorkflowSpec {
        name: bundle.workflow.name.clone(),
        description: bundle.workflow.description.clone(),
        root: bundle.workflow.root.clone(),
        webhook_url: bundle.workflow.webhook_url.clone(),
    };
    problems.add_all("workflow", workflow.problems());
    if !agent_names.contains(workflow.root.as_str()) {
        problems.add("workflow.root", unknown("agent", &workflow.root));
    }
    let mut layout = BTreeMap::new();
    for (agent, FlowSeq([x, y])) in &bundle.layout {
        if !doc_agents.contains(agent.as_str()) {
            problems.add(format!("layout.{agent}"), "not an agent of this document");
        } else if !(x.is_finite() && y.is_finite()) {
            problems.add(format!("layout.{agent}"), "coordinates must be finite numbers");
        } else {
            layout.insert(agent.clone(), NodePosition { x: *x, y: *y });
        }
    }
    problems.into_result(DefinitionSet { workflow, agents, llm_configs, mcp_servers, layout })
}

/// Where in `bundle` a structure problem found by the store belongs.
pub fn locate(bundle: &Bundle, problem: &Problem) -> String {
    let agent_index = |name: &str| bundle.agents.iter().position(|a| a.name == name);
    match &problem.subject {
        Subject::Agent { name } => match agent_index(name) {
            Some(i) => format!("agents[{i}]"),
            None => format!("agent \"{name}\" (already in the database)"),
        },
        Subject::Link(link) => {
            let Some(i) = agent_index(&link.parent) else {
                return format!("link {link} (already in the database)");
            };
            let position = bundle.agents[i].links.iter().position(|l| {
                l.child == link.child && l.kind == link.kind.as_str() && l.order == link.order
            });
            match position {
                Some(k) => format!("agents[{i}].links[{k}]"),
                None => format!("agents[{i}]"),
            }
        }
    }
}

struct References<'a> {
    configs: &'a BTreeSet<&'a str>,
    servers: &'a BTreeSet<&'a str>,
    agents: &'a BTreeSet<&'a str>,
}

fn names_in<'a>(
    defined: impl Iterator<Item = &'a String>,
    existing: &'a BTreeSet<String>,
) -> BTreeSet<&'a str> {
    defined.map(String::as_str).chain(existing.iter().map(String::as_str)).collect()
}

fn unknown(what: &str, name: &str) -> String {
    format!("unknown {what} \"{name}\"")
}

fn report_duplicates<'a>(
    problems: &mut Problems,
    list: &str,
    names: impl Iterator<Item = &'a String>,
) {
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name) in names.enumerate() {
        if let Some(first) = first_at.get(name.as_str()) {
            problems.add(
                format!("{list}[{i}].name"),
                format!("\"{name}\" is also defined at {list}[{first}]"),
            );
        } else {
            first_at.insert(name, i);
        }
    }
}

fn parse<T: std::str::FromStr>(problems: &mut Problems, path: String, text: &str) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|error: T::Err| problems.add(path, error.to_string())).ok()
}

fn read_llm_config(
    problems: &mut Problems,
    path: &str,
    config: &BundleLlmConfig,
) -> Option<LlmConfigSpec> {
    let provider = parse(problems, format!("{path}.provider"), &config.provider);
    let key = config
        .api_key_ref
        .as_ref()
        .map(|text| parse::<SecretRef>(problems, format!("{path}.api_key_ref"), text));
    let spec = LlmConfigSpec {
        name: config.name.clone(),
        provider: provider?,
        model: config.model.clone(),
        base_url: config.base_url.clone(),
        api_key_ref: key.map(|parsed| parsed.ok_or(())).transpose().ok()?,
        request_params: config.request_params.clone(),
        provider_options: config.provider_options.clone(),
        input_price_per_mtok: config.input_price_per_mtok,
        output_price_per_mtok: config.output_price_per_mtok,
    };
    let found = spec.problems();
    let ok = found.is_empty();
    problems.add_all(path, found);
    ok.then_some(spec)
}

fn read_mcp_server(
    problems: &mut Problems,
    path: &str,
    server: &BundleMcpServer,
) -> Option<McpServerSpec> {
    let transport: Transport = parse(problems, format!("{path}.transport"), &server.transport)?;
    let spec = McpServerSpec {
        name: server.name.clone(),
        transport,
        command: server.command.clone(),
        args: server.args.clone(),
        env: server.env.clone(),
        cwd: server.cwd.clone(),
        url: server.url.clone(),
        headers: server.headers.clone(),
        root_paths: server.root_paths.clone(),
        sampling_llm: server.sampling_llm.clone(),
        init_timeout_secs: server.init_timeout_secs.unwrap_or(DEFAULT_INIT_TIMEOUT_SECS),
    };
    let found = spec.problems();
    let ok = found.is_empty();
    problems.add_all(path, found);
    ok.then_some(spec)
}

fn read_agent(
    problems: &mut Problems,
    path: &str,
    agent: &BundleAgent,
    references: &References<'_>,
) -> Option<AgentDefinition> {
    let before = problems.len();
    if let Err(message) = check_name("agent", &agent.name) {
        problems.add(format!("{path}.name"), message);
    }
    let kind: Option<AgentKind> = parse(problems, format!("{path}.type"), &agent.kind);
    if let Some(llm) = agent.llm.as_ref().filter(|l| !references.configs.contains(l.as_str())) {
        problems.add(format!("{path}.llm"), unknown("LLM config", llm));
    }
    let mut llm_overrides = Vec::new();
    for (purpose, llm) in &agent.llm_overrides {
        let at = format!("{path}.llm_overrides.{purpose}");
        let Some(purpose) = parse::<LlmPurpose>(problems, at.clone(), purpose) else { continue };
        if kind.is_some_and(|k| !k.override_purposes().contains(&purpose)) {
            problems.add(at.clone(), format!("a {} agent takes no {purpose} override", agent.kind));
        }
        if !references.configs.contains(llm.as_str()) {
            problems.add(at, unknown("LLM config", llm));
        }
        llm_overrides.push(LlmOverride { purpose, llm: llm.clone() });
    }
    if let Some(kind) = kind {
        problems.add_all(&format!("{path}.options"), check_options(kind, &agent.options));
    }
    problems
        .add_all(&format!("{path}.request_params"), check_request_params(&agent.request_params));
    let mut mcp_servers = Vec::new();
    for (j, used) in agent.mcp_servers.iter().enumerate() {
        if !references.servers.contains(used.server.as_str()) {
            problems.add(
                format!("{path}.mcp_servers[{j}].server"),
                unknown("MCP server", &used.server),
            );
        }
        mcp_servers.push(AgentMcpServer {
            server: used.server.clone(),
            allowed_tools: used.allowed_tools.clone(),
        });
    }
    let mut links = Vec::new();
    for (k, link) in agent.links.iter().enumerate() {
        let at = format!("{path}.links[{k}]");
        if !references.agents.contains(link.child.as_str()) {
            problems.add(format!("{at}.child"), unknown("agent", &link.child));
        } else if link.child == agent.name {
            problems.add(format!("{at}.child"), "an agent cannot be its own child");
        }
        let Some(link_kind) = parse::<LinkKind>(problems, format!("{at}.type"), &link.kind) else {
            continue;
        };
        if let Some(kind) = kind.filter(|k| !k.allows_child(link_kind)) {
            problems.add(format!("{at}.type"), not_allowed_message(kind, link_kind));
        }
        if link.order.is_some_and(|o| o < 0) {
            problems.add(format!("{at}.order"), "must be 0 or more");
        }
        problems.add_all(
            &format!("{at}.properties"),
            check_link_properties(link_kind, &link.properties),
        );
        links.push(LinkSpec {
            child: link.child.clone(),
            kind: link_kind,
            order: link.order,
            properties: link.properties.clone(),
        });
    }
    if problems.len() > before {
        return None;
    }
    let spec = AgentSpec {
        name: agent.name.clone(),
        kind: kind?,
        description: agent.description.clone(),
        instruction: agent.instruction.clone(),
        llm: agent.llm.clone(),
        request_params: agent.request_params.clone(),
        options: agent.options.clone(),
        use_history: agent.use_history,
        human_input: agent.human_input,
        public: agent.public,
    };
    Some(AgentDefinition { spec, llm_overrides, mcp_servers, links })
}
