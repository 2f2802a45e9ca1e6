//! The logs panel: the focused run's log records, narrowed by level and agent; the run itself is
//! picked in the Runs tab or from the list here.

use eframe::egui;
use eframe::egui::{Color32, RichText};

use super::Runs;
use crate::model::{LogLevel, LogRecord};

pub fn logs_ui(runs: &mut Runs, ui: &mut egui::Ui) {
    let mut focus = None;
    ui.horizontal(|ui| {
        ui.label("Run");
        let current = runs.focus.map_or("—".to_owned(), |id| format!("run {id}"));
        egui::ComboBox::from_id_salt("logs_run").selected_text(current).show_ui(ui, |ui| {
            for run in runs.history.iter().take(50) {
                let label = format!("run {} · {} · {}", run.id, run.target, run.status);
                if ui.selectable_label(runs.focus == Some(run.id), label).clicked() {
                    focus = Some(run.id);
                }
            }
        });
        ui.label("Level");
        let level = runs.log_view.level.map_or("all".to_owned(), |l| format!("{l} and above"));
        egui::ComboBox::from_id_salt("logs_level").selected_text(level).show_ui(ui, |ui| {
            ui.selectable_value(&mut runs.log_view.level, None, "all");
            for level in LogLevel::ALL {
                ui.selectable_value(
                    &mut runs.log_view.level,
                    Some(*level),
                    format!("{level} and above"),
                );
            }
        });
        ui.label("Agent");
        let mut agents: Vec<&str> =
            runs.view.logs.iter().filter_map(|l| l.agent.as_deref()).collect();
        agents.sort_unstable();
        agents.dedup();
        let agent = runs.log_view.agent.clone().unwrap_or_else(|| "all".into());
        egui::ComboBox::from_id_salt("logs_agent").selected_text(agent).show_ui(ui, |ui| {
            ui.selectable_value(&mut runs.log_view.agent, None, "all");
            for agent in agents {
                ui.selectable_value(&mut runs.log_view.agent, Some(agent.to_owned()), agent);
            }
        });
    });
    if let Some(run) = focus {
        runs.focus_on(run);
    }
    let shown: Vec<&LogRecord> = runs
        .view
        .logs
        .iter()
        .filter(|l| runs.log_view.level.is_none_or(|min| l.level >= min))
        .filter(|l| runs.log_view.agent.is_none() || l.agent == runs.log_view.agent)
        .collect();
    if shown.is_empty() {
        ui.label(RichText::new("No log records for this run and filter.").weak());
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
    egui::ScrollArea::vertical().auto_shrink([false; 2]).stick_to_bottom(true).show_rows(
        ui,
        row_height,
        shown.len(),
        |ui, rows| {
            for record in &shown[rows] {
                ui.horizontal(|ui| {
                    let time = record.at.get(11..23).unwrap_or(&record.at);
                    ui.label(RichText::new(time).monospace().weak());
                    ui.label(
                        RichText::new(format!("{:5}", record.level.as_str()))
                            .monospace()
                            .color(level_color(record.level)),
                    );
                    if let Some(agent) = &record.agent {
                        ui.label(RichText::new(agent).monospace().strong());
                    }
                    ui.label(RichText::new(&record.message).monospace());
                });
            }
        },
    );
}

pub fn level_color(level: LogLevel) -> Color32 {
    match level {
        LogLevel::Error => Color32::from_rgb(220, 90, 90),
        LogLevel::Warn => Color32::from_rgb(230, 170, 40),
        LogLevel::Info => Color32::from_rgb(120, 170, 230),
        LogLevel::Debug | LogLevel::Trace => Color32::from_gray(140),
    }
}
