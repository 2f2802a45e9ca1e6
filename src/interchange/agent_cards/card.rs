//! One AgentCard read into an agent of the bundle: its type, name, instruction, model, servers,
//! options and links, every field either mapped or reported by name.

use serde_json::{Map, Value};

use super::fields::{CardKind, Loss, is_inert, unsupported};
use super::findings::{Findings, place};
use super::instruction::read_instruction;
use super::request_params::map_request_params;
use super::servers::{DeclaredServer, read_connects};
use super::source::CardDoc;
use crate::interchange::bundle::{BundleAgent, BundleLink, BundleServerUse};
use crate::model::{JsonObject, LinkKind, check_name, check_options};

/// A card as an agent, with where each of its links and servers came from.
#[derive(Debug, Clone)]
pub(super) struct ReadCard {
    pub(super) file: String,
    pub(super) kind: CardKind,
    pub(super) agent: BundleAgent,
    /// The card field each of `agent.links` came from, e.g. `sequence[1]`.
    pub(super) link_fields: Vec<String>,
    /// The card field each of `agent.mcp_servers` came from, e.g. `servers[0]`.
    pub(super) server_fields: Vec<String>,
    /// The card's `model` string, if it names one.
    pub(super) model: Option<String>,
    /// Servers the card's `mcp_connect` defines.
    pub(super) connects: Vec<DeclaredServer>,
    pub(super) is_default: bool,
    pub(super) tool_only: bool,
}

/// Reads one card; `None` when it has errors (all of them reported).
pub(super) fn read_card(doc: &CardDoc, findings: &mut Findings) -> Option<ReadCard> {
    let file = doc.shown.as_str();
    let before = findings.error_count();
    let mut fields = Fields { map: doc.fields.clone(), file };
    let kind = read_kind(&mut fields, findings)?;
    refuse_foreign_fields(&mut fields, kind, findings);
    let name = read_name(&mut fields, &doc.stem, findings);
    for required in kind.required() {
        if fields.map.get(*required).is_none_or(Value::is_null) {
            findings.error(file, format!("a {} card needs \"{required}\"", kind.word()));
        }
    }
    let mut agent = BundleAgent {
        name,
        kind: kind.agent_kind().to_string(),
        description: fields.text("description", findings).unwrap_or_default(),
        instruction: read_instruction(
            fields.take("instruction"),
            doc.body.as_deref(),
            kind,
            file,
            findings,
        ),
        llm: None,
        llm_overrides: Default::default(),
        request_params: JsonObject::new(),
        options: JsonObject::new(),
        use_history: fields.flag("use_history", findings).unwrap_or(kind.default_use_history()),
        human_input: fields.flag("human_input", findings).unwrap_or(false),
        public: false,
        mcp_servers: Vec::new(),
        links: Vec::new(),
    };
    let (is_default, tool_only) = read_roles(&mut fields, findings);
    let model = fields.text("model", findings).filter(|m| !m.is_empty());
    if let Some(params) = fields.take("request_params") {
        agent.request_params = map_request_params(params, agent.use_history, file, findings);
    }
    let (server_fields, connects) = read_servers(&mut fields, &mut agent, findings);
    let link_fields = read_wiring(kind, &mut fields, &mut agent, findings);
    check_kind_options(&agent.options, kind, file, findings);
    report_leftovers(fields, findings);
    (findings.error_count() == before).then(|| ReadCard {
        file: file.to_owned(),
        kind,
        agent,
        link_fields,
        server_fields,
        model,
        connects,
        is_default,
        tool_only,
    })
}

/// A card's fields, taken one by one as they are mapped; what is left is reported.
struct Fields<'a> {
    map: Map<String, Value>,
    file: &'a str,
}

