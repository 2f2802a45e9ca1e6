//! The Runs tab: every past run, newest first, filterable by workflow, status and date; a run opens
//! into the canvas and panels, can be picked as side A or B of a comparison, or cancelled while it
//! goes.

use eframe::egui;
use eframe::egui::{Color32, RichText};

use super::{Runs, Tab};
use crate::model::{Run, RunStatus, epoch_millis};

pub fn history_ui(runs: &mut Runs, ui: &mut egui::Ui) {
    let before = runs.history_filter.clone();
    ui.horizontal(|ui| {
        ui.checkbox(&mut runs.history_filter.this_workflow, "this workflow only");
        ui.label("Status");
        let status = runs.history_filter.status.map_or("any".to_owned(), |s| s.to_string());
        egui::ComboBox::from_id_salt("history_status").selected_text(status).show_ui(ui, |ui| {
            ui.selectable_value(&mut runs.history_filter.status, None, "any");
            for status in RunStatus::ALL {
                ui.selectable_value(
                    &mut runs.history_filter.status,
                    Some(*status),
                    status.as_str(),
                );
            }
        });
        ui.label("Date");
        ui.add(
            egui::TextEdit::singleline(&mut runs.history_filter.date)
                .hint_text("2026-11-24")
                .desired_width(90.0),
        );
        ui.label(RichText::new(format!("{} runs", runs.history.len())).weak());
    });
    if runs.history_filter != before {
        runs.refresh();
    }
    if runs.history.is_empty() {
        ui.label(RichText::new("No run matches.").weak());
        return;
    }
    let mut action = None;
    let row_height = ui.spacing().interact_size.y + 2.0;
    egui::ScrollArea::vertical().auto_shrink([false; 2]).show_rows(
        ui,
        row_height,
        runs.history.len(),
        |ui, rows| {
            for run in &runs.history[rows] {
                ui.horizontal(|ui| {
                    if let Some(chosen) = run_row(ui, run, runs) {
                        action = Some((run.id, chosen));
                    }
                });
            }
        },
    );
    match action {
        Some((run, RowAction::Open)) => {
            runs.focus_on(run);
            runs.tab = Tab::Trace;
        }
        Some((run, RowAction::CompareA)) => runs.compare.pick_a(run),
        Some((run, RowAction::CompareB)) => {
            runs.compare.pick_b(run);
            runs.tab = Tab::Compare;
            runs.refresh();
        }
        Some((run, RowAction::Replay)) => {
            if let Some(runner) = runs.runner() {
                runner.replay(run, None);
                runs.tab = Tab::Trace;
            }
        }
        Some((run, RowAction::Cancel)) => {
            if let Some(runner) = runs.runner() {
                runner.cancel(run);
            }
        }
        Some((run, RowAction::Resume)) => {
            if let Some(runner) = runs.runner() {
                runner.resume(run);
                runs.focus_on(run);
                runs.tab = Tab::Trace;
            }
        }
        None => {}
    }
}

enum RowAction {
    Open,
    CompareA,
    CompareB,
    Replay,
    Cancel,
    Resume,
}

fn run_row(ui: &mut egui::Ui, run: &Run, runs: &Runs) -> Option<RowAction> {
    let mut action = None;
    let focused = runs.focus == Some(run.id);
    let title = format!("run {} · {}", run.id, run.target);
    if ui
        .add_sized([200.0, 18.0], egui::Button::selectable(focused, title))
        .on_hover_text(format!("Open run {}: {}", run.id, run.input))
        .clicked()
    {
        action = Some(RowAction::Open);
    }
    ui.add_sized([80.0, 18.0], egui::Label::new(status_text(run.status)));
    ui.add_sized(
        [150.0, 18.0],
        egui::Label::new(
            RichText::new(
                run.created_at
                    .replace('T', " ")
                    .trim_end_matches('Z')
                    .get(..19)
                    .unwrap_or(&run.created_at)
                    .to_owned(),
            )
            .weak(),
        ),
    );
    let duration = duration_ms(run.started_at.as_deref(), run.ended_at.as_deref())
        .map_or("—".to_owned(), format_ms);
    ui.add_sized([70.0, 18.0], egui::Label::new(duration));
    ui.add_sized(
        [90.0, 18.0],
        egui::Label::new(format!("{} tok", run.input_tokens + run.output_tokens)),
    );
    ui.add_sized([70.0, 18.0], egui::Label::new(format_cost(run.cost_usd)));
    ui.add_sized([40.0, 18.0], egui::Label::new(RichText::new(run.origin.as_str()).weak()));
    if ui.small_button("A").on_hover_text("Compare: this run on the left").clicked() {
        action = Some(RowAction::CompareA);
    }
    if ui.small_button("B").on_hover_text("Compare: this run on the right").clicked() {
        action = Some(RowAction::CompareB);
    }
    let replayable = run.status.is_final();
    let replay = ui.add_enabled(replayable, egui::Button::new("↺ Replay").small());
    if replay
        .on_hover_text(
            "Run it again from its recorded answers: no provider is called, nothing is paid",
        )
        .on_disabled_hover_text("A run can be replayed once it is over")
        .clicked()
    {
        action = Some(RowAction::Replay);
    }
    if runs.is_going(run.id) && ui.small_button("■").on_hover_text("Cancel this run").clicked() {
        action = Some(RowAction::Cancel);
    }
    if run.status == RunStatus::Interrupted {
        if ui
            .small_button("▶ Resume")
            .on_hover_text(
                "Go on with this run where its process stopped: finished steps are not run again",
            )
            .clicked()
        {
            action = Some(RowAction::Resume);
        }
        if ui.small_button("■").on_hover_text("Cancel it, so that it is not resumed").clicked() {
            action = Some(RowAction::Cancel);
        }
    }
    if let Some(source) = run.replay_of_run_id {
        ui.label(RichText::new(format!("replay of run {source}")).weak());
    }
    ui.label(RichText::new(run.input.lines().next().unwrap_or_default()).weak());
    action
}

/// A run's or span's status, coloured.
pub fn status_text(status: RunStatus) -> RichText {
    let (mark, color) = match status {
        RunStatus::Queued => ("○", Color32::from_gray(150)),
        RunStatus::Running => ("▶", Color32::from_rgb(100, 150, 230)),
        RunStatus::Waiting => ("✋", Color32::from_rgb(230, 170, 40)),
        RunStatus::Succeeded => ("✔", Color32::from_rgb(90, 180, 90)),
        RunStatus::Failed => ("✖", Color32::from_rgb(220, 90, 90)),
        RunStatus::Cancelled => ("■", Color32::from_gray(150)),
        RunStatus::Interrupted => ("⚠", Color32::from_rgb(230, 140, 60)),
    };
    RichText::new(format!("{mark} {status}")).color(color)
}

/// Milliseconds between two stored timestamps.
pub fn duration_ms(started: Option<&str>, ended: Option<&str>) -> Option<i64> {
    Some(epoch_millis(ended?)? - epoch_millis(started?)?)
}

pub fn format_ms(ms: i64) -> String {
    if ms < 1_000 { format!("{ms} ms") } else { format!("{:.2} s", ms as f64 / 1_000.0) }
}

pub fn format_cost(usd: f64) -> String {
    if usd == 0.0 { "$0".to_owned() } else { format!("${usd:.4}") }
}
