-- Approvals: who last wrote what a definition starts or where its secrets go, and the
-- fingerprint the local user approved. A REST client (anyone who reaches the port, or a web page
-- by DNS rebinding) must not start a command or have a secret sent to a URL of its choosing.
--
-- New columns rather than a new word in mcp_servers.origin: changing a CHECK list means
-- rebuilding the table, which drags its foreign keys, its history triggers and its snapshot
-- view along (and must recreate them identically); ADD COLUMN keeps every row, trigger and view
-- as it is. The history triggers watch the defining columns only, so approving a definition, or
-- noting who wrote it, bumps no version and writes no history.
ALTER TABLE mcp_servers ADD COLUMN written_by TEXT NOT NULL DEFAULT 'local'
    CHECK (written_by IN ('local', 'api'));

ALTER TABLE llm_configs ADD COLUMN written_by TEXT NOT NULL DEFAULT 'local'
    CHECK (written_by IN ('local', 'api'));
-- the binding fingerprint (provider, base URL, key reference) the user approved; NULL: not approved
ALTER TABLE llm_configs ADD COLUMN trusted_binding TEXT
    CHECK (trusted_binding IS NULL OR json_valid(trusted_binding));
