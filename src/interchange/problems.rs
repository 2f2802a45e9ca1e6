//! Problems found in a document, each at its place (`agents[2].links[0].child`), and the error type of interchange.

use std::fmt;

use serde::Serialize;

use crate::store::StoreError;

/// One thing wrong in a document, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DocProblem {
    /// Where in the document, e.g. `agents[2].links[0].child`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DocProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collects problems while a document is read.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<DocProblem>);

impl Problems {
    pub(super) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(DocProblem { path: path.into(), message: message.into() });
    }

    /// Adds every message of `messages` at `path`.
    pub(super) fn add_all(&mut self, path: &str, messages: Vec<String>) {
        for message in messages {
            self.add(path, message);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// `Ok(value)` when nothing was found, else every problem in document order.
    pub(super) fn into_result<T>(self, value: T) -> Result<T, InterchangeError> {
        if self.0.is_empty() { Ok(value) } else { Err(InterchangeError::Problems(self.0)) }
    }
}

/// Why a document could not be read, imported or written.
#[derive(Debug, thiserror::Error)]
pub enum InterchangeError {
    /// The text is not a well-formed document (the message says where).
    #[error("{0}")]
    Syntax(String),

    /// The document is well-formed but its content is wrong, in one or more places.
    #[error("{}", render(.0))]
    Problems(Vec<DocProblem>),

    #[error(transparent)]
    Store(#[from] StoreError),
}

fn render(problems: &[DocProblem]) -> String {
    let noun = if problems.len() == 1 { "problem" } else { "problems" };
    let lines: String = problems.iter().map(|p| format!("\n  {p}")).collect();
    format!("{} {noun} in the document:{lines}", problems.len())
}
