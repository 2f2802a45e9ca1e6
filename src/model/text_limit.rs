//! How much text one message may carry: longer text (an agent's output, a model's answer, a tool
//! result) is cut at a character boundary, with a note saying how much was cut, so a fan-in of
//! fan-ins cannot grow without bound.

use super::records::ContentPart;

/// The limit unless the engine is configured otherwise: 1 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1 << 20;

/// `text`, or as much of its start (to a character boundary) as fits in `max_bytes` together
/// with a note `[cut: N bytes dropped to fit the L-byte limit]`. A cut text fits the limit, so
/// cutting it again changes nothing (unless the limit is shorter than the note itself).
pub fn cut_to_limit(mut text: String, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text;
    }
    let note = |dropped: usize| {
        format!("\n[cut: {dropped} bytes dropped to fit the {max_bytes}-byte limit]")
    };
    // The note with the most digits it can have is the longest it can be.
    let mut kept = max_bytes.saturating_sub(note(text.len()).len());
    while !text.is_char_boundary(kept) {
        kept -= 1;
    }
    let dropped = text.len() - kept;
    text.truncate(kept);
    text.push_str(&note(dropped));
    text
}

/// `part` with its text cut to `max_bytes`.
pub fn cut_part_to_limit(part: ContentPart, max_bytes: usize) -> ContentPart {
    match part {
        ContentPart::Text { text } => ContentPart::Text { text: cut_to_limit(text, max_bytes) },
        ContentPart::ToolResult { call_id, name, content, is_error } => ContentPart::ToolResult {
            call_id,
            name,
            content: cut_to_limit(content, max_bytes),
            is_error,
        },
        ContentPart::Resource { uri, mime_type, text } => ContentPart::Resource {
            uri,
            mime_type,
            text: text.map(|text| cut_to_limit(text, max_bytes)),
        },
        other @ (ContentPart::ToolCall { .. } | ContentPart::Image { .. }) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_character_boundary_with_a_note() {
        assert_eq!(cut_to_limit("short".into(), 5), "short");
        let note = "\n[cut: 101 bytes dropped to fit the 100-byte limit]";
        let cut = cut_to_limit("x".repeat(150), 100);
        assert_eq!(cut, format!("{}{note}", "x".repeat(49)));
        assert!(cut.len() <= 100);
        assert_eq!(cut_to_limit(cut.clone(), 100), cut, "a cut text is cut no further");
        // "é" is two bytes: a cut in its middle keeps the character before it.
        let accents = cut_to_limit(format!("{}é{}", "a".repeat(48), "b".repeat(100)), 100);
        assert!(accents.starts_with(&format!("{}\n[cut: 102 bytes", "a".repeat(48))), "{accents}");
        let part = cut_part_to_limit(ContentPart::text("x".repeat(150)), 100);
        assert_eq!(part, ContentPart::text(cut));
    }
}
