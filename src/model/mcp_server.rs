//! MCP servers: how to reach one (stdio command or URL), its roots, and whether the user trusts what it starts and where its secrets go.

use std::collections::BTreeMap;

use serde::Serialize;

use super::approval::{Author, Unapproved};
use super::names::{check_name, check_plain_text, check_url_without_password};
use super::secret::{SecretRef, literal_secret_problem};
use super::string_enum::string_enum;

string_enum! {
    /// How AgentLoom talks to an MCP server.
    pub enum Transport ("transport") {
        /// A child process speaking JSON-RPC on stdin/stdout.
        Stdio = "stdio",
        /// The legacy HTTP + server-sent events transport.
        Sse = "sse",
        /// Streamable HTTP.
        Http = "http",
    }
}

string_enum! {
    /// Where a server definition came from: typed by the user, or brought in by an import.
    pub enum ServerOrigin ("server origin") {
        User = "user",
        Import = "import",
    }
}

/// What a user writes to define an MCP server. Env and header values are literals or secret
/// references (`env:VAR`, `keyring:...`); a name that suggests a secret must use a reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpServerSpec {
    pub name: String,
    pub transport: Transport,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub cwd: Option<String>,
    pub url: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub root_paths: Vec<String>,
    /// The LLM config that answers the server's sampling requests.
    pub sampling_llm: Option<String>,
    pub init_timeout_secs: f64,
}

impl McpServerSpec {
    /// A stdio server started with `command args...`.
    pub fn stdio(name: impl Into<String>, command: impl Into<String>, args: Vec<String>) -> Self {
        McpServerSpec {
            command: Some(command.into()),
            args,
            ..McpServerSpec::empty(name.into(), Transport::Stdio)
        }
    }

    /// A server reached over HTTP at `url` (`transport` is `Http` or `Sse`).
    pub fn remote(name: impl Into<String>, transport: Transport, url: impl Into<String>) -> Self {
        McpServerSpec { url: Some(url.into()), ..McpServerSpec::empty(name.into(), transport) }
    }

    /// A server reached over `transport` with nothing set yet but its name.
    pub fn empty(name: String, transport: Transport) -> Self {
        McpServerSpec {
            name,
            transport,
            command: None,
            args: Vec::new(),
            env: BTreeMap::new(),
            cwd: None,
            url: None,
            headers: BTreeMap::new(),
            root_paths: Vec::new(),
            sampling_llm: None,
            init_timeout_secs: DEFAULT_INIT_TIMEOUT_SECS,
        }
    }

    /// What the user approves when trusting a server: the program, every argument, every
    /// environment variable with its value (a secret as its reference, `env:TOKEN`), the working
    /// directory, and for a remote server its URL and headers. Any change asks again.
    pub fn trust_fingerprint(&self) -> String {
        serde_json::json!({
            "transport": self.transport,
            "command": self.command,
            "args": self.args,
            "env": self.env,
            "cwd": self.cwd,
            "url": self.url,
            "headers": self.headers,
        })
        .to_string()
    }

    /// Whether an env or header value is a secret reference, resolved when connecting.
    pub fn uses_secrets(&self) -> bool {
        self.env.values().chain(self.headers.values()).any(|v| v.parse::<SecretRef>().is_ok())
    }
}

impl McpServerSpec {
    /// Every problem with this spec on its own, including literal values where a secret
    /// reference is required.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> =
            check_name("MCP server", &self.name).err().into_iter().collect();
        match self.transport {
            Transport::Stdio => {
                match self.command.as_deref() {
                    None => problems.push("a stdio server needs a command".into()),
                    Some(command) => problems.extend(check_plain_text("command", command)),
                }
                if self.url.is_some() {
                    problems.push("a stdio server takes a command, not a URL".into());
                }
            }
            Transport::Http | Transport::Sse => {
                match &self.url {
                    Some(url) => problems.extend(check_url_without_password("URL", url)),
                    None => problems.push(format!("an {} server needs a URL", self.transport)),
                }
                if self.command.is_some() {
                    problems
                        .push(format!("an {} server takes a URL, not a command", self.transport));
                }
            }
        }
        for (what, values) in [("env", &self.env), ("header", &self.headers)] {
            for (key, value) in values {
                problems.extend(literal_secret_problem(&format!("{what} {key}"), key, value));
            }
        }
        if !(self.init_timeout_secs > 0.0 && self.init_timeout_secs.is_finite()) {
            problems.push("init timeout must be a positive number of seconds".into());
        }
        problems
    }
}

/// How long a server may take to answer `initialize`, unless its row says otherwise.
pub const DEFAULT_INIT_TIMEOUT_SECS: f64 = 30.0;

/// An MCP server row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpServer {
    pub id: i64,
    #[serde(flatten)]
    pub spec: McpServerSpec,
    pub origin: ServerOrigin,
    /// Who last changed what it starts or where its secrets go.
    pub written_by: Author,
    /// The trust fingerprint the user approved, if any.
    pub trusted_launch: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl McpServer {
    /// Why AgentLoom may not connect to this server yet; `None` when it may. A stdio server
    /// waits for approval when an import or a REST client wrote its command line; a remote
    /// server when a REST client gave it secret references. Remote servers without secrets, and
    /// everything the local user typed, need none.
    pub fn unapproved(&self) -> Option<Unapproved> {
        let never_approved = match self.spec.transport {
            Transport::Stdio => match (self.origin, self.written_by) {
                (ServerOrigin::Import, _) => Unapproved::Imported,
                (ServerOrigin::User, Author::Api) => Unapproved::WrittenOverApi,
                (ServerOrigin::User, Author::Local) => return None,
            },
            Transport::Http | Transport::Sse => match self.written_by {
                Author::Api if self.spec.uses_secrets() => Unapproved::WrittenOverApi,
                Author::Api | Author::Local => return None,
            },
        };
        let current = self.spec.trust_fingerprint();
        Unapproved::compare(self.trusted_launch.as_deref(), &current, never_approved)
    }

    /// Whether AgentLoom may start (or connect to) this server now.
    pub fn may_launch(&self) -> bool {
        self.unapproved().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(spec: McpServerSpec, written_by: Author) -> McpServer {
        McpServer {
            id: 1,
            spec,
            origin: ServerOrigin::User,
            written_by,
            trusted_launch: None,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn what_a_rest_client_binds_waits_for_approval_of_exactly_it() {
        let stdio = McpServerSpec::stdio("s", "sh", vec!["-c".into(), "true".into()]);
        assert_eq!(row(stdio.clone(), Author::Local).unapproved(), None);
        let mut written = row(stdio, Author::Api);
        assert_eq!(written.unapproved(), Some(Unapproved::WrittenOverApi));
        written.trusted_launch = Some(written.spec.trust_fingerprint());
        assert_eq!(written.unapproved(), None);
        written.spec.env.insert("BASH_ENV".into(), "evil.sh".into());
        assert_eq!(written.unapproved(), Some(Unapproved::ChangedSinceApproval));

        let mut remote =
            row(McpServerSpec::remote("r", Transport::Http, "http://h/mcp"), Author::Api);
        assert_eq!(remote.unapproved(), None, "no secret goes anywhere");
        remote.spec.headers.insert("Authorization".into(), "env:HOME_SECRET".into());
        assert_eq!(remote.unapproved(), Some(Unapproved::WrittenOverApi));
    }
}
