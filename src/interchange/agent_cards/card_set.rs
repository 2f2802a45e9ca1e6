//! A whole card set as one workflow: names unique, references resolved (other cards, then the
//! database), MCP servers found, models made LLM configs, the entry card chosen, and the bundle
//! the ordinary import writes.

use std::collections::{BTreeMap, BTreeSet};

use super::ModelParser;
use super::card::{ReadCard, read_card};
use super::fields::CardKind;
use super::findings::{Findings, Remarks, place};
use super::origins::{AgentOrigin, Origins};
use super::servers::{DeclaredServer, config_server};
use super::source::{ConfigDoc, Source};
use crate::interchange::bundle::Bundle;
use crate::interchange::{ExistingNames, InterchangeError, to_bundle};
use crate::model::{
    DefinitionSet, LlmConfigSpec, McpServerSpec, ProviderKind, SecretRef, WorkflowSpec,
};

/// What is already in the database that a card set may use without defining it.
#[derive(Debug, Clone, Default)]
pub(super) struct Existing {
    pub(super) names: ExistingNames,
    pub(super) servers: BTreeMap<String, McpServerSpec>,
}

/// A card set ready to import.
#[derive(Debug, Clone)]
pub(super) struct Assembled {
    pub(super) bundle: Bundle,
    pub(super) origins: Origins,
    pub(super) cards: Vec<String>,
    pub(super) remarks: Remarks,
}

/// The model agents get when neither their card nor `fast-agent.yaml` names one.
const FALLBACK_MODEL: &str = "passthrough";
/// fast-agent's endpoint for `generic.` models when `fast-agent.yaml` gives none (Ollama).
const GENERIC_BASE_URL: &str = "http://localhost:11434/v1";

/// Checks the card set as a whole and builds its bundle, or reports every problem at its place.
pub(super) fn assemble(
    source: &Source,
    existing: &Existing,
    parse_model: ModelParser,
) -> Result<Assembled, InterchangeError> {
    let mut findings = Findings::default();
    for (file, why) in &source.skipped {
        findings.note(file, format!("skipped: {why}"));
    }
    let mut cards: Vec<ReadCard> =
        source.cards.iter().filter_map(|doc| read_card(doc, &mut findings)).collect();
    findings.refuse_if_any()?;
    check_unique_names(&cards, &mut findings);
    check_references(&cards, &existing.names, &mut findings);
    let servers = resolve_servers(&cards, existing, source.config.as_ref(), &mut findings);
    let llm_configs = assign_models(&mut cards, existing, source, parse_model, &mut findings);
    let root = choose_root(&cards, &source.shown, &mut findings);
    findings.refuse_if_any()?;
    if let Some(root) = root {
        let root_card = cards.remove(root);
        cards.insert(0, root_card);
    }
    let (bundle, origins) = build_bundle(source, cards, llm_configs, servers);
    let files = source.cards.iter().map(|c| c.shown.clone()).collect();
    Ok(Assembled { bundle, origins, cards: files, remarks: findings.into_result()? })
}

fn check_unique_names(cards: &[ReadCard], findings: &mut Findings) {
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for card in cards {
        match first.get(card.agent.name.as_str()) {
            Some(other) => findings.error(
                place(&card.file, "name"),
                format!("\"{}\" is also the name of the card in {other}", card.agent.name),
            ),
            None => {
                first.insert(&card.agent.name, &card.file);
            }
        }
    }
}

/// Every agent a card names must be another card of the set or an agent in the database.
fn check_references(cards: &[ReadCard], existing: &ExistingNames, findings: &mut Findings) {
    let known: BTreeSet<&str> = cards
        .iter()
        .map(|c| c.agent.name.as_str())
        .chain(existing.agents.iter().map(String::as_str))
        .collect();
    for card in cards {
        for (link, field) in card.agent.links.iter().zip(&card.link_fields) {
            let at = place(&card.file, field);
            if link.child == card.agent.name {
                findings.error(at, format!("\"{}\" cannot use itself", link.child));
            } else if !known.contains(link.child.as_str()) {
                findings.error(
                    at,
                    format!(
                        "unknown agent \"{}\" (no card here and no agent in the database has that name)",
                        link.child
                    ),
                );
            }
        }
    }
}

