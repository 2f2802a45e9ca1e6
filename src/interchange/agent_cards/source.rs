//! Where cards come from: a card file or a folder of them, Markdown front matter split from its
//! body, YAML read into loose values with the file's line numbers kept, and the `fast-agent.yaml`
//! found beside the cards.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::findings::{Findings, place};
use crate::interchange::{DocProblem, InterchangeError, read_document};

/// One card file, parsed but not yet understood.
#[derive(Debug, Clone)]
pub(super) struct CardDoc {
    /// The file as messages show it.
    pub(super) shown: String,
    /// The file name without its extension: fast-agent's name for a card that gives none.
    pub(super) stem: String,
    pub(super) fields: Map<String, Value>,
    /// The Markdown body (the instruction), `None` for a YAML card.
    pub(super) body: Option<String>,
}

/// The `fast-agent.yaml` found beside the cards.
#[derive(Debug, Clone)]
pub(super) struct ConfigDoc {
    pub(super) shown: String,
    pub(super) values: Map<String, Value>,
}

/// A card set: every card of a folder (or the one card file) and its fast-agent configuration.
#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The path given, as messages show it.
    pub(super) shown: String,
    /// The workflow's name: the folder's or file's name, kept to letters, digits, `_` and `-`.
    pub(super) set_name: String,
    pub(super) cards: Vec<CardDoc>,
    pub(super) config: Option<ConfigDoc>,
    /// Files of the folder that were not read as cards, and why.
    pub(super) skipped: Vec<(String, &'static str)>,
}

const MARKDOWN: &[&str] = &["md", "markdown"];
const YAML: &[&str] = &["yaml", "yml"];
/// fast-agent's configuration files, looked for beside the cards and then one folder up.
const CONFIG_FILES: &[&str] = &["fast-agent.yaml", "fastagent.config.yaml"];

/// Whether `path` holds fast-agent AgentCards: a folder, a Markdown file, or a YAML file that is
/// not an AgentLoom workflow document (`agentloom: 1`).
pub(super) fn looks_like_cards(path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    match extension(path) {
        Some(ext) if MARKDOWN.contains(&ext.as_str()) => true,
        Some(ext) if YAML.contains(&ext.as_str()) => {
            read_document(path).is_ok_and(|text| !is_agentloom_document(&text))
        }
        _ => false,
    }
}

/// Reads the card set at `path`; every file that cannot be read or parsed is reported, with its
/// line for a syntax error.
pub(super) fn read(path: &Path) -> Result<Source, InterchangeError> {
    let shown = path.display().to_string();
    let mut findings = Findings::default();
    let mut skipped = Vec::new();
    let files = if path.is_dir() {
        card_files(path, &mut skipped).map_err(|why| refuse(&shown, why))?
    } else if extension(path)
        .is_some_and(|e| MARKDOWN.contains(&e.as_str()) || YAML.contains(&e.as_str()))
    {
        vec![path.to_path_buf()]
    } else {
        return Err(refuse(&shown, "an AgentCard is a .md, .markdown, .yaml or .yml file".into()));
    };
    let mut cards = Vec::new();
    for file in &files {
        let file_shown = file.display().to_string();
        match read_document(file) {
            Ok(text) => {
                if let Some(card) =
                    parse_card(file, &file_shown, &text, path.is_dir(), &mut findings, &mut skipped)
                {
                    cards.push(card);
                }
            }
            Err(error) => findings.error(&file_shown, format!("cannot read: {error}")),
        }
    }
    let config = read_config(path, &mut findings);
    findings.into_result()?;
    if cards.is_empty() {
        return Err(refuse(
            &shown,
            "holds no AgentCard (Markdown with YAML front matter, or YAML)".into(),
        ));
    }
    Ok(Source { set_name: set_name(path), shown, cards, config, skipped })
}

fn refuse(shown: &str, message: String) -> InterchangeError {
    InterchangeError::Problems(vec![DocProblem { path: shown.to_owned(), message }])
}

fn extension(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(str::to_lowercase)
}

fn is_agentloom_document(text: &str) -> bool {
    match serde_saphyr::from_str::<Value>(text) {
        Ok(value) => value.get("agentloom").is_some(),
        Err(_) => text.lines().any(|line| line.starts_with("agentloom:")),
    }
}

/// The card files of a folder, sorted by name; fast-agent's configuration and secrets files are
/// not cards.
fn card_files(
    dir: &Path,
    skipped: &mut Vec<(String, &'static str)>,
) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|error| format!("cannot read the folder: {error}"))?;
    let mut files: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    let mut cards = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_lowercase();
        let Some(ext) = extension(&file) else { continue };
        if !MARKDOWN.contains(&ext.as_str()) && !YAML.contains(&ext.as_str()) {
            continue;
        }
        if CONFIG_FILES.contains(&name.as_str()) {
            continue;
        }
        if name.ends_with(".secrets.yaml") || name.ends_with(".secrets.yml") {
            skipped.push((file.display().to_string(), "a secrets file: never read"));
            continue;
        }
        cards.push(file);
    }
    Ok(cards)
}

