//! The Trace tab: the focused run's span tree as a waterfall (each row a span with its status,
//! duration, tokens and cost, and its bar on the run's timeline, the critical path emphasised),
//! and beside it the selected span's input, output, messages and logs.

use std::collections::{BTreeMap, BTreeSet};

use eframe::egui;
use eframe::egui::{Color32, RichText, Sense, Stroke};

use super::Runs;
use super::history::{format_cost, format_ms, status_text};
use super::logs::level_color;
use super::messages::message_ui;
use super::view::RunView;
use crate::model::{RunStatus, Span, SpanKind, epoch_millis};

pub fn trace_ui(runs: &mut Runs, ui: &mut egui::Ui) {
    let Some(run) = runs.view.run.clone() else {
        ui.label("No run open: press ▶ Run, or open one from the Runs tab.");
        return;
    };
    let timeline = Timeline::of(&runs.view.spans);
    let mut open_source = None;
    let mut rerun_from = None;
    let mut replay_all = false;
    let mut resume = false;
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("run {} · {}", run.id, run.target)).strong());
        ui.label(status_text(run.status));
        ui.label(format_ms(timeline.end - timeline.start));
        ui.label(format!("{} tokens", run.input_tokens + run.output_tokens));
        ui.label(format_cost(run.cost_usd));
        if let Some(source) = run.replay_of_run_id
            && ui.link(format!("replay of run {source}")).clicked()
        {
            open_source = Some(source);
        }
        replay_all = ui
            .add_enabled(run.status.is_final(), egui::Button::new("↺ Replay"))
            .on_hover_text("Run it again from its recorded answers: no provider is called")
            .clicked();
        if run.status == RunStatus::Interrupted {
            resume = ui
                .button("▶ Resume")
                .on_hover_text(
                    "Its process stopped before it ended: go on where it stopped, as the same run; \
                     finished steps are not run again",
                )
                .clicked();
        }
    });
    let rows = tree_rows(&runs.view.spans, &runs.collapsed);
    let critical = &runs.view.critical;
    let mut clicked = None;
    let mut toggled = None;
    let detail_width = ui.available_width() * 0.36;
    egui::Panel::right("trace_detail").resizable(true).default_size(detail_width).show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt("trace_detail").auto_shrink([false; 2]).show(
            ui,
            |ui| match runs.trace_span.and_then(|id| runs.view.span(id)) {
                Some(span) => {
                    let finished = run.status.is_final();
                    let rerun = ui
                        .add_enabled(finished, egui::Button::new("↺ Re-run from here"))
                        .on_hover_text("A new run: the steps before this one keep their recorded answers, this one and those after it call the providers again")
                        .on_disabled_hover_text("The run is still going");
                    if rerun.clicked() {
                        rerun_from = Some(span.id);
                    }
                    span_detail(ui, span, &runs.view);
                }
                None => {
                    ui.label(RichText::new("Select a span (or a node on the canvas) to see its input, output, messages and logs.").weak());
                }
            },
        );
    });
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical().id_salt("trace_tree").auto_shrink([false; 2]).show_rows(
        ui,
        row_height,
        rows.len(),
        |ui, shown| {
            let name_width = (ui.available_width() * 0.42).max(160.0);
            for row in &rows[shown] {
                let span = row.span;
                let selected = runs.trace_span == Some(span.id);
                ui.horizontal(|ui| {
                    let size = egui::vec2(name_width, row_height);
                    ui.allocate_ui_with_layout(
                        size,
                        egui::Layout::left_to_right(egui::Align::Center),
                        |ui| {
                            ui.set_width(name_width);
                            ui.add_space(row.depth as f32 * 12.0);
                            if row.has_children {
                                let open = !runs.collapsed.contains(&span.id);
                                if fold_button(ui, open).clicked() {
                                    toggled = Some(span.id);
                                }
                            } else {
                                ui.add_space(14.0);
                            }
                            kind_dot(ui, span.kind);
                            let mut title = RichText::new(span_title(span));
                            if selected {
                                title =
                                    title.strong().background_color(ui.visuals().selection.bg_fill);
                            }
                            let label = egui::Label::new(title).truncate().sense(Sense::click());
                            if ui.add(label).clicked() {
                                clicked = Some(span.id);
                            }
                        },
                    );
                    ui.add_sized(
                        [88.0, row_height],
                        egui::Label::new(status_text(span.status).small()),
                    );
                    let duration = span.duration_ms.map(format_ms).unwrap_or_default();
                    ui.add_sized(
                        [56.0, row_height],
                        egui::Label::new(RichText::new(duration).small()),
                    );
                    let tokens = span.input_tokens + span.output_tokens;
                    let tokens = if tokens > 0 { format!("{tokens} tok") } else { String::new() };
                    ui.add_sized(
                        [60.0, row_height],
                        egui::Label::new(RichText::new(tokens).small()),
                    );
                    bar(ui, span, &timeline, critical.contains(&span.id));
                });
            }
        },
    );
    if let Some(id) = toggled
        && !runs.collapsed.remove(&id)
    {
        runs.collapsed.insert(id);
    }
    if clicked.is_some() {
        runs.trace_span = clicked;
    }
    if let Some(runner) = runs.runner() {
        if resume {
            runner.resume(run.id);
        } else if replay_all {
            runner.replay(run.id, None);
        } else if let Some(span) = rerun_from {
            runner.replay(run.id, Some(span));
        }
    }
    if let Some(source) = open_source {
        runs.focus_on(source);
    }
}

