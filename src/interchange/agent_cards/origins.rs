//! Where each part of a card set's bundle came from, so that a problem the ordinary import finds
//! (`agents[2].links[0]`) is reported at its card and field (`cards/writer.md: sequence[0]`).

use super::findings::place;
use crate::interchange::{DocProblem, InterchangeError};

/// The card an agent of the bundle came from, and the card field of each of its links and servers.
#[derive(Debug, Clone)]
pub(super) struct AgentOrigin {
    pub(super) file: String,
    pub(super) links: Vec<String>,
    pub(super) servers: Vec<String>,
}

/// The origin of every agent, LLM config and MCP server of a bundle, in bundle order.
#[derive(Debug, Clone)]
pub(super) struct Origins {
    source: String,
    agents: Vec<AgentOrigin>,
    llm_configs: Vec<String>,
    mcp_servers: Vec<String>,
}

impl Origins {
    pub(super) fn new(
        source: String,
        agents: Vec<AgentOrigin>,
        llm_configs: Vec<String>,
        mcp_servers: Vec<String>,
    ) -> Origins {
        Origins { source, agents, llm_configs, mcp_servers }
    }

    /// `error` with every bundle path replaced by the card and field it came from.
    pub(super) fn translate(&self, error: InterchangeError) -> InterchangeError {
        match error {
            InterchangeError::Problems(problems) => InterchangeError::Problems(
                problems
                    .into_iter()
                    .map(|p| DocProblem { path: self.place_of(&p.path), message: p.message })
                    .collect(),
            ),
            other => other,
        }
    }

    fn place_of(&self, path: &str) -> String {
        if let Some((origin, rest)) =
            indexed(path, "agents").and_then(|(i, rest)| Some((self.agents.get(i)?, rest)))
        {
            return agent_place(origin, rest);
        }
        let from_list = |list: &[String], name: &str| {
            indexed(path, name).and_then(|(i, _)| list.get(i).cloned())
        };
        from_list(&self.llm_configs, "llm_configs")
            .or_else(|| from_list(&self.mcp_servers, "mcp_servers"))
            .unwrap_or_else(|| {
                if path.starts_with("workflow") {
                    place(&self.source, path)
                } else {
                    path.to_owned()
                }
            })
    }
}

/// Where `rest` (what follows `agents[i]`) is in the agent's card.
fn agent_place(origin: &AgentOrigin, rest: &str) -> String {
    let rest = rest.trim_start_matches('.');
    let field = indexed(rest, "links")
        .and_then(|(k, _)| origin.links.get(k))
        .or_else(|| indexed(rest, "mcp_servers").and_then(|(k, _)| origin.servers.get(k)));
    match field {
        Some(field) => place(&origin.file, field),
        None => place(&origin.file, rest),
    }
}

/// `(3, ".links[0]")` for `agents[3].links[0]` and `list` `agents`.
fn indexed<'p>(path: &'p str, list: &str) -> Option<(usize, &'p str)> {
    let rest = path.strip_prefix(list)?.strip_prefix('[')?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_paths_become_card_fields() {
        let origins = Origins::new(
            "cards".into(),
            vec![AgentOrigin {
                file: "cards/chain.md".into(),
                links: vec!["sequence[0]".into(), "sequence[1]".into()],
                servers: vec![],
            }],
            vec!["cards/writer.md: model".into()],
            vec![],
        );
        assert_eq!(origins.place_of("agents[0].links[1].child"), "cards/chain.md: sequence[1]");
        assert_eq!(origins.place_of("agents[0]"), "cards/chain.md");
        assert_eq!(origins.place_of("llm_configs[0].provider"), "cards/writer.md: model");
        assert_eq!(origins.place_of("workflow.root"), "cards: workflow.root");
        assert_eq!(
            origins.place_of("agent \"x\" (already in the database)"),
            "agent \"x\" (already in the database)"
        );
    }
}