/// The MCP servers the cards use: those in the database are used as they are; the others must be
/// defined by a card's `mcp_connect` or by `fast-agent.yaml`.
fn resolve_servers(
    cards: &[ReadCard],
    existing: &Existing,
    config: Option<&ConfigDoc>,
    findings: &mut Findings,
) -> Vec<DeclaredServer> {
    let mut defined: Vec<DeclaredServer> = Vec::new();
    for declared in cards.iter().flat_map(|c| &c.connects) {
        match defined.iter().find(|d| d.spec.name == declared.spec.name) {
            Some(first) if first.spec != declared.spec => findings.error(
                &declared.place,
                format!(
                    "defines server \"{}\" differently from {}",
                    declared.spec.name, first.place
                ),
            ),
            Some(_) => {}
            None => defined.push(declared.clone()),
        }
    }
    let mut broken: BTreeSet<&str> = BTreeSet::new();
    for card in cards {
        for (used, field) in card.agent.mcp_servers.iter().zip(&card.server_fields) {
            let name = used.server.as_str();
            let known =
                existing.servers.contains_key(name) || defined.iter().any(|d| d.spec.name == name);
            if known || broken.contains(name) {
                continue;
            }
            match config.and_then(|c| config_server(c, name, findings)) {
                Some(Some(declared)) => defined.push(declared),
                Some(None) => {
                    broken.insert(name);
                }
                None => findings.error(
                    place(&card.file, field),
                    format!(
                        "unknown MCP server \"{name}\" (not in the database, a card's mcp_connect \
                         or fast-agent.yaml's mcp.servers)"
                    ),
                ),
            }
        }
    }
    defined
        .into_iter()
        .filter(|declared| match existing.servers.get(&declared.spec.name) {
            Some(stored) => {
                if *stored != declared.spec {
                    findings.warn(
                        &declared.place,
                        format!(
                            "server \"{}\" is already in the database with other settings; it is \
                             used as it is (not changed)",
                            declared.spec.name
                        ),
                    );
                }
                false
            }
            None => true,
        })
        .collect()
}

/// Gives every agent that calls a model an LLM config named by its model string, creating the
/// configs the database does not have yet.
fn assign_models(
    cards: &mut [ReadCard],
    existing: &Existing,
    source: &Source,
    parse_model: ModelParser,
    findings: &mut Findings,
) -> Vec<(LlmConfigSpec, String)> {
    let config = source.config.as_ref();
    let declared_default = config.and_then(|c| {
        let model = c.values.get("default_model")?.as_str()?;
        Some((model.to_owned(), c.shown.clone()))
    });
    let mut models =
        Models { existing, parse_model, config, made: BTreeMap::new(), new: Vec::new() };
    let mut defaulted = Vec::new();
    for card in cards.iter_mut().filter(|c| c.kind.calls_llm()) {
        let (model, at) = match (&card.model, &declared_default) {
            (Some(model), _) => (model.clone(), place(&card.file, "model")),
            (None, Some((model, file))) => (model.clone(), place(file, "default_model")),
            (None, None) => (FALLBACK_MODEL.to_owned(), card.file.clone()),
        };
        if card.model.is_none() {
            defaulted.push(card.agent.name.clone());
        }
        card.agent.llm = models.config_for(&model, &at, findings);
    }
    if !defaulted.is_empty() {
        let (model, from) = match &declared_default {
            Some((model, file)) => (model.as_str(), format!("the default_model of {file}")),
            None => (FALLBACK_MODEL, "neither the cards nor a fast-agent.yaml name one".to_owned()),
        };
        findings.note(
            &source.shown,
            format!("cards without a model ({}) use \"{model}\": {from}", defaulted.join(", ")),
        );
    }
    models.new
}

/// The LLM configs of a card set's model strings, each made once.
struct Models<'a> {
    existing: &'a Existing,
    parse_model: ModelParser,
    config: Option<&'a ConfigDoc>,
    /// Model string → its config's name, `None` when it cannot be mapped (already reported).
    made: BTreeMap<String, Option<String>>,
    /// Configs to create, with where their model string was written.
    new: Vec<(LlmConfigSpec, String)>,
}

impl Models<'_> {
    /// The name of the LLM config for `model`, written at `at`; a config already in the database
    /// is used as it is.
    fn config_for(&mut self, model: &str, at: &str, findings: &mut Findings) -> Option<String> {
        if let Some(made) = self.made.get(model) {
            return made.clone();
        }
        let name = config_name(model);
        let ready = if self.existing.names.llm_configs.contains(&name) {
            Some(name)
        } else {
            match llm_config(model, &name, self.parse_model, self.config) {
                Ok(spec) => {
                    note_key(&spec, at, findings);
                    self.new.push((spec, at.to_owned()));
                    Some(name)
                }
                Err(why) => {
                    findings.error(at, why);
                    None
                }
            }
        };
        self.made.insert(model.to_owned(), ready.clone());
        ready
    }
}

