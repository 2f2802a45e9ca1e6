//! The Compare tab: two runs side by side (input, output, status, tokens, cost, latency), their
//! spans aligned step by step with the deltas, and the first step where they part ways
//! highlighted; selecting a step shows both sides' input and output.

use eframe::egui;
use eframe::egui::{Color32, RichText};

use super::Runs;
use super::history::{format_cost, format_ms, status_text};
use crate::model::{RunDiff, SpanDiff, SpanSide};
use crate::store::{Result, Store};

const DIVERGENCE: Color32 = Color32::from_rgb(230, 120, 60);

/// Which runs are compared, and the comparison once read.
#[derive(Debug, Default)]
pub struct CompareState {
    pub a: Option<i64>,
    pub b: Option<i64>,
    pub diff: Option<RunDiff>,
    /// The aligned step whose sides are shown in full.
    pub step: Option<usize>,
}

impl CompareState {
    pub fn pick_a(&mut self, run: i64) {
        self.a = Some(run);
        self.step = None;
    }

    pub fn pick_b(&mut self, run: i64) {
        self.b = Some(run);
        self.step = None;
    }

    /// Reads both runs again and compares them.
    pub fn refresh(&mut self, store: &Store) -> Result<()> {
        let (Some(a), Some(b)) = (self.a, self.b) else {
            self.diff = None;
            return Ok(());
        };
        self.diff = Some(store.read(|r| r.run_diff(a, b))?);
        if self.step.is_none() {
            self.step = self.diff.as_ref().and_then(|d| d.first_divergence);
        }
        Ok(())
    }
}

pub fn compare_ui(runs: &mut Runs, ui: &mut egui::Ui) {
    let Some(diff) = &runs.compare.diff else {
        ui.label("Pick two runs in the Runs tab with the A and B buttons to compare them.");
        if let Some(a) = runs.compare.a {
            ui.label(format!("A: run {a}; now pick B."));
        }
        return;
    };
    egui::Grid::new("compare_runs").num_columns(3).striped(true).show(ui, |ui| {
        ui.label("");
        ui.label(RichText::new(format!("A: run {} · {}", diff.a.run_id, diff.a.target)).strong());
        ui.label(RichText::new(format!("B: run {} · {}", diff.b.run_id, diff.b.target)).strong());
        ui.end_row();
        ui.label("status");
        ui.label(status_text(diff.a.status));
        ui.label(status_text(diff.b.status));
        ui.end_row();
        same_row(ui, "input", &diff.a.input, &diff.b.input, diff.same_input);
        let (out_a, out_b) =
            (outcome(&diff.a.output, &diff.a.error), outcome(&diff.b.output, &diff.b.error));
        same_row(ui, "output", &out_a, &out_b, diff.same_output);
        ui.label("tokens");
        let (tok_a, tok_b) = (
            diff.a.input_tokens + diff.a.output_tokens,
            diff.b.input_tokens + diff.b.output_tokens,
        );
        ui.label(tok_a.to_string());
        ui.label(format!("{tok_b} ({})", signed(tok_b - tok_a)));
        ui.end_row();
        ui.label("cost");
        ui.label(format_cost(diff.a.cost_usd));
        ui.label(format_cost(diff.b.cost_usd));
        ui.end_row();
        ui.label("latency");
        ui.label(diff.a.duration_ms.map_or("—".into(), format_ms));
        let latency_b = match (diff.a.duration_ms, diff.b.duration_ms) {
            (Some(a), Some(b)) => format!("{} ({} ms)", format_ms(b), signed(b - a)),
            (_, b) => b.map_or("—".into(), format_ms),
        };
        ui.label(latency_b);
        ui.end_row();
    });
    match diff.first_diverging_span() {
        Some(step) => ui.label(
            RichText::new(format!("➡ The runs part ways at {} ({})", step.path, step.kind))
                .color(DIVERGENCE)
                .strong(),
        ),
        None => {
            ui.label(RichText::new("✔ Every step agrees.").color(Color32::from_rgb(90, 180, 90)))
        }
    };
    ui.separator();
    let mut chosen = None;
    ui.columns(2, |columns| {
        egui::ScrollArea::vertical().id_salt("compare_steps").auto_shrink([false; 2]).show(
            &mut columns[0],
            |ui| {
                for (index, step) in diff.spans.iter().enumerate() {
                    let first = diff.first_divergence == Some(index);
                    if step_row(ui, step, first, runs.compare.step == Some(index)) {
                        chosen = Some(index);
                    }
                }
            },
        );
        let columns_ui = &mut columns[1];
        match runs.compare.step.and_then(|i| diff.spans.get(i)) {
            Some(step) => step_detail(columns_ui, step),
            None => {
                columns_ui.label(RichText::new("Select a step to see both sides.").weak());
            }
        }
    });
    if chosen.is_some() {
        runs.compare.step = chosen;
    }
}

