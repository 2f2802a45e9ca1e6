//! Instruction templates: `{{input}}`, session variables and agent-state keys filled in; an
//! unknown placeholder is an error that names it.

use std::collections::BTreeMap;

/// Fills the `{{name}}` placeholders of `template` from `values`; the error names the first
/// placeholder with no value and the ones that have one.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = after[..end].trim();
        match values.get(name) {
            Some(value) => out.push_str(value),
            None => {
                let known: Vec<&str> = values.keys().map(String::as_str).collect();
                return Err(format!(
                    "unknown placeholder {{{{{name}}}}} in its instruction (known: {})",
                    known.join(", ")
                ));
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn fills_known_placeholders_and_names_unknown_ones() {
        let known = values(&[("input", "tea"), ("tone", "dry")]);
        assert_eq!(
            render("Write about {{ input }} in a {{tone}} tone.", &known),
            Ok("Write about tea in a dry tone.".into())
        );
        assert_eq!(render("no placeholders", &known), Ok("no placeholders".into()));
        assert_eq!(render("open {{ brace", &known), Ok("open {{ brace".into()));
        let error = render("Hi {{name}}", &known).expect_err("unknown");
        assert_eq!(error, "unknown placeholder {{name}} in its instruction (known: input, tone)");
    }
}
