//! From a definition set to the document that export writes.

use super::bundle::{
    Bundle, BundleAgent, BundleLink, BundleLlmConfig, BundleMcpServer, BundleServerUse,
    BundleWorkflow, FORMAT_VERSION,
};
use serde_saphyr::FlowSeq;

use crate::model::{DEFAULT_INIT_TIMEOUT_SECS, DefinitionSet, LinkSpec};

/// The document for `set`, in a stable order (root agent first, then by name; links by kind,
/// order and child), so that equal definitions always give equal bytes.
pub fn to_bundle(set: &DefinitionSet) -> Bundle {
    let agents = set
        .agents
        .iter()
        .map(|agent| {
            let mut links: Vec<&LinkSpec> = agent.links.iter().collect();
            links.sort_by(|a, b| (a.kind, a.order, &a.child).cmp(&(b.kind, b.order, &b.child)));
            BundleAgent {
                name: agent.spec.name.clone(),
                kind: agent.spec.kind.to_string(),
                description: agent.spec.description.clone(),
                instruction: agent.spec.instruction.clone(),
                llm: agent.spec.llm.clone(),
                llm_overrides: agent
                    .llm_overrides
                    .iter()
                    .map(|o| (o.purpose.to_string(), o.llm.clone()))
                    .collect(),
                request_params: agent.spec.request_params.clone(),
                options: agent.spec.options.clone(),
                use_history: agent.spec.use_history,
                human_input: agent.spec.human_input,
                public: agent.spec.public,
                mcp_servers: agent
                    .mcp_servers
                    .iter()
                    .map(|s| BundleServerUse {
                        server: s.server.clone(),
                        allowed_tools: s.allowed_tools.clone(),
                    })
                    .collect(),
                links: links
                    .into_iter()
                    .map(|l| BundleLink {
                        child: l.child.clone(),
                        kind: l.kind.to_string(),
                        order: l.order,
                        properties: l.properties.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let llm_configs = set
        .llm_configs
        .iter()
        .map(|c| BundleLlmConfig {
            name: c.name.clone(),
            provider: c.provider.to_string(),
            model: c.model.clone(),
            base_url: c.base_url.clone(),
            api_key_ref: c.api_key_ref.as_ref().map(ToString::to_string),
            request_params: c.request_params.clone(),
            provider_options: c.provider_options.clone(),
            input_price_per_mtok: c.input_price_per_mtok,
            output_price_per_mtok: c.output_price_per_mtok,
        })
        .collect();
    let mcp_servers = set
        .mcp_servers
        .iter()
        .map(|s| BundleMcpServer {
            name: s.name.clone(),
            transport: s.transport.to_string(),
            command: s.command.clone(),
            args: s.args.clone(),
            env: s.env.clone(),
            cwd: s.cwd.clone(),
            url: s.url.clone(),
            headers: s.headers.clone(),
            root_paths: s.root_paths.clone(),
            sampling_llm: s.sampling_llm.clone(),
            init_timeout_secs: Some(s.init_timeout_secs)
                .filter(|secs| *secs != DEFAULT_INIT_TIMEOUT_SECS),
        })
        .collect();
    Bundle {
        agentloom: FORMAT_VERSION,
        workflow: BundleWorkflow {
            name: set.workflow.name.clone(),
            description: set.workflow.description.clone(),
            root: set.workflow.root.clone(),
            webhook_url: set.workflow.webhook_url.clone(),
        },
        agents,
        llm_configs,
        mcp_servers,
        layout: set.layout.iter().map(|(name, p)| (name.clone(), FlowSeq([p.x, p.y]))).collect(),
    }
}