fn span_title(span: &Span) -> String {
    match span.kind {
        SpanKind::Agent => format!("{} ({})", span.agent, span.name),
        _ if span.name.is_empty() => span.kind.to_string(),
        _ => span.name.clone(),
    }
}

/// A dot in the span kind's colour.
fn kind_dot(ui: &mut egui::Ui, kind: SpanKind) {
    let (dot, response) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), Sense::hover());
    ui.painter().circle_filled(dot.center(), 4.0, kind_color(kind));
    response.on_hover_text(kind.as_str());
}

/// The triangle that folds and unfolds a span's children.
fn fold_button(ui: &mut egui::Ui, open: bool) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), Sense::click());
    let color = ui.style().interact(&response).fg_stroke.color;
    let c = rect.center();
    let points = if open {
        vec![c + egui::vec2(-4.0, -2.5), c + egui::vec2(4.0, -2.5), c + egui::vec2(0.0, 3.5)]
    } else {
        vec![c + egui::vec2(-2.5, -4.0), c + egui::vec2(3.5, 0.0), c + egui::vec2(-2.5, 4.0)]
    };
    ui.painter().add(egui::Shape::convex_polygon(points, color, Stroke::NONE));
    response.on_hover_text(if open { "Fold" } else { "Unfold" })
}

fn kind_color(kind: SpanKind) -> Color32 {
    match kind {
        SpanKind::Agent => Color32::from_rgb(100, 150, 230),
        SpanKind::LlmCall => Color32::from_rgb(170, 120, 220),
        SpanKind::ToolCall => Color32::from_rgb(220, 150, 70),
        SpanKind::HumanInput => Color32::from_rgb(230, 200, 60),
        SpanKind::Sampling => Color32::from_rgb(80, 190, 180),
    }
}

/// One line of the tree.
struct Row<'a> {
    span: &'a Span,
    depth: usize,
    has_children: bool,
}

/// The spans in tree order (parents before children, siblings by position), leaving out the
/// children of collapsed spans.
fn tree_rows<'a>(spans: &'a [Span], collapsed: &BTreeSet<i64>) -> Vec<Row<'a>> {
    let mut children: BTreeMap<Option<i64>, Vec<&Span>> = BTreeMap::new();
    for span in spans {
        children.entry(span.parent_span_id).or_default().push(span);
    }
    for siblings in children.values_mut() {
        siblings.sort_by_key(|s| (s.position, s.id));
    }
    let mut rows = Vec::new();
    let mut stack: Vec<(&Span, usize)> =
        children.get(&None).into_iter().flatten().rev().map(|s| (*s, 0)).collect();
    while let Some((span, depth)) = stack.pop() {
        let kids = children.get(&Some(span.id));
        rows.push(Row { span, depth, has_children: kids.is_some() });
        if collapsed.contains(&span.id) {
            continue;
        }
        for kid in kids.into_iter().flatten().rev() {
            stack.push((kid, depth + 1));
        }
    }
    rows
}

