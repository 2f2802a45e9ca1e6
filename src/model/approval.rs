//! Local approval of definitions that start processes or send secrets: who wrote a row, and why one waits for the user.

use super::string_enum::string_enum;

string_enum! {
    /// Who wrote a definition: the user on this machine (the CLI, the app, an import of a file),
    /// or a client of the REST service, which anyone who reaches the port (or a web page, by DNS
    /// rebinding) may be. What the REST service writes starts no process and resolves no secret
    /// before the local user approves it.
    pub enum Author ("author") {
        Local = "local",
        Api = "api",
    }
}

/// Why a definition waits for the local user's approval before it starts a command or sends a
/// secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unapproved {
    /// An import brought the command line in and nobody approved it yet.
    Imported,
    /// A REST client wrote it, and nobody approved it yet.
    WrittenOverApi,
    /// It was approved, but what it starts or where its secrets go changed since.
    ChangedSinceApproval,
}

impl Unapproved {
    /// Why, in words, followed by the command that approves `what` ("mcp" or "llm") `name`.
    pub fn explain(self, what: &str, name: &str) -> String {
        let why = match self {
            Unapproved::Imported => "was imported and is not approved yet",
            Unapproved::WrittenOverApi => {
                "was written through the REST service and is not approved yet"
            }
            Unapproved::ChangedSinceApproval => {
                "changed since it was approved (what it runs, or where its secrets go; an approval \
                 from before AgentLoom covered environment values counts as changed), so it needs \
                 approval again"
            }
        };
        format!(
            "{why}; check it with `agentloom {what} show {name}`, then approve it on this machine \
             with `agentloom {what} trust {name}` (or Approve in the app's settings)"
        )
    }

    /// Why a definition that `needs_approval` (an `imported` one, for MCP servers), approved at
    /// the fingerprint `approved`, may not be used as it stands (fingerprint `current`); `None`
    /// when it may.
    pub fn check(
        needs_approval: bool,
        imported: bool,
        approved: Option<&str>,
        current: &str,
    ) -> Option<Unapproved> {
        match approved {
            _ if !needs_approval => None,
            Some(approved) if approved == current => None,
            Some(_) => Some(Unapproved::ChangedSinceApproval),
            None if imported => Some(Unapproved::Imported),
            None => Some(Unapproved::WrittenOverApi),
        }
    }
}