fn parse_card(
    file: &Path,
    shown: &str,
    text: &str,
    in_folder: bool,
    findings: &mut Findings,
    skipped: &mut Vec<(String, &'static str)>,
) -> Option<CardDoc> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    let markdown = extension(file).is_some_and(|e| MARKDOWN.contains(&e.as_str()));
    let (yaml, body) = if markdown {
        if file.file_name().is_some_and(|n| n == "SKILL.md") {
            skipped.push((shown.to_owned(), "an Agent Skill manifest, not an AgentCard"));
            return None;
        }
        match split_front_matter(text) {
            FrontMatter::Found { yaml, body } => (yaml, Some(body)),
            FrontMatter::Missing if in_folder => {
                skipped.push((shown.to_owned(), "Markdown without front matter, not an AgentCard"));
                return None;
            }
            FrontMatter::Missing => {
                findings.error(
                    shown,
                    "an AgentCard in Markdown starts with YAML front matter between --- lines",
                );
                return None;
            }
            FrontMatter::Toml => {
                findings.error(shown, "TOML front matter (+++) is not read; write the front matter as YAML between --- lines");
                return None;
            }
            FrontMatter::Unclosed { line } => {
                findings.error(
                    shown,
                    format!("the front matter opened at line {line} is never closed by a --- line"),
                );
                return None;
            }
        }
    } else {
        (text.to_owned(), None)
    };
    let fields = match serde_saphyr::from_str::<Value>(&yaml) {
        Ok(Value::Object(fields)) => fields,
        Ok(Value::Null) if markdown => Map::new(),
        Ok(_) => {
            findings
                .error(shown, "an AgentCard's fields must be a YAML mapping (name: value lines)");
            return None;
        }
        Err(error) => {
            findings.error(shown, syntax_message(&error.to_string()));
            return None;
        }
    };
    if fields.contains_key("agentloom") {
        findings.error(
            place(shown, "agentloom"),
            "this is an AgentLoom workflow document, not an AgentCard; import it on its own",
        );
        return None;
    }
    Some(CardDoc { shown: shown.to_owned(), stem, fields, body })
}

/// The first line of a YAML error (`line 4 column 4: ...`), without its `error: ` prefix.
fn syntax_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

enum FrontMatter {
    /// The YAML, padded with blank lines so that its line numbers are the file's, and the body.
    Found {
        yaml: String,
        body: String,
    },
    Missing,
    Toml,
    Unclosed {
        line: usize,
    },
}

fn split_front_matter(text: &str) -> FrontMatter {
    let lines: Vec<&str> = text.lines().collect();
    let Some(open) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return FrontMatter::Missing;
    };
    match lines[open].trim() {
        "---" => {}
        "+++" => return FrontMatter::Toml,
        _ => return FrontMatter::Missing,
    }
    let Some(close) = lines.iter().skip(open + 1).position(|l| l.trim_end() == "---") else {
        return FrontMatter::Unclosed { line: open + 1 };
    };
    let close = open + 1 + close;
    let mut yaml = "\n".repeat(open + 1);
    yaml.push_str(&lines[open + 1..close].join("\n"));
    FrontMatter::Found { yaml, body: lines[close + 1..].join("\n") }
}

/// The workflow name a card set gets: the folder's or file's name, with every character other
/// than letters, digits, `_` and `-` made `_`.
fn set_name(path: &Path) -> String {
    let full = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let raw = if full.is_dir() { full.file_name() } else { full.file_stem() };
    let raw = raw.and_then(|n| n.to_str()).unwrap_or("cards");
    let name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(crate::model::MAX_NAME_LEN)
        .collect();
    if name.trim_matches('_').is_empty() { "cards".to_owned() } else { name }
}

/// `fast-agent.yaml` (or `fastagent.config.yaml`) beside the cards, else one folder up.
fn read_config(path: &Path, findings: &mut Findings) -> Option<ConfigDoc> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let candidates = [Some(dir.as_path()), dir.parent()];
    let file = candidates
        .into_iter()
        .flatten()
        .flat_map(|d| CONFIG_FILES.iter().map(move |name| d.join(name)))
        .find(|f| f.is_file())?;
    let shown = file.display().to_string();
    let text = match read_document(&file) {
        Ok(text) => text,
        Err(error) => {
            findings.error(&shown, format!("cannot read: {error}"));
            return None;
        }
    };
    match serde_saphyr::from_str::<Value>(&text) {
        Ok(Value::Object(values)) => Some(ConfigDoc { shown, values }),
        Ok(Value::Null) => Some(ConfigDoc { shown, values: Map::new() }),
        Ok(_) => {
            findings.error(&shown, "fast-agent's configuration must be a YAML mapping");
            None
        }
        Err(error) => {
            findings.error(&shown, syntax_message(&error.to_string()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_keeps_the_files_line_numbers() {
        let FrontMatter::Found { yaml, body } =
            split_front_matter("\n---\nname: a\n---\nBe brief.\n")
        else {
            panic!("front matter not found");
        };
        assert_eq!(yaml, "\n\nname: a");
        assert_eq!(body, "Be brief.");
        assert!(matches!(split_front_matter("# Title\n"), FrontMatter::Missing));
        assert!(matches!(split_front_matter("---\nname: a\n"), FrontMatter::Unclosed { line: 1 }));
        assert!(matches!(split_front_matter("+++\nname = 1\n+++\n"), FrontMatter::Toml));
    }

    #[test]
    fn set_names_keep_to_identifier_characters() {
        assert_eq!(set_name(Path::new("my cards.v2.md")), "my_cards_v2");
        assert_eq!(
            syntax_message("error: line 4 column 4: bad\n --> <input>:4:4"),
            "line 4 column 4: bad"
        );
    }
}
