//! Tidy checks of the code's shape: layers use only the layers below them, only `store` speaks SQL,
//! and every source file says what it owns on its first line.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Who may use whom (ARCHITECTURE.md draws the same table). Modules not written yet are listed so
/// that they are held to the plan from their first line.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("store", &["model"]),
    ("llm", &["model"]),
    ("mcp", &["model"]),
    ("interchange", &["model", "store"]),
    ("engine", &["model", "store", "llm", "mcp", "interchange"]),
    ("api", &["model", "store", "engine", "interchange"]),
    ("app", &["model", "store", "engine", "interchange"]),
    ("cli", &["model", "store", "llm", "mcp", "interchange", "engine", "api"]),
];

/// Crates that only one layer may name.
const OWNED_CRATES: &[(&str, &str)] = &[
    ("rusqlite", "store"),
    ("tokio_postgres", "store"),
    ("rmcp", "mcp"),
    ("genai", "llm"),
    ("keyring", "llm"),
    ("egui", "app"),
    ("eframe", "app"),
    ("egui_snarl", "app"),
    ("rfd", "app"),
    ("axum", "api"),
    ("clap", "cli"),
];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The layer a file belongs to: its first folder under src/, or `None` for lib.rs and main.rs.
fn layer_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let mut parts = relative.components();
    let first = parts.next()?.as_os_str().to_str()?.to_owned();
    parts.next().map(|_| first)
}

/// Every `crate::layer` a file names, outside its own layer.
fn used_layers(text: &str, own: &str) -> Vec<String> {
    let known: Vec<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
    let mut used = Vec::new();
    for (index, _) in text.match_indices("crate::") {
        let rest = &text[index + "crate::".len()..];
        let name: String =
            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name != own && known.contains(&name.as_str()) && !used.contains(&name) {
            used.push(name);
        }
    }
    used
}

#[test]
fn layers_use_only_what_they_may_and_files_say_what_they_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut violations = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("read");
        let shown = file.strip_prefix(&src).unwrap_or(file).display().to_string();
        if !text.starts_with("//!") {
            violations.push(format!("{shown}: does not open with a //! line saying what it owns"));
        }
        let Some(layer) = layer_of(&src, file) else { continue };
        let Some(may_use) = allowed.get(layer.as_str()) else {
            violations.push(format!("{shown}: module `{layer}` is not in the layer table"));
            continue;
        };
        for used in used_layers(&text, &layer) {
            if !may_use.contains(&used.as_str()) {
                violations.push(format!("{shown}: `{layer}` may not use `{used}`"));
            }
        }
        for (krate, owner) in OWNED_CRATES {
            let named =
                text.contains(&format!("{krate}::")) || text.contains(&format!("use {krate}"));
            if named && layer != *owner {
                violations.push(format!("{shown}: only `{owner}` may use {krate}"));
            }
        }
    }
    assert!(violations.is_empty(), "architecture violations:\n{}", violations.join("\n"));
}

#[test]
fn the_checker_sees_a_violation() {
    assert_eq!(
        used_layers("use crate::store::Store;\nlet x = crate::model::AgentKind::Basic;", "cli"),
        ["store", "model"]
    );
    assert!(used_layers("use crate::store::Store;", "store").is_empty());
}