impl Fields<'_> {
    /// Takes `key` out of the card; null counts as absent, as in fast-agent.
    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn typed<T>(
        &mut self,
        key: &str,
        findings: &mut Findings,
        what: &str,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.take(key)?;
        let read = read(&value);
        if read.is_none() {
            findings.error(place(self.file, key), format!("must be {what}, not {value}"));
        }
        read
    }

    fn text(&mut self, key: &str, findings: &mut Findings) -> Option<String> {
        self.typed(key, findings, "text", |v| v.as_str().map(|s| s.trim().to_owned()))
    }

    fn flag(&mut self, key: &str, findings: &mut Findings) -> Option<bool> {
        self.typed(key, findings, "true or false", Value::as_bool)
    }

    fn whole(&mut self, key: &str, findings: &mut Findings) -> Option<i64> {
        self.typed(key, findings, "a whole number", Value::as_i64)
    }

    /// A list of names (agents, servers); an empty list is refused, as fast-agent refuses it.
    fn names(&mut self, key: &str, findings: &mut Findings) -> Option<Vec<String>> {
        let names: Vec<String> = self.typed(key, findings, "a list of names", |v| {
            v.as_array()?.iter().map(|i| i.as_str().map(|s| s.trim().to_owned())).collect()
        })?;
        if names.is_empty() || names.iter().any(String::is_empty) {
            findings
                .error(place(self.file, key), "must list at least one name, none of them empty");
            return None;
        }
        Some(names)
    }
}

/// The card's `type`; a card without one is a basic agent, as in fast-agent.
fn read_kind(fields: &mut Fields<'_>, findings: &mut Findings) -> Option<CardKind> {
    let at = place(fields.file, "type");
    match fields.take("type") {
        None => Some(CardKind::Agent),
        Some(Value::String(text)) => {
            CardKind::parse(&text).map_err(|why| findings.error(at, why)).ok()
        }
        Some(other) => {
            findings.error(at, format!("must be text, not {other}"));
            None
        }
    }
}

/// Fields fast-agent itself refuses on a card of this type (a typo, or another type's field).
fn refuse_foreign_fields(fields: &mut Fields<'_>, kind: CardKind, findings: &mut Findings) {
    let foreign: Vec<String> = fields.map.keys().filter(|k| !kind.allows(k)).cloned().collect();
    for key in foreign {
        fields.map.remove(&key);
        let message = if CardKind::ALL.iter().any(|k| k.allows(&key)) {
            format!(
                "field \"{key}\" does not belong on a {} card (not imported; fast-agent refuses it too)",
                kind.word()
            )
        } else {
            format!("unknown field \"{key}\" (not imported; fast-agent refuses it too)")
        };
        findings.error(fields.file, message);
    }
}

/// `default` (the workflow starts here) and `tool_only` (never the entry); `schema_version`
/// is checked and needs nothing more.
fn read_roles(fields: &mut Fields<'_>, findings: &mut Findings) -> (bool, bool) {
    let is_default = fields.flag("default", findings).unwrap_or(false);
    let tool_only = fields.flag("tool_only", findings).unwrap_or(false);
    if is_default && tool_only {
        findings.error(place(fields.file, "default"), "a tool_only card cannot be the default one");
    }
    if fields.take("schema_version").is_some_and(|v| !v.is_i64()) {
        findings.error(place(fields.file, "schema_version"), "must be a whole number");
    }
    (is_default, tool_only)
}

/// The card's `name`, else its file name, with spaces made `_` as fast-agent does.
fn read_name(fields: &mut Fields<'_>, stem: &str, findings: &mut Findings) -> String {
    let (name, at) = match fields.text("name", findings).filter(|n| !n.is_empty()) {
        Some(name) => (name, place(fields.file, "name")),
        None => (stem.to_owned(), fields.file.to_owned()),
    };
    let name = name.replace(' ', "_");
    if let Err(message) = check_name("agent", &name) {
        findings.error(at, message);
    }
    name
}

