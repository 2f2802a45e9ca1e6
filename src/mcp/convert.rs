//! MCP's wire JSON (tools, prompts, resources, content blocks) into our types. Reading the JSON
//! rather than rmcp's structs keeps us working across protocol versions and rmcp releases. Text
//! is kept whole here; the engine cuts it to its configured message limit.

use serde_json::Value;

use super::types::{
    McpPrompt, McpPromptArgument, McpResource, McpTool, PromptMessage, STRUCTURED_CONTENT_URI,
    ToolResult,
};
use crate::model::{ContentPart, Role};

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

fn optional(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(str::to_owned)
}

pub fn tool(wire: &Value) -> McpTool {
    McpTool {
        name: text(wire, "name"),
        description: text(wire, "description"),
        input_schema: Some(wire["inputSchema"].clone())
            .filter(Value::is_object)
            .unwrap_or_else(|| serde_json::json!({"type": "object"})),
        output_schema: Some(wire["outputSchema"].clone()).filter(Value::is_object),
    }
}

pub fn prompt(wire: &Value) -> McpPrompt {
    let arguments = wire["arguments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| McpPromptArgument {
            name: text(a, "name"),
            description: text(a, "description"),
            required: a["required"].as_bool().unwrap_or(false),
        })
        .collect();
    McpPrompt { name: text(wire, "name"), description: text(wire, "description"), arguments }
}

pub fn resource(wire: &Value) -> McpResource {
    McpResource {
        uri: text(wire, "uri"),
        name: text(wire, "name"),
        description: text(wire, "description"),
        mime_type: optional(wire, "mimeType"),
    }
}

/// One content block (`text`, `image`, `audio`, `resource`, `resource_link`) as a message part.
pub fn part(block: &Value) -> ContentPart {
    match block["type"].as_str().unwrap_or_default() {
        "text" => ContentPart::text(text(block, "text")),
        "image" => {
            ContentPart::Image { mime_type: text(block, "mimeType"), data: text(block, "data") }
        }
        "resource" => embedded(&block["resource"]),
        "resource_link" => ContentPart::Resource {
            uri: text(block, "uri"),
            mime_type: optional(block, "mimeType"),
            text: None,
        },
        other => ContentPart::text(format!("[{other} content, not shown]")),
    }
}

/// An embedded resource (`{uri, mimeType, text | blob}`) as a message part.
pub fn embedded(resource: &Value) -> ContentPart {
    ContentPart::Resource {
        uri: text(resource, "uri"),
        mime_type: optional(resource, "mimeType"),
        text: optional(resource, "text"),
    }
}

/// A `tools/call` result.
pub fn tool_result(wire: &Value) -> ToolResult {
    let mut parts: Vec<ContentPart> =
        wire["content"].as_array().into_iter().flatten().map(part).collect();
    if let Some(structured) = wire.get("structuredContent").filter(|v| !v.is_null()) {
        parts.push(ContentPart::Resource {
            uri: STRUCTURED_CONTENT_URI.into(),
            mime_type: Some("application/json".into()),
            text: Some(structured.to_string()),
        });
    }
    ToolResult { parts, is_error: wire["isError"].as_bool().unwrap_or(false) }
}

/// A `prompts/get` result's messages.
pub fn prompt_messages(wire: &Value) -> Vec<PromptMessage> {
    wire["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| PromptMessage {
            role: if m["role"] == "assistant" { Role::Assistant } else { Role::User },
            parts: match &m["content"] {
                Value::Array(blocks) => blocks.iter().map(part).collect(),
                block => vec![part(block)],
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_become_parts_with_structured_content_as_json() {
        let result = tool_result(&json!({
            "content": [
                {"type": "text", "text": "hi"},
                {"type": "image", "mimeType": "image/png", "data": "AAAA"},
                {"type": "resource", "resource": {"uri": "test://a", "mimeType": "text/plain", "text": "body"}},
            ],
            "structuredContent": {"temperature": 21},
            "isError": false,
        }));
        assert_eq!(result.parts.len(), 4);
        assert_eq!(result.parts[0], ContentPart::text("hi"));
        assert!(
            matches!(&result.parts[1], ContentPart::Image { mime_type, .. } if mime_type == "image/png")
        );
        assert!(matches!(&result.parts[3], ContentPart::Resource { uri, text: Some(t), .. }
            if uri == STRUCTURED_CONTENT_URI && t == "{\"temperature\":21}"));
        assert!(result.text().starts_with("hi\n[image image/png]\n[resource test://a]\nbody"));
    }

    #[test]
    fn structured_content_alone_is_what_the_model_reads() {
        let result = tool_result(&json!({"content": [], "structuredContent": {"a": 1}}));
        assert_eq!(result.text(), "{\"a\":1}");
    }
}
