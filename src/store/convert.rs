//! Conversions from model values to SQL values: JSON columns are written as compact text.

use super::error::{Result, StoreError};

/// Writes a value as compact JSON text (object keys sorted, so equal values store equal text).
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|error| StoreError::Invalid(format!("a value does not convert to JSON: {error}")))
}