/// The spans that decided how long the run took: from the root span, the child that ended last,
/// then the sibling that ended last before that one started (what it waited for), and so on, each
/// followed down into its own children.
pub fn critical_path(spans: &[Span]) -> BTreeSet<i64> {
    let mut path = BTreeSet::new();
    let roots = spans.iter().filter(|s| s.parent_span_id.is_none());
    if let Some(root) = roots.max_by_key(|s| ended(s)) {
        follow(spans, root, &mut path);
    }
    path
}

fn follow(spans: &[Span], span: &Span, path: &mut BTreeSet<i64>) {
    path.insert(span.id);
    let mut children: Vec<&Span> =
        spans.iter().filter(|s| s.parent_span_id == Some(span.id)).collect();
    children.sort_by_key(|s| (ended(s), s.id));
    // Walk back from the child that ended last; each step looks only at children sorted before
    // the one just taken, so spans that start and end in the same millisecond cannot loop.
    let mut before = children.len();
    let mut cutoff = i64::MAX;
    while let Some(at) = (0..before).rev().find(|&at| ended(children[at]) <= cutoff) {
        follow(spans, children[at], path);
        cutoff = children[at].started_at.as_deref().and_then(epoch_millis).unwrap_or(i64::MIN);
        before = at;
    }
}

/// When a span ended; one still going ends after everything else.
fn ended(span: &Span) -> i64 {
    span.ended_at.as_deref().and_then(epoch_millis).unwrap_or(i64::MAX)
}

/// The run's span of time, in epoch milliseconds.
struct Timeline {
    start: i64,
    end: i64,
}

impl Timeline {
    fn of(spans: &[Span]) -> Timeline {
        let now = now_millis();
        let starts = spans.iter().filter_map(|s| s.started_at.as_deref().and_then(epoch_millis));
        let start = starts.min().unwrap_or(now);
        let end = spans
            .iter()
            .map(|s| s.ended_at.as_deref().and_then(epoch_millis).unwrap_or(now))
            .max()
            .unwrap_or(start);
        Timeline { start, end: end.max(start + 1) }
    }

    /// Where `span` lies on the timeline, as fractions of it.
    fn place(&self, span: &Span) -> Option<(f32, f32)> {
        let started = epoch_millis(span.started_at.as_deref()?)?;
        let ended = span.ended_at.as_deref().and_then(epoch_millis).unwrap_or_else(now_millis);
        let length = (self.end - self.start) as f32;
        Some(((started - self.start) as f32 / length, (ended - self.start) as f32 / length))
    }
}

fn now_millis() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| d.as_millis() as i64)
}

/// The span's bar on the timeline, filling the rest of the row.
fn bar(ui: &mut egui::Ui, span: &Span, timeline: &Timeline, critical: bool) {
    let width = ui.available_width().max(60.0);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 12.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
    let Some((from, to)) = timeline.place(span) else { return };
    let left = rect.left() + rect.width() * from.clamp(0.0, 1.0);
    let right = (rect.left() + rect.width() * to.clamp(0.0, 1.0)).max(left + 2.0);
    let bar =
        egui::Rect::from_min_max(egui::pos2(left, rect.top()), egui::pos2(right, rect.bottom()));
    let color = kind_color(span.kind);
    painter.rect_filled(bar, 2.0, if critical { color } else { color.gamma_multiply(0.55) });
    if critical {
        painter.rect_stroke(bar, 2.0, Stroke::new(1.0, Color32::WHITE), egui::StrokeKind::Inside);
    }
    response.on_hover_text(if critical {
        "On the critical path: this step decided how long the run took"
    } else {
        "When this step ran, on the run's timeline"
    });
}

