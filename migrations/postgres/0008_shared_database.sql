-- AgentLoom schema 8 on PostgreSQL: a run queue for workers, cancelling from any machine, undo
-- per person and approvals per machine (see migrations/0008_shared_database.sql).
ALTER TABLE runs ADD COLUMN queued BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX runs_queue ON runs (status, id) WHERE queued;
ALTER TABLE runs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE edit_journal ADD COLUMN editor TEXT NOT NULL DEFAULT '';
DROP INDEX edit_journal_undone;
CREATE INDEX edit_journal_editor ON edit_journal (editor, undone, id);

-- Approvals are per machine (see migrations/0008_shared_database.sql). Each connection names its
-- machine in the setting agentloom.host, which this_host() reads ('' for other programs).
CREATE FUNCTION this_host() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('agentloom.host', true), '')
$$;

CREATE TABLE launch_approvals (
    mcp_server_id BIGINT NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
    host          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL CHECK (fingerprint::json IS NOT NULL),
    approved_at   TEXT NOT NULL DEFAULT now_utc(),
    PRIMARY KEY (mcp_server_id, host)
);
INSERT INTO launch_approvals (mcp_server_id, host, fingerprint)
    SELECT id, '', trusted_launch FROM mcp_servers WHERE trusted_launch IS NOT NULL;
ALTER TABLE mcp_servers DROP COLUMN trusted_launch;

CREATE TABLE binding_approvals (
    llm_config_id BIGINT NOT NULL REFERENCES llm_configs (id) ON DELETE CASCADE,
    host          TEXT NOT NULL,
    fingerprint   TEXT NOT NULL CHECK (fingerprint::json IS NOT NULL),
    approved_at   TEXT NOT NULL DEFAULT now_utc(),
    PRIMARY KEY (llm_config_id, host)
);
INSERT INTO binding_approvals (llm_config_id, host, fingerprint)
    SELECT id, '', trusted_binding FROM llm_configs WHERE trusted_binding IS NOT NULL;
ALTER TABLE llm_configs DROP COLUMN trusted_binding;
