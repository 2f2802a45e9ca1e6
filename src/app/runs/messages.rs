//! The messages panel: the focused run's conversation as stored, agent by agent, with tool calls
//! and their results folded, and below it the text still streaming from model calls in progress.

use eframe::egui;
use eframe::egui::{Color32, RichText};

use super::Runs;
use crate::model::{ContentPart, Message, Role};

pub fn messages_ui(runs: &Runs, ui: &mut egui::Ui) {
    let Some(run_id) = runs.focus else {
        ui.label("No run yet: press ▶ Run, or open a past run from the Runs tab.");
        return;
    };
    let live = runs.live_focus();
    egui::ScrollArea::vertical().auto_shrink([false; 2]).stick_to_bottom(true).show(ui, |ui| {
        if let Some(run) = &runs.view.run
            && run.id == run_id
        {
            bubble(ui, "input", Color32::from_gray(150), |ui| {
                ui.label(&run.input);
            });
        }
        for message in &runs.view.messages {
            message_ui(ui, message);
        }
        let stored: std::collections::BTreeSet<i64> =
            runs.view.messages.iter().filter_map(|m| m.span_id).collect();
        for streaming in live.iter().flat_map(|run| &run.streamed) {
            // Text whose message is stored already shows above.
            if streaming.finished && stored.contains(&streaming.span_id) {
                continue;
            }
            bubble(ui, &format!("{} (streaming)", streaming.agent), ACCENT, |ui| {
                // Only the last piece changes as text arrives; the others keep their layout.
                for piece in stable_pieces(&streaming.text) {
                    ui.label(piece);
                }
                if !streaming.finished {
                    ui.add(egui::Spinner::new().size(10.0));
                }
            });
        }
        let outcome = live
            .map(|run| (run.output.clone(), run.error.clone()))
            .or_else(|| runs.view.run.as_ref().map(|run| (run.output.clone(), run.error.clone())));
        match outcome {
            Some((_, Some(error))) => {
                ui.label(RichText::new(format!("✖ {error}")).color(Color32::from_rgb(220, 90, 90)));
            }
            Some((Some(output), None)) => {
                bubble(ui, "output", Color32::from_rgb(90, 180, 90), |ui| {
                    ui.label(RichText::new(output).strong());
                });
            }
            _ => {}
        }
    });
}

/// Roughly how long a piece of streaming text is.
const PIECE_BYTES: usize = 2_048;

/// `text` cut into pieces of about `PIECE_BYTES` at whitespace. Text only grows at its end, so
/// every piece but the last stays the same from frame to frame, and egui lays it out only once.
fn stable_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > PIECE_BYTES {
        let cut = rest[PIECE_BYTES..].find(char::is_whitespace).map(|at| PIECE_BYTES + at);
        let Some(cut) = cut else { break };
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail.trim_start();
    }
    pieces.push(rest);
    pieces
}

const ACCENT: Color32 = Color32::from_rgb(100, 150, 230);

pub(super) fn message_ui(ui: &mut egui::Ui, message: &Message) {
    let who = match (&message.agent, message.role) {
        (Some(agent), role) => format!("{agent} · {role}"),
        (None, role) => role.to_string(),
    };
    let color = match message.role {
        Role::System => Color32::from_gray(120),
        Role::User => Color32::from_gray(170),
        Role::Assistant => ACCENT,
        Role::ToolCall | Role::ToolResponse => Color32::from_rgb(200, 150, 80),
    };
    let tokens = match (message.input_tokens, message.output_tokens) {
        (Some(i), Some(o)) => format!(" · {} tok", i + o),
        _ => String::new(),
    };
    let latency = message.latency_ms.map(|ms| format!(" · {ms} ms")).unwrap_or_default();
    bubble(ui, &format!("{who}{tokens}{latency}"), color, |ui| {
        for (index, part) in message.content.iter().enumerate() {
            part_ui(ui, message.id, index, part);
        }
    });
}

fn part_ui(ui: &mut egui::Ui, message: i64, index: usize, part: &ContentPart) {
    let id = egui::Id::new(("message_part", message, index));
    match part {
        ContentPart::Text { text } => {
            ui.label(text);
        }
        ContentPart::ToolCall { name, arguments, .. } => {
            egui::CollapsingHeader::new(format!("🔧 calls {name}")).id_salt(id).show(ui, |ui| {
                let pretty = serde_json::to_string_pretty(arguments).unwrap_or_default();
                ui.label(RichText::new(pretty).monospace());
            });
        }
        ContentPart::ToolResult { name, content, is_error, .. } => {
            let title = if *is_error {
                format!("✖ {name} failed")
            } else {
                format!("↩ {name} answered")
            };
            egui::CollapsingHeader::new(title).id_salt(id).show(ui, |ui| {
                ui.label(RichText::new(content).monospace());
            });
        }
        ContentPart::Image { mime_type, data } => {
            ui.label(
                RichText::new(format!("🖼 {mime_type} image, {} bytes", data.len() * 3 / 4)).weak(),
            );
        }
        ContentPart::Resource { uri, text, .. } => {
            egui::CollapsingHeader::new(format!("📄 {uri}")).id_salt(id).show(ui, |ui| {
                ui.label(RichText::new(text.as_deref().unwrap_or("(binary)")).monospace());
            });
        }
    }
}

/// A framed block with a small coloured heading.
fn bubble(ui: &mut egui::Ui, heading: &str, color: Color32, body: impl FnOnce(&mut egui::Ui)) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(heading).small().color(color));
        body(ui);
    });
}

#[cfg(test)]
mod tests {
    use super::{PIECE_BYTES, stable_pieces};

    #[test]
    fn streaming_text_keeps_its_earlier_pieces_as_it_grows() {
        let text = "word ".repeat(2_000);
        let before = stable_pieces(&text[..6_000]);
        let after = stable_pieces(&text);
        assert!(before.len() >= 2);
        assert_eq!(
            before[..before.len() - 1],
            after[..before.len() - 1],
            "earlier pieces unchanged"
        );
        assert!(after.iter().all(|p| p.len() <= PIECE_BYTES + 5));
        let words: usize = after.iter().map(|p| p.split_whitespace().count()).sum();
        assert_eq!(words, 2_000, "no word lost");
    }
}
