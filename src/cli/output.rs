//! Printing results: aligned text tables for people, JSON for scripts.

use std::process::ExitCode;

use serde::Serialize;

/// Prints `value` as pretty JSON.
pub(super) fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

/// Prints rows under a header, each column as wide as its widest cell; the last column is not padded.
pub(super) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(
                |(i, cell)| {
                    if i == last { (*cell).to_owned() } else { format!("{cell:<0$}", widths[i]) }
                },
            )
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints `label: value` lines, labels aligned.
pub(super) fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(label, _)| label.len()).max().unwrap_or(0) + 1;
    for (label, value) in fields {
        let label = format!("{label}:");
        if value.contains('\n') {
            println!("{label}");
            for line in value.lines() {
                println!("  {line}");
            }
        } else {
            println!("{label:<width$} {value}");
        }
    }
}

/// The first line of `text`, cut to `max` characters with an ellipsis.
pub(super) fn short(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > max || text.lines().nth(1).is_some() {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// `-` for an absent value.
pub(super) fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), str::to_owned)
}