fn span_detail(ui: &mut egui::Ui, span: &Span, view: &RunView) {
    ui.horizontal(|ui| {
        kind_dot(ui, span.kind);
        ui.label(RichText::new(span_title(span)).strong());
    });
    ui.horizontal(|ui| {
        ui.label(status_text(span.status));
        if let Some(ms) = span.duration_ms {
            ui.label(format_ms(ms));
        }
        ui.label(format!("{} in / {} out tokens", span.input_tokens, span.output_tokens));
        ui.label(format_cost(span.cost_usd));
    });
    if let Some(error) = &span.error {
        ui.label(RichText::new(format!("✖ {error}")).color(Color32::from_rgb(220, 90, 90)));
    }
    text_block(ui, "Input", span.input.as_deref());
    text_block(ui, "Output", span.output.as_deref());
    if !span.attributes.is_empty() {
        egui::CollapsingHeader::new("Attributes").id_salt(("attributes", span.id)).show(ui, |ui| {
            let pretty = serde_json::to_string_pretty(&span.attributes).unwrap_or_default();
            ui.label(RichText::new(pretty).monospace());
        });
    }
    let messages: Vec<_> = view.messages.iter().filter(|m| m.span_id == Some(span.id)).collect();
    if !messages.is_empty() {
        ui.label(RichText::new("Messages").strong());
        for message in messages {
            message_ui(ui, message);
        }
    }
    let logs: Vec<_> = view.logs.iter().filter(|l| l.span_id == Some(span.id)).collect();
    if !logs.is_empty() {
        ui.label(RichText::new("Logs").strong());
        for record in logs {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(record.level.as_str())
                        .monospace()
                        .color(level_color(record.level)),
                );
                ui.label(RichText::new(&record.message).monospace());
            });
        }
    }
}

fn text_block(ui: &mut egui::Ui, title: &str, text: Option<&str>) {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return };
    ui.label(RichText::new(title).strong());
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(text).monospace());
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JsonObject;

    fn span(id: i64, parent: Option<i64>, position: i64, start: &str, end: &str) -> Span {
        Span {
            id,
            run_id: 1,
            parent_span_id: parent,
            agent: format!("a{id}"),
            kind: SpanKind::Agent,
            name: String::new(),
            position,
            status: RunStatus::Succeeded,
            input: None,
            output: None,
            error: None,
            attributes: JsonObject::new(),
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
            started_at: Some(format!("2026-11-24T10:00:{start}Z")),
            ended_at: Some(format!("2026-11-24T10:00:{end}Z")),
            duration_ms: None,
        }
    }

    /// A parallel fan-out: root 1 with branches 2 (slow) and 3 (fast), then fan-in 4.
    fn fan_out() -> Vec<Span> {
        vec![
            span(1, None, 0, "00.000", "09.000"),
            span(3, Some(1), 1, "00.100", "02.000"),
            span(2, Some(1), 0, "00.100", "06.000"),
            span(4, Some(1), 2, "06.100", "08.900"),
            span(5, Some(2), 0, "00.200", "05.900"),
        ]
    }

    #[test]
    fn the_tree_lists_parents_before_children_and_siblings_in_order() {
        let spans = fan_out();
        let rows = tree_rows(&spans, &BTreeSet::new());
        let order: Vec<(i64, usize)> = rows.iter().map(|r| (r.span.id, r.depth)).collect();
        assert_eq!(order, [(1, 0), (2, 1), (5, 2), (3, 1), (4, 1)]);
        let folded = tree_rows(&spans, &BTreeSet::from([2]));
        let order: Vec<i64> = folded.iter().map(|r| r.span.id).collect();
        assert_eq!(order, [1, 2, 3, 4], "a collapsed span hides its children");
    }

    #[test]
    fn steps_that_take_no_time_end_the_walk() {
        let spans = vec![
            span(1, None, 0, "00.000", "00.010"),
            span(2, Some(1), 0, "00.005", "00.005"),
            span(3, Some(1), 1, "00.005", "00.005"),
            span(4, Some(1), 2, "00.005", "00.005"),
        ];
        assert_eq!(critical_path(&spans), BTreeSet::from([1, 2, 3, 4]));
    }

    #[test]
    fn the_critical_path_follows_the_child_that_ends_last() {
        assert_eq!(
            critical_path(&fan_out()),
            BTreeSet::from([1, 2, 4, 5]),
            "the fan-in waited for the slow branch, not the fast one"
        );
        let timeline = Timeline::of(&fan_out());
        assert_eq!(timeline.end - timeline.start, 9_000);
        let (from, to) = timeline.place(&fan_out()[2]).expect("placed");
        assert!((from - 100.0 / 9_000.0).abs() < 1e-6 && (to - 6_000.0 / 9_000.0).abs() < 1e-6);
    }
}
