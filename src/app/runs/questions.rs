//! Questions waiting for the user (an agent's `ask_human`, an MCP server's elicitation): a window
//! per question, a form when the request carries a JSON schema, and the answer handed to the
//! runner. Requests are rows, so they are still here after a restart.

use std::collections::BTreeMap;

use eframe::egui;
use eframe::egui::{Color32, RichText};
use serde_json::{Map, Value};

use super::Runs;
use crate::model::{HumanInputRequest, HumanInputSource};

/// The field an answer without a schema is typed into.
const FREE_TEXT: &str = "";

pub fn questions_window(runs: &mut Runs, ctx: &egui::Context) {
    let Some(request) = runs.questions.first().cloned() else { return };
    let waiting = runs.questions.len();
    let mut decision = None;
    let answers = runs.answers.entry(request.id).or_default();
    egui::Window::new(format!("Question {}", request.id))
        .id(egui::Id::new("question"))
        .collapsible(false)
        .anchor(egui::Align2::RIGHT_TOP, [-16.0, 48.0])
        .show(ctx, |ui| {
            let who = match (&request.agent, request.source) {
                (Some(agent), HumanInputSource::Agent) => format!("{agent} asks"),
                (Some(agent), HumanInputSource::Elicitation) => {
                    format!("an MCP server used by {agent} asks")
                }
                (None, _) => "an MCP server asks".to_owned(),
            };
            let run = request.run_id.map(|r| format!(" (run {r})")).unwrap_or_default();
            ui.label(RichText::new(format!("✋ {who}{run}")).strong());
            if waiting > 1 {
                ui.label(
                    RichText::new(format!("{} more waiting after this one", waiting - 1)).weak(),
                );
            }
            ui.label(&request.prompt);
            let fields = form_fields(&request);
            let parsed = if fields.is_empty() {
                let text = answers.entry(FREE_TEXT.to_owned()).or_default();
                ui.add(egui::TextEdit::multiline(text).hint_text("Your answer").desired_rows(2));
                Ok(Value::String(text.clone()))
            } else {
                form_ui(ui, &fields, answers)
            };
            if let Err(problem) = &parsed {
                ui.label(RichText::new(problem).color(Color32::from_rgb(230, 170, 40)));
            }
            ui.horizontal(|ui| {
                if ui.add_enabled(parsed.is_ok(), egui::Button::new("Answer")).clicked()
                    && let Ok(value) = &parsed
                {
                    decision = Some(Some(value.clone()));
                }
                if ui
                    .button("Decline")
                    .on_hover_text("Tell the agent you will not answer")
                    .clicked()
                {
                    decision = Some(None);
                }
            });
        });
    if let Some(answer) = decision
        && let Some(runner) = runs.runner()
    {
        runner.answer(request.id, answer);
        runs.answers.remove(&request.id);
        runs.questions.retain(|q| q.id != request.id);
    }
}

/// One field of an elicitation form.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    name: String,
    title: String,
    kind: FieldKind,
    required: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum FieldKind {
    Text,
    Number,
    Integer,
    Boolean,
    Choice(Vec<String>),
}

/// The fields of the request's schema (`{"type":"object","properties":{..}}`), in schema order.
fn form_fields(request: &HumanInputRequest) -> Vec<Field> {
    let Some(schema) = &request.response_schema else { return Vec::new() };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let choices = property.get("enum").and_then(Value::as_array).map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect()
            });
            let kind = match (choices, property.get("type").and_then(Value::as_str)) {
                (Some(choices), _) => FieldKind::Choice(choices),
                (None, Some("number")) => FieldKind::Number,
                (None, Some("integer")) => FieldKind::Integer,
                (None, Some("boolean")) => FieldKind::Boolean,
                _ => FieldKind::Text,
            };
            let title = property
                .get("title")
                .or_else(|| property.get("description"))
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_owned();
            Field { name: name.clone(), title, kind, required: required.contains(&name.as_str()) }
        })
        .collect()
}

/// Draws the form and reads the typed values into the answer object, or says what is missing.
fn form_ui(
    ui: &mut egui::Ui,
    fields: &[Field],
    typed: &mut BTreeMap<String, String>,
) -> Result<Value, String> {
    egui::Grid::new("question_form").num_columns(2).show(ui, |ui| {
        for field in fields {
            let mark = if field.required { " *" } else { "" };
            ui.label(format!("{}{mark}", field.title));
            let value = typed.entry(field.name.clone()).or_default();
            match &field.kind {
                FieldKind::Boolean => {
                    let mut on = value == "true";
                    ui.checkbox(&mut on, "");
                    *value = on.to_string();
                }
                FieldKind::Choice(choices) => {
                    egui::ComboBox::from_id_salt(("question_choice", &field.name))
                        .selected_text(value.as_str())
                        .show_ui(ui, |ui| {
                            for choice in choices {
                                ui.selectable_value(value, choice.clone(), choice);
                            }
                        });
                }
                FieldKind::Text | FieldKind::Number | FieldKind::Integer => {
                    ui.text_edit_singleline(value);
                }
            }
            ui.end_row();
        }
    });
    read_form(fields, typed)
}

fn read_form(fields: &[Field], typed: &BTreeMap<String, String>) -> Result<Value, String> {
    let mut answer = Map::new();
    for field in fields {
        let text = typed.get(&field.name).map(|t| t.trim()).unwrap_or_default();
        if text.is_empty() && field.kind != FieldKind::Boolean {
            if field.required {
                return Err(format!("{} is required", field.title));
            }
            continue;
        }
        let value = match &field.kind {
            FieldKind::Text | FieldKind::Choice(_) => Value::String(text.to_owned()),
            FieldKind::Boolean => Value::Bool(text == "true"),
            FieldKind::Integer => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("{}: a whole number, not \"{text}\"", field.title))?,
            FieldKind::Number => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("{}: a number, not \"{text}\"", field.title))?,
        };
        answer.insert(field.name.clone(), value);
    }
    Ok(Value::Object(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HumanInputStatus;
    use serde_json::json;

    fn request(schema: Value) -> HumanInputRequest {
        HumanInputRequest {
            id: 1,
            run_id: Some(1),
            span_id: None,
            session_id: None,
            agent: None,
            source: HumanInputSource::Elicitation,
            prompt: "Tell me about you".into(),
            response_schema: Some(schema),
            answer: None,
            status: HumanInputStatus::Pending,
            created_at: String::new(),
            answered_at: None,
        }
    }

    #[test]
    fn a_schema_becomes_typed_fields_and_the_typed_values_an_answer_object() {
        let schema = json!({"type": "object", "required": ["name", "age"], "properties": {
            "name": {"type": "string", "title": "Name"},
            "age": {"type": "integer"},
            "colour": {"type": "string", "enum": ["red", "blue"]},
            "ok": {"type": "boolean"},
        }});
        let fields = form_fields(&request(schema));
        assert_eq!(fields.len(), 4);
        let mut typed = BTreeMap::from([("name".to_owned(), "Ada".to_owned())]);
        assert_eq!(read_form(&fields, &typed), Err("age is required".into()));
        typed.insert("age".into(), "thirty".into());
        assert_eq!(read_form(&fields, &typed), Err("age: a whole number, not \"thirty\"".into()));
        typed.insert("age".into(), "36".into());
        typed.insert("colour".into(), "blue".into());
        typed.insert("ok".into(), "true".into());
        assert_eq!(
            read_form(&fields, &typed),
            Ok(json!({"name": "Ada", "age": 36, "colour": "blue", "ok": true}))
        );
    }
}