/// `servers`, `mcp_connect` and the `tools` filter: the agent's MCP servers, with the card field
/// each came from, and the servers `mcp_connect` defines.
fn read_servers(
    fields: &mut Fields<'_>,
    agent: &mut BundleAgent,
    findings: &mut Findings,
) -> (Vec<String>, Vec<DeclaredServer>) {
    let file = fields.file;
    let mut server_fields = Vec::new();
    for (i, server) in fields.names("servers", findings).unwrap_or_default().into_iter().enumerate()
    {
        agent.mcp_servers.push(BundleServerUse { server, allowed_tools: None });
        server_fields.push(format!("servers[{i}]"));
    }
    let connects =
        fields.take("mcp_connect").map(|v| read_connects(v, file, findings)).unwrap_or_default();
    for declared in &connects {
        if !agent.mcp_servers.iter().any(|u| u.server == declared.spec.name) {
            agent
                .mcp_servers
                .push(BundleServerUse { server: declared.spec.name.clone(), allowed_tools: None });
            server_fields.push(format!("mcp_connect.{}", declared.spec.name));
        }
    }
    if let Some(tools) = fields.take("tools") {
        read_tool_filters(tools, agent, file, findings);
    }
    (server_fields, connects)
}

/// `tools: {server: [tool, ...]}`: the tools the agent may use of each server.
fn read_tool_filters(tools: Value, agent: &mut BundleAgent, file: &str, findings: &mut Findings) {
    let Value::Object(filters) = tools else {
        findings.error(place(file, "tools"), "must map server names to lists of tool names");
        return;
    };
    for (server, names) in filters {
        let at = place(file, &format!("tools.{server}"));
        let Some(names) = names.as_array().and_then(|a| {
            a.iter().map(|n| n.as_str().map(str::to_owned)).collect::<Option<Vec<String>>>()
        }) else {
            findings.error(at, "must be a list of tool names");
            continue;
        };
        if let Some(pattern) = names.iter().find(|n| n.contains(['*', '?', '['])) {
            findings.error(at, format!("tool pattern \"{pattern}\" is not supported by AgentLoom (not imported); list the tools by name"));
            continue;
        }
        match agent.mcp_servers.iter_mut().find(|u| u.server == server) {
            Some(used) => used.allowed_tools = Some(names),
            None => findings.warn(
                at,
                format!("has no effect: the agent does not use server \"{server}\" (not imported)"),
            ),
        }
    }
}

/// The card's children as links, and its kind's options; returns the card field of each link.
fn read_wiring(
    kind: CardKind,
    fields: &mut Fields<'_>,
    agent: &mut BundleAgent,
    findings: &mut Findings,
) -> Vec<String> {
    let mut wiring = Wiring::default();
    match kind {
        CardKind::Agent => wiring.each(fields, "agents", LinkKind::ToolOf, findings),
        CardKind::Chain => {
            wiring.each(fields, "sequence", LinkKind::ChainsTo, findings);
            if let Some(cumulative) = fields.flag("cumulative", findings) {
                agent.options.insert("cumulative".into(), cumulative.into());
            }
        }
        CardKind::Parallel => {
            wiring.each(fields, "fan_out", LinkKind::FansOutTo, findings);
            wiring.one(fields, "fan_in", LinkKind::FanInFrom, findings);
            let include = fields.flag("include_request", findings).unwrap_or(true);
            agent.options.insert("include_request".into(), include.into());
        }
        CardKind::Router => wiring.each(fields, "agents", LinkKind::RoutesTo, findings),
        CardKind::Orchestrator | CardKind::IterativePlanner => {
            wiring.each(fields, "agents", LinkKind::Orchestrates, findings);
            read_planning(kind, fields, agent, findings);
        }
        CardKind::EvaluatorOptimizer => {
            wiring.one(fields, "generator", LinkKind::GeneratorForEval, findings);
            wiring.one(fields, "evaluator", LinkKind::EvaluatorForGen, findings);
            if let Some(rating) = fields.text("min_rating", findings) {
                agent.options.insert("min_rating".into(), rating.to_uppercase().into());
            }
            if let Some(rounds) = fields.whole("max_refinements", findings) {
                agent.options.insert("max_refinements".into(), rounds.into());
            }
        }
    }
    agent.links = wiring.links;
    wiring.fields
}

