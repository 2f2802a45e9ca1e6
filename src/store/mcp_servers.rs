//! MCP server rows: read, create, update, upsert, trust (locally only) and delete (refused while agents use one).

use super::convert::to_json;
use super::db::{Row, params};
use super::error::{Result, StoreError, refuse_problems};
use super::{Outcome, Reader, Writer};
use crate::model::{Author, McpServer, McpServerSpec, ServerOrigin, Transport};

const WHAT: &str = "MCP server";

const SELECT: &str = "SELECT s.id, s.name, s.transport, s.command, s.args, s.env, s.cwd, s.url, \
                      s.headers, s.root_paths, c.name, s.init_timeout_secs, s.origin, \
                      (SELECT a.fingerprint FROM launch_approvals a WHERE a.mcp_server_id = s.id \
                       AND a.host IN (this_host(), '') ORDER BY a.host DESC LIMIT 1), \
                      s.version, s.created_at, s.updated_at, s.written_by \
                      FROM mcp_servers s LEFT JOIN llm_configs c ON c.id = s.sampling_llm_config_id";

fn from_row(row: &Row<'_>) -> Result<McpServer> {
    Ok(McpServer {
        id: row.get(0)?,
        spec: McpServerSpec {
            name: row.get(1)?,
            transport: row.word(2)?,
            command: row.get(3)?,
            args: row.json(4)?,
            env: row.json(5)?,
            cwd: row.get(6)?,
            url: row.get(7)?,
            headers: row.json(8)?,
            root_paths: row.json(9)?,
            sampling_llm: row.get(10)?,
            init_timeout_secs: row.get(11)?,
        },
        origin: row.word(12)?,
        written_by: row.word(17)?,
        trusted_launch: row.get(13)?,
        version: row.get(14)?,
        created_at: row.get(15)?,
        updated_at: row.get(16)?,
    })
}

impl Reader<'_> {
    /// Every MCP server, by name.
    pub fn mcp_servers(&self) -> Result<Vec<McpServer>> {
        self.all(&format!("{SELECT} ORDER BY s.name"), (), from_row)
    }

    /// The MCP server called `name`, if there is one.
    pub fn find_mcp_server(&self, name: &str) -> Result<Option<McpServer>> {
        self.first(&format!("{SELECT} WHERE s.name = ?1"), [name], from_row)
    }

    /// The MCP server called `name`.
    pub fn mcp_server(&self, name: &str) -> Result<McpServer> {
        self.find_mcp_server(name)?
            .ok_or_else(|| StoreError::NotFound { what: WHAT, name: name.to_owned() })
    }

    pub(super) fn mcp_server_id(&self, name: &str) -> Result<i64> {
        self.id_by_name("mcp_servers", WHAT, name)
    }
}