/// The LLM config for a fast-agent model string: its provider's key read from the environment
/// variable fast-agent reads (`OPENAI_API_KEY`, ...), never stored.
fn llm_config(
    model: &str,
    name: &str,
    parse_model: ModelParser,
    config: Option<&ConfigDoc>,
) -> Result<LlmConfigSpec, String> {
    if let Some((_, options)) = model.split_once('?') {
        return Err(format!(
            "model \"{model}\": options after '?' ({options}) are not supported by AgentLoom (not imported); \
             remove them or set them on the LLM config"
        ));
    }
    let (provider, model_name) =
        parse_model(model).map_err(|why| format!("model \"{model}\" cannot be mapped: {why}"))?;
    let mut spec = LlmConfigSpec::new(name, provider, model_name);
    match provider {
        ProviderKind::Generic => {
            let configured = config
                .and_then(|c| c.values.get("generic"))
                .and_then(|g| g.get("base_url"))
                .and_then(|u| u.as_str());
            spec.base_url = Some(configured.unwrap_or(GENERIC_BASE_URL).to_owned());
        }
        ProviderKind::Ollama | ProviderKind::Passthrough | ProviderKind::Playback => {}
        _ => {
            let variable = format!("{}_API_KEY", provider.as_str().to_uppercase());
            spec.api_key_ref = Some(SecretRef::Env(variable));
        }
    }
    let problems = spec.problems();
    if problems.is_empty() { Ok(spec) } else { Err(problems.join("; ")) }
}

fn note_key(spec: &LlmConfigSpec, at: &str, findings: &mut Findings) {
    if let Some(key) = &spec.api_key_ref {
        findings.note(
            at,
            format!("LLM config \"{}\" reads its key from {key}, as fast-agent does", spec.name),
        );
    }
}

/// The LLM config name for a model string: the string itself, with characters a config name
/// cannot hold made `_`.
fn config_name(model: &str) -> String {
    model
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_-.:".contains(c) { c } else { '_' })
        .collect()
}

/// The card the workflow starts at: the one marked `default: true`, else the one card no other
/// card uses, else the one such card that is a workflow (not a plain agent).
fn choose_root(cards: &[ReadCard], shown: &str, findings: &mut Findings) -> Option<usize> {
    let defaults: Vec<usize> = (0..cards.len()).filter(|&i| cards[i].is_default).collect();
    if let [only] = defaults[..] {
        return Some(only);
    }
    if defaults.len() > 1 {
        let names: Vec<&str> = defaults.iter().map(|&i| cards[i].agent.name.as_str()).collect();
        for &i in &defaults {
            findings.error(
                place(&cards[i].file, "default"),
                format!("only one card may be the default, and {} all are", names.join(", ")),
            );
        }
        return None;
    }
    let used: BTreeSet<&str> =
        cards.iter().flat_map(|c| c.agent.links.iter().map(|l| l.child.as_str())).collect();
    let top: Vec<usize> = (0..cards.len())
        .filter(|&i| !used.contains(cards[i].agent.name.as_str()) && !cards[i].tool_only)
        .collect();
    let workflows: Vec<usize> = top
        .iter()
        .copied()
        .filter(|&i| cards[i].kind != CardKind::Agent || !cards[i].agent.links.is_empty())
        .collect();
    match (&top[..], &workflows[..]) {
        ([only], _) | (_, [only]) => Some(*only),
        ([], _) => {
            findings.error(
                shown,
                "every card is used by another card; mark the workflow's entry with default: true",
            );
            None
        }
        (many, _) => {
            let names: Vec<&str> = many.iter().map(|&i| cards[i].agent.name.as_str()).collect();
            findings.error(
                shown,
                format!(
                    "cannot tell which card the workflow starts at: {} are used by no other card; \
                     mark one with default: true",
                    names.join(", ")
                ),
            );
            None
        }
    }
}

/// The bundle (root agent first) and where each of its parts came from.
fn build_bundle(
    source: &Source,
    cards: Vec<ReadCard>,
    llm_configs: Vec<(LlmConfigSpec, String)>,
    mcp_servers: Vec<DeclaredServer>,
) -> (Bundle, Origins) {
    let root = cards.first().map(|c| c.agent.clone());
    let (root_name, description) = root.map(|r| (r.name, r.description)).unwrap_or_default();
    let description = if description.is_empty() {
        format!("fast-agent AgentCards from {}", source.shown)
    } else {
        description
    };
    let workflow = WorkflowSpec {
        name: source.set_name.clone(),
        description,
        root: root_name,
        webhook_url: None,
    };
    let (llm_configs, config_places) = llm_configs.into_iter().unzip();
    let (mcp_servers, server_places) = mcp_servers.into_iter().map(|d| (d.spec, d.place)).unzip();
    let set = DefinitionSet {
        workflow,
        agents: Vec::new(),
        llm_configs,
        mcp_servers,
        layout: BTreeMap::new(),
    };
    let mut bundle = to_bundle(&set);
    let mut agents = Vec::new();
    for card in cards {
        agents.push(AgentOrigin {
            file: card.file,
            links: card.link_fields,
            servers: card.server_fields,
        });
        bundle.agents.push(card.agent);
    }
    let origins = Origins::new(source.shown.clone(), agents, config_places, server_places);
    (bundle, origins)
}