fn outcome(output: &Option<String>, error: &Option<String>) -> String {
    match (output, error) {
        (_, Some(error)) => format!("✖ {error}"),
        (Some(output), None) => output.clone(),
        (None, None) => "—".into(),
    }
}

fn signed(delta: i64) -> String {
    if delta > 0 { format!("+{delta}") } else { delta.to_string() }
}

fn same_row(ui: &mut egui::Ui, what: &str, a: &str, b: &str, same: bool) {
    ui.label(what);
    let shorten = |t: &str| t.chars().take(120).collect::<String>();
    ui.label(shorten(a));
    if same {
        ui.label(RichText::new("(same)").weak());
    } else {
        ui.label(RichText::new(shorten(b)).color(DIVERGENCE));
    }
    ui.end_row();
}

/// One aligned step; returns whether it was clicked.
fn step_row(ui: &mut egui::Ui, step: &SpanDiff, first: bool, selected: bool) -> bool {
    let mut clicked = false;
    ui.horizontal(|ui| {
        ui.add_space(step.depth as f32 * 12.0);
        let mark = match (first, step.differs()) {
            (true, _) => RichText::new("➡").color(DIVERGENCE).strong(),
            (false, true) => RichText::new("≠").color(Color32::from_rgb(230, 170, 40)),
            (false, false) => RichText::new("=").weak(),
        };
        ui.label(mark);
        let mut title = RichText::new(step.path.rsplit('/').next().unwrap_or(&step.path));
        if first {
            title = title.color(DIVERGENCE).strong();
        }
        clicked =
            ui.add(egui::Button::selectable(selected, title)).on_hover_text(&step.path).clicked();
        ui.label(RichText::new(side_summary(step.a.as_ref())).small());
        ui.label(RichText::new("│").weak());
        ui.label(RichText::new(side_summary(step.b.as_ref())).small());
    });
    clicked
}

fn side_summary(side: Option<&SpanSide>) -> String {
    match side {
        None => "(absent)".into(),
        Some(side) => {
            let duration = side.duration_ms.map_or("—".into(), format_ms);
            format!(
                "{} · {duration} · {} tok · {}",
                side.status,
                side.input_tokens + side.output_tokens,
                format_cost(side.cost_usd)
            )
        }
    }
}

fn step_detail(ui: &mut egui::Ui, step: &SpanDiff) {
    ui.label(RichText::new(&step.path).strong());
    ui.columns(2, |columns| {
        for (ui, (label, side)) in columns.iter_mut().zip([("A", &step.a), ("B", &step.b)]) {
            ui.label(RichText::new(label).strong());
            let Some(side) = side else {
                ui.label(RichText::new("This run has no such step.").weak());
                continue;
            };
            ui.label(status_text(side.status));
            for (title, text) in
                [("Input", &side.input), ("Output", &side.output), ("Error", &side.error)]
            {
                if let Some(text) = text {
                    ui.label(RichText::new(title).small().strong());
                    ui.label(RichText::new(text).monospace());
                }
            }
        }
    });
}
