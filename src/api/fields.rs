//! Helpers for request bodies: a field that may be left out (unchanged) or set to null (cleared),
//! and the checks that a create request names what it must.

use serde::{Deserialize, Deserializer};

use super::error::ApiError;

/// For `Option<Option<T>>` fields with `#[serde(default, deserialize_with = "nullable")]`:
/// absent is `None` (leave as is), `null` is `Some(None)` (clear), a value is `Some(Some(v))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The value of a field a create request must give; `what` names the thing being created.
pub fn required<T>(value: Option<T>, field: &str, what: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::bad_request(format!("{field}: required to create {what}")))
}

/// Sets `target` to `value` when the request gave one.
pub fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}
