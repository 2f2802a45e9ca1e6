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

    /// What stands between a definition that needs approval and its use: nothing when the
    /// approved fingerprint equals its `current` one, a change when another was approved, and
    /// `never_approved` (why it needs approval) when none was.
    pub fn compare(
        approved: Option<&str>,
        current: &str,
        never_approved: Unapproved,
    ) -> Option<Unapproved> {
        match approved {
            Some(approved) if approved == current => None,
            Some(_) => Some(Unapproved::ChangedSinceApproval),
            None => Some(never_approved),
        }
    }
}