impl Writer<'_> {
    /// Adds a new MCP server; `origin` says whether the user typed it or an import brought it.
    pub fn create_mcp_server(&self, spec: &McpServerSpec, origin: ServerOrigin) -> Result<i64> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        if self.find_mcp_server(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        self.save_mcp_server_row(None, spec, origin, self.author)
    }

    /// Replaces the MCP server called `name` with `spec`. An import that changes how a stdio
    /// server is launched marks it imported again, so it needs the user's approval anew; a REST
    /// client that changes what it starts or where its secrets go marks it as its own.
    pub fn update_mcp_server(
        &self,
        name: &str,
        spec: &McpServerSpec,
        origin: ServerOrigin,
    ) -> Result<Outcome> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        let current = self.mcp_server(name)?;
        if spec.name != name && self.find_mcp_server(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        let rebinds = current.spec.trust_fingerprint() != spec.trust_fingerprint();
        let origin =
            if origin == ServerOrigin::Import && rebinds { origin } else { current.origin };
        let author = self.author_after(rebinds, current.written_by);
        self.save_mcp_server_row(Some(current.id), spec, origin, author)?;
        self.outcome_of_update("mcp_servers", current.id, current.version)
    }

    /// Creates the MCP server or brings the existing one of that name in line with `spec`.
    pub fn put_mcp_server(&self, spec: &McpServerSpec, origin: ServerOrigin) -> Result<Outcome> {
        match self.find_mcp_server(&spec.name)? {
            Some(_) => self.update_mcp_server(&spec.name, spec, origin),
            None => self.create_mcp_server(spec, origin).map(|_| Outcome::Created),
        }
    }

    /// Records the local user's approval of what the server starts (program, arguments, env
    /// names and values, working directory) and where its secrets go (URL, headers), for this
    /// machine: a worker elsewhere waits for its own user's approval.
    pub fn trust_mcp_server(&self, name: &str) -> Result<McpServer> {
        self.refuse_remote_approval(WHAT, name)?;
        let server = self.mcp_server(name)?;
        if server.spec.transport != Transport::Stdio && !server.spec.uses_secrets() {
            return Err(StoreError::Invalid(format!(
                "{WHAT} \"{name}\" is reached over {} without secret references; only servers \
                 that start a command or send secrets need approval",
                server.spec.transport
            )));
        }
        self.exec(
            "INSERT INTO launch_approvals (mcp_server_id, host, fingerprint) VALUES (?1, this_host(), ?2)
             ON CONFLICT (mcp_server_id, host) DO UPDATE SET fingerprint = excluded.fingerprint,
                 approved_at = now_utc()",
            params![server.id, server.spec.trust_fingerprint()],
        )?;
        self.mcp_server(name)
    }

    /// Deletes the MCP server called `name`. While agents use it, this is refused unless
    /// `cascade`, which also removes it from those agents. Returns the agents it was removed from.
    pub fn delete_mcp_server(&self, name: &str, cascade: bool) -> Result<Vec<String>> {
        let id = self.mcp_server_id(name)?;
        let agents: Vec<String> = self.all(
            "SELECT a.name FROM agent_mcp_servers l JOIN agents a ON a.id = l.agent_id
             WHERE l.mcp_server_id = ?1 ORDER BY a.name",
            [id],
            |row| row.get(0),
        )?;
        if !agents.is_empty() && !cascade {
            let users = agents.iter().map(|a| format!("agent \"{a}\"")).collect();
            let name = name.to_owned();
            return Err(StoreError::InUse { what: WHAT, name, users, cascadable: true });
        }
        self.exec("DELETE FROM agent_mcp_servers WHERE mcp_server_id = ?1", [id])?;
        self.exec("DELETE FROM mcp_servers WHERE id = ?1", [id])?;
        Ok(agents)
    }

    /// Inserts `spec` as a new row (`id` None) or writes it over row `id`; returns the row's id.
    fn save_mcp_server_row(
        &self,
        id: Option<i64>,
        spec: &McpServerSpec,
        origin: ServerOrigin,
        author: Author,
    ) -> Result<i64> {
        let sampling = self.sampling_config_id(spec)?;
        self.insert(
            "INSERT INTO mcp_servers (id, name, transport, command, args, env, cwd, url, headers, root_paths,
                                      sampling_llm_config_id, init_timeout_secs, origin, written_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, transport = excluded.transport,
                 command = excluded.command, args = excluded.args, env = excluded.env, cwd = excluded.cwd,
                 url = excluded.url, headers = excluded.headers, root_paths = excluded.root_paths,
                 sampling_llm_config_id = excluded.sampling_llm_config_id,
                 init_timeout_secs = excluded.init_timeout_secs, origin = excluded.origin,
                 written_by = excluded.written_by RETURNING id",
            params![
                id,
                spec.name,
                spec.transport.as_str(),
                spec.command,
                to_json(&spec.args)?,
                to_json(&spec.env)?,
                spec.cwd,
                spec.url,
                to_json(&spec.headers)?,
                to_json(&spec.root_paths)?,
                sampling,
                spec.init_timeout_secs,
                origin.as_str(),
                author.as_str(),
            ],
        )
    }

    fn sampling_config_id(&self, spec: &McpServerSpec) -> Result<Option<i64>> {
        spec.sampling_llm.as_deref().map(|name| self.llm_config_id(name)).transpose()
    }
}