/// Links read so far, and the card field of each.
#[derive(Default)]
struct Wiring {
    links: Vec<BundleLink>,
    fields: Vec<String>,
}

impl Wiring {
    /// A link of `kind` to every agent listed in `key`; chain steps are ordered from 1.
    fn each(
        &mut self,
        fields: &mut Fields<'_>,
        key: &str,
        kind: LinkKind,
        findings: &mut Findings,
    ) {
        for (i, child) in fields.names(key, findings).unwrap_or_default().into_iter().enumerate() {
            let field = format!("{key}[{i}]");
            let kind_word = kind.as_str();
            if !kind.is_ordered()
                && self.links.iter().any(|l| l.child == child && l.kind == kind_word)
            {
                findings.error(place(fields.file, &field), format!("\"{child}\" is listed twice"));
                continue;
            }
            let order = kind.is_ordered().then(|| i as i64 + 1);
            self.push(child, kind, order, field);
        }
    }

    /// A link of `kind` to the one agent named in `key`.
    fn one(&mut self, fields: &mut Fields<'_>, key: &str, kind: LinkKind, findings: &mut Findings) {
        if let Some(child) = fields.text(key, findings).filter(|c| !c.is_empty()) {
            self.push(child, kind, None, key.to_owned());
        }
    }

    fn push(&mut self, child: String, kind: LinkKind, order: Option<i64>, field: String) {
        let kind = kind.as_str().to_owned();
        self.links.push(BundleLink { child, kind, order, properties: JsonObject::new() });
        self.fields.push(field);
    }
}

/// `plan_type` and `plan_iterations`. fast-agent's iterative planner runs without a limit by
/// default; AgentLoom always has one.
fn read_planning(
    kind: CardKind,
    fields: &mut Fields<'_>,
    agent: &mut BundleAgent,
    findings: &mut Findings,
) {
    let plan_type = match kind {
        CardKind::IterativePlanner => "iterative".to_owned(),
        _ => fields.text("plan_type", findings).unwrap_or_else(|| "full".into()),
    };
    agent.options.insert("plan_type".into(), plan_type.into());
    match fields.whole("plan_iterations", findings) {
        Some(rounds) if rounds > 0 => {
            agent.options.insert("plan_iterations".into(), rounds.into());
        }
        Some(_) | None if kind == CardKind::IterativePlanner => findings.warn(
            place(fields.file, "plan_iterations"),
            "fast-agent plans without a limit here; AgentLoom stops after its default of 5 \
             iterations (set plan_iterations to choose)",
        ),
        Some(rounds) => findings.error(
            place(fields.file, "plan_iterations"),
            format!("must be at least 1, not {rounds}"),
        ),
        None => {}
    }
}

fn check_kind_options(options: &JsonObject, kind: CardKind, file: &str, findings: &mut Findings) {
    for (key, value) in options {
        let single: JsonObject = [(key.clone(), value.clone())].into_iter().collect();
        for problem in check_options(kind.agent_kind(), &single) {
            findings.error(place(file, key), problem);
        }
    }
}

/// Every field no step above mapped, by name: an error when dropping it would change what the
/// agent does, a warning when not.
fn report_leftovers(fields: Fields<'_>, findings: &mut Findings) {
    for (key, value) in fields.map.into_iter().filter(|(_, v)| !v.is_null()) {
        let (loss, why) =
            unsupported(&key).unwrap_or((Loss::Behaviour, "AgentLoom does not map it"));
        let message =
            format!("field \"{key}\" is not supported by AgentLoom (not imported): {why}");
        if loss == Loss::Behaviour && !is_inert(&value) {
            findings.error(fields.file, message);
        } else {
            findings.warn(fields.file, message);
        }
    }
}
