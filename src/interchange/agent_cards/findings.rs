//! What reading a card set found, each at its place (`cards/writer.md: servers[0]`): errors that
//! refuse the import, and warnings printed after it succeeds.

use crate::interchange::{DocProblem, InterchangeError};

/// Errors, warnings and notes, in the order they were found.
#[derive(Debug, Default)]
pub(super) struct Findings {
    errors: Vec<DocProblem>,
    warnings: Vec<DocProblem>,
    notes: Vec<DocProblem>,
}

/// What a card set leaves to say once it is imported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Remarks {
    /// Fields not imported, or imported with a different meaning.
    pub(super) warnings: Vec<DocProblem>,
    /// Choices the import made: default models, key references, files skipped.
    pub(super) notes: Vec<DocProblem>,
}

impl Findings {
    pub(super) fn error(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.errors.push(DocProblem { path: place.into(), message: message.into() });
    }

    pub(super) fn warn(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(DocProblem { path: place.into(), message: message.into() });
    }

    pub(super) fn note(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.notes.push(DocProblem { path: place.into(), message: message.into() });
    }

    pub(super) fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Every error found so far, if there is one: later steps would only repeat them.
    pub(super) fn refuse_if_any(&self) -> Result<(), InterchangeError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(InterchangeError::Problems(self.errors.clone()))
        }
    }

    /// The warnings and notes when nothing refuses the import, else every error.
    pub(super) fn into_result(self) -> Result<Remarks, InterchangeError> {
        self.refuse_if_any()?;
        Ok(Remarks { warnings: self.warnings, notes: self.notes })
    }
}

/// Where a field of a card file is: `file: field`, or the file alone.
pub(super) fn place(file: &str, field: &str) -> String {
    if field.is_empty() { file.to_owned() } else { format!("{file}: {field}") }
}
