//! `agentloom llm ...`: LLM configs.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Globals;
use super::output::{or_dash, print_fields, print_json, print_table};
use super::parse;
use crate::model::{JsonObject, LlmConfig, LlmConfigSpec, ProviderKind, SecretRef};

#[derive(Debug, Subcommand)]
pub enum LlmCommand {
    /// Add an LLM config
    Add(AddArgs),
    /// List LLM configs
    List,
    /// Show one LLM config
    Show { name: String },
    /// Delete an LLM config (refused while agents or MCP servers use it)
    Rm { name: String },
    /// Approve a config written through the REST service: its provider, endpoint and key
    /// reference, so that its key may be resolved and sent
    Trust { name: String },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name agents refer to, e.g. gpt-4.1-mini or local-llama
    name: String,
    /// openai, anthropic, google, ollama, openrouter, groq, deepseek, xai, generic (any OpenAI-compatible URL), passthrough, playback
    #[arg(long)]
    provider: ProviderKind,
    /// The provider's model name, e.g. gpt-4.1-mini
    #[arg(long)]
    model: String,
    /// Endpoint, e.g. http://localhost:1234/v1 for LM Studio
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Where the key lives: env:VARIABLE or keyring:service/user (never the key itself)
    #[arg(long, value_name = "REF")]
    api_key_ref: Option<String>,
    /// Default request parameters as a JSON object, e.g. '{"temperature": 0.2}'
    #[arg(long, value_name = "JSON", value_parser = parse::json_object)]
    params: Option<JsonObject>,
    /// Price per million input tokens, in USD
    #[arg(long, value_name = "USD")]
    input_price: Option<f64>,
    /// Price per million output tokens, in USD
    #[arg(long, value_name = "USD")]
    output_price: Option<f64>,
}

pub(super) fn run(globals: &Globals, command: LlmCommand) -> anyhow::Result<ExitCode> {
    match command {
        LlmCommand::Add(args) => {
            // Parsed here rather than by clap, whose error would echo a pasted key.
            let api_key_ref = args
                .api_key_ref
                .as_deref()
                .map(str::parse::<SecretRef>)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--api-key-ref: {e}"))?;
            let spec = LlmConfigSpec {
                base_url: args.base_url,
                api_key_ref,
                request_params: args.params.unwrap_or_default(),
                input_price_per_mtok: args.input_price,
                output_price_per_mtok: args.output_price,
                ..LlmConfigSpec::new(args.name, args.provider, args.model)
            };
            globals.open()?.write("adding an LLM config", |w| w.create_llm_config(&spec))?;
            println!("Added LLM config \"{}\" ({} {}).", spec.name, spec.provider, spec.model);
            Ok(ExitCode::SUCCESS)
        }
        LlmCommand::List => {
            let configs = globals.open()?.read(|r| r.llm_configs())?;
            if globals.json {
                return print_json(&configs);
            }
            let rows: Vec<Vec<String>> = configs
                .iter()
                .map(|c| {
                    vec![
                        c.spec.name.clone(),
                        c.spec.provider.to_string(),
                        c.spec.model.clone(),
                        or_dash(c.spec.base_url.as_deref()),
                        c.spec.api_key_ref.as_ref().map_or_else(|| "-".into(), ToString::to_string),
                    ]
                })
                .collect();
            print_table(&["NAME", "PROVIDER", "MODEL", "BASE URL", "KEY"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        LlmCommand::Show { name } => {
            let config = globals.open()?.read(|r| r.llm_config(&name))?;
            if globals.json {
                return print_json(&config);
            }
            let spec = &config.spec;
            let price = |p: Option<f64>| {
                p.map_or_else(|| "-".into(), |p| format!("${p} per million tokens"))
            };
            print_fields(&[
                ("name", spec.name.clone()),
                ("provider", spec.provider.to_string()),
                ("model", spec.model.clone()),
                ("base URL", or_dash(spec.base_url.as_deref())),
                ("key", spec.api_key_ref.as_ref().map_or_else(|| "-".into(), ToString::to_string)),
                ("request params", serde_json::to_string(&spec.request_params)?),
                ("provider options", serde_json::to_string(&spec.provider_options)?),
                ("input price", price(spec.input_price_per_mtok)),
                ("output price", price(spec.output_price_per_mtok)),
                ("written by", config.written_by.to_string()),
                ("approved", approval(&config)),
                ("version", config.version.to_string()),
                ("updated", config.updated_at.clone()),
            ]);
            Ok(ExitCode::SUCCESS)
        }
        LlmCommand::Rm { name } => {
            globals.open()?.write("deleting an LLM config", |w| w.delete_llm_config(&name))?;
            println!("Deleted LLM config \"{name}\".");
            Ok(ExitCode::SUCCESS)
        }
        LlmCommand::Trust { name } => {
            let config =
                globals.open()?.write("trusting an LLM config", |w| w.trust_llm_config(&name))?;
            let spec = &config.spec;
            let key = spec.api_key_ref.as_ref().map_or_else(|| "-".into(), ToString::to_string);
            let endpoint = spec.base_url.as_deref().unwrap_or("its default endpoint");
            println!(
                "Trusted \"{name}\" to send the key {key} to {} at {endpoint}.",
                spec.provider
            );
            println!("Changing its provider, base URL or key reference over REST revokes this.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Whether the config's key may be used, or what approves it.
fn approval(config: &LlmConfig) -> String {
    match config.unapproved() {
        None => "yes".into(),
        Some(_) => format!("after `agentloom llm trust {}`", config.spec.name),
    }
}
