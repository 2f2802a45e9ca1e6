-- AgentLoom schema 8: what several people and machines sharing one database need.
--
-- Runs can be queued for workers. A queued run waits with status 'queued' and no owner until a
-- worker (`agentloom worker`, on any machine that reaches the database) claims it; when that
-- worker dies the run is interrupted as any other, and, being queued, the next worker resumes it
-- from its persisted steps instead of waiting for a person to.
ALTER TABLE runs ADD COLUMN queued INTEGER NOT NULL DEFAULT 0 CHECK (queued IN (0, 1));
CREATE INDEX runs_queue ON runs (status, id) WHERE queued;

-- A run is cancelled from any machine: a process that does not run it asks its owner to stop it
-- (cancel_requested), and the owner's next heartbeat stops it there, recorded as cancelled.
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1));

-- Undo is per person: each journalled edit names who made it (user@host), and undo and redo
-- walk that person's edits only. Edits journalled before schema 8 have no editor ('').
ALTER TABLE edit_journal ADD COLUMN editor TEXT NOT NULL DEFAULT '';
DROP INDEX edit_journal_undone;
CREATE INDEX edit_journal_editor ON edit_journal (editor, undone, id);

-- Approvals are per machine: the local user's approval of what an MCP server starts, or of
-- where an LLM config sends its key, lets that machine's processes (a worker among them) act on
-- it, and no other machine's. `host` is the approving machine as this_host() names it; '' marks
-- an approval given before schema 8, on the machine that holds the file, which stays valid.
CREATE TABLE launch_approvals (
    mcp_server_id INTEGER NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
    host          TEXT NOT NULL,
    -- the launch fingerprint (command, args, cwd, env names) approved
    fingerprint   TEXT NOT NULL CHECK (json_valid(fingerprint)),
    approved_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (mcp_server_id, host)
) WITHOUT ROWID;
INSERT INTO launch_approvals (mcp_server_id, host, fingerprint)
    SELECT id, '', trusted_launch FROM mcp_servers WHERE trusted_launch IS NOT NULL;
ALTER TABLE mcp_servers DROP COLUMN trusted_launch;

CREATE TABLE binding_approvals (
    llm_config_id INTEGER NOT NULL REFERENCES llm_configs (id) ON DELETE CASCADE,
    host          TEXT NOT NULL,
    -- the binding fingerprint (provider, base URL, key reference) approved
    fingerprint   TEXT NOT NULL CHECK (json_valid(fingerprint)),
    approved_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (llm_config_id, host)
) WITHOUT ROWID;
INSERT INTO binding_approvals (llm_config_id, host, fingerprint)
    SELECT id, '', trusted_binding FROM llm_configs WHERE trusted_binding IS NOT NULL;
ALTER TABLE llm_configs DROP COLUMN trusted_binding;
