//! A server row cleared to connect: approved where it needs the user's approval, its secret references resolved.

use super::error::McpError;
use crate::model::{McpServer, McpServerSpec};

/// What a connection is made from. Only [`Cleared::check`] makes one, so no command starts and
/// no secret is resolved for a row that waits for the user's approval.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleared {
    spec: McpServerSpec,
}

impl Cleared {
    /// `row`, refused while it waits for approval; otherwise its spec as `resolve` gives it back
    /// with the secret references replaced by their values (`resolve` runs only then).
    pub fn check(
        row: &McpServer,
        resolve: impl FnOnce(McpServerSpec) -> Result<McpServerSpec, String>,
    ) -> Result<Cleared, McpError> {
        if let Some(why) = row.unapproved() {
            let server = row.spec.name.clone();
            return Err(McpError::Untrusted { why: why.explain("mcp", &server), server });
        }
        let spec = resolve(row.spec.clone()).map_err(|reason| McpError::Secret { reason })?;
        Ok(Cleared { spec })
    }

    /// The spec to connect with, secrets resolved.
    pub fn spec(&self) -> &McpServerSpec {
        &self.spec
    }
}
