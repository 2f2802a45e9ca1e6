//! JSON read strictly: an object that gives a key twice is refused, naming the key, the object
//! and the line, where `serde_json::Value` would silently keep the last value.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `text`; a duplicate key is a data error (`serde_json::Error::is_data`) that says
/// `duplicate key "command" in mcpServers.fs at line 5 column 17`.
pub(super) fn parse_strict_json(text: &str) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Strict { path: String::new() }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// A JSON value at `path` (dotted keys, `[i]` for items; empty for the document).
struct Strict {
    path: String,
}

impl Strict {
    fn child(&self, key: &str) -> Strict {
        let path =
            if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) };
        Strict { path }
    }

    fn place(&self) -> String {
        if self.path.is_empty() { "the document".to_owned() } else { self.path.clone() }
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{}: {value} is not a JSON number", self.place())))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut list = Vec::new();
        while let Some(item) =
            items.next_element_seed(Strict { path: format!("{}[{}]", self.path, list.len()) })?
        {
            list.push(item);
        }
        Ok(Value::Array(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key \"{key}\" in {}",
                    self.place()
                )));
            }
            let value = entries.next_value_seed(self.child(&key))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_key_given_twice_at_any_level() {
        let value = parse_strict_json(r#"{"a": [1, 2.5, {"b": null}], "c": "d"}"#).expect("valid");
        assert_eq!(value, serde_json::json!({"a": [1, 2.5, {"b": null}], "c": "d"}));

        let top = parse_strict_json("{\"a\": 1,\n \"a\": 2}").expect_err("refused");
        assert!(top.is_data(), "{top}");
        assert_eq!(top.to_string(), "duplicate key \"a\" in the document at line 2 column 4");

        let text = "{\"mcpServers\": {\"fs\": {\"env\": {\"X\": \"1\", \"X\": \"2\"}}}}";
        let deep = parse_strict_json(text).expect_err("refused").to_string();
        assert!(deep.starts_with("duplicate key \"X\" in mcpServers.fs.env at line 1"), "{deep}");

        let in_list =
            parse_strict_json("[{}, {\"k\": 1, \"k\": 1}]").expect_err("refused").to_string();
        assert!(in_list.starts_with("duplicate key \"k\" in [1]"), "{in_list}");

        assert!(parse_strict_json("{\"a\": 1} x").expect_err("refused").is_syntax());
    }
}
