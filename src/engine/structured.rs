//! Reading the structured answers of routing, planning and evaluation calls.

use serde::de::DeserializeOwned;

/// Parses the JSON object in a model's answer, tolerating a code fence or words around it.
pub fn parse_answer<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let start = text.find('{');
    let end = text.rfind('}');
    let json = match (start, end) {
        (Some(start), Some(end)) if start < end => &text[start..=end],
        _ => return Err(format!("expected a JSON object, got: {}", preview(text))),
    };
    serde_json::from_str(json).map_err(|error| format!("{error} in: {}", preview(text)))
}

fn preview(text: &str) -> String {
    let shown: String = text.chars().take(200).collect();
    if shown.len() < text.len() { format!("{shown}…") } else { shown }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Pick {
        agent: String,
    }

    #[test]
    fn finds_the_object_in_fenced_or_plain_answers() {
        let plain: Pick = parse_answer("{\"agent\": \"a\"}").expect("plain");
        let fenced: Pick = parse_answer("Sure:\n```json\n{\"agent\": \"b\"}\n```").expect("fenced");
        assert_eq!((plain.agent.as_str(), fenced.agent.as_str()), ("a", "b"));
        assert!(
            parse_answer::<Pick>("no json here")
                .expect_err("none")
                .starts_with("expected a JSON object")
        );
        assert!(
            parse_answer::<Pick>("{\"who\": 1}")
                .expect_err("shape")
                .contains("missing field `agent`")
        );
    }
}
