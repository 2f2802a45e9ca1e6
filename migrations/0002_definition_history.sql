-- AgentLoom schema 2: definition versions. Every insert, change and delete of an LLM config, MCP server,
-- agent (with its LLM overrides and MCP servers), link or workflow bumps that row's `version` and appends a
-- JSON snapshot to definition_history, whose `revision` numbers all changes in one sequence. A run records
-- the revision it started at, so what it ran can be read back exactly. Triggers keep this true for every
-- writer of the file, sqlite3 included.

CREATE TABLE definition_history (
    revision   INTEGER PRIMARY KEY AUTOINCREMENT,
    entity     TEXT NOT NULL CHECK (entity IN ('llm_config', 'mcp_server', 'agent', 'agent_link', 'workflow')),
    entity_id  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    operation  TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    row_json   TEXT NOT NULL CHECK (json_valid(row_json)),
    changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX definition_history_entity ON definition_history (entity, entity_id, version);

-- llm_config
CREATE VIEW llm_config_snapshots AS
SELECT t.id AS id, t.version AS version, json_object(
        'id', t.id,
        'name', t.name,
        'provider', t.provider,
        'model', t.model,
        'base_url', t.base_url,
        'api_key_ref', t.api_key_ref,
        'request_params', json(t.request_params),
        'provider_options', json(t.provider_options),
        'input_price_per_mtok', t.input_price_per_mtok,
        'output_price_per_mtok', t.output_price_per_mtok,
        'version', t.version,
        'updated_at', t.updated_at
    ) AS row_json
FROM llm_configs t;

CREATE TRIGGER llm_configs_history_insert AFTER INSERT ON llm_configs
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'llm_config', id, version, 'insert', row_json FROM llm_config_snapshots WHERE id = NEW.id;
END;
CREATE TRIGGER llm_configs_history_update AFTER UPDATE ON llm_configs
WHEN NEW.version = OLD.version AND (
         NEW.name IS NOT OLD.name
      OR NEW.provider IS NOT OLD.provider
      OR NEW.model IS NOT OLD.model
      OR NEW.base_url IS NOT OLD.base_url
      OR NEW.api_key_ref IS NOT OLD.api_key_ref
      OR NEW.request_params IS NOT OLD.request_params
      OR NEW.provider_options IS NOT OLD.provider_options
      OR NEW.input_price_per_mtok IS NOT OLD.input_price_per_mtok
      OR NEW.output_price_per_mtok IS NOT OLD.output_price_per_mtok)
BEGIN
    UPDATE llm_configs SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'llm_config', id, version, 'update', row_json FROM llm_config_snapshots WHERE id = NEW.id;
END;

CREATE TRIGGER llm_configs_history_delete BEFORE DELETE ON llm_configs
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'llm_config', id, version, 'delete', row_json FROM llm_config_snapshots WHERE id = OLD.id;
END;

-- mcp_server
CREATE VIEW mcp_server_snapshots AS
SELECT t.id AS id, t.version AS version, json_object(
        'id', t.id,
        'name', t.name,
        'transport', t.transport,
        'command', t.command,
        'args', json(t.args),
        'env', json(t.env),
        'cwd', t.cwd,
        'url', t.url,
        'headers', json(t.headers),
        'root_paths', json(t.root_paths),
        'sampling_llm_config_id', t.sampling_llm_config_id,
        'init_timeout_secs', t.init_timeout_secs,
        'version', t.version,
        'updated_at', t.updated_at
    ) AS row_json
FROM mcp_servers t;

CREATE TRIGGER mcp_servers_history_insert AFTER INSERT ON mcp_servers
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'mcp_server', id, version, 'insert', row_json FROM mcp_server_snapshots WHERE id = NEW.id;
END;
CREATE TRIGGER mcp_servers_history_update AFTER UPDATE ON mcp_servers
WHEN NEW.version = OLD.version AND (
         NEW.name IS NOT OLD.name
      OR NEW.transport IS NOT OLD.transport
      OR NEW.command IS NOT OLD.command
      OR NEW.args IS NOT OLD.args
      OR NEW.env IS NOT OLD.env
      OR NEW.cwd IS NOT OLD.cwd
      OR NEW.url IS NOT OLD.url
      OR NEW.headers IS NOT OLD.headers
      OR NEW.root_paths IS NOT OLD.root_paths
      OR NEW.sampling_llm_config_id IS NOT OLD.sampling_llm_config_id
      OR NEW.init_timeout_secs IS NOT OLD.init_timeout_secs)
BEGIN
    UPDATE mcp_servers SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'mcp_server', id, version, 'update', row_json FROM mcp_server_snapshots WHERE id = NEW.id;
END;

CREATE TRIGGER mcp_servers_history_delete BEFORE DELETE ON mcp_servers
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'mcp_server', id, version, 'delete', row_json FROM mcp_server_snapshots WHERE id = OLD.id;
END;

-- agent
CREATE VIEW agent_snapshots AS
SELECT t.id AS id, t.version AS version, json_object(
        'id', t.id,
        'name', t.name,
        'agent_type', t.agent_type,
        'description', t.description,
        'instruction', t.instruction,
        'llm_config_id', t.llm_config_id,
        'request_params', json(t.request_params),
        'options', json(t.options),
        'use_history', t.use_history,
        'human_input', t.human_input,
        'public', t.public,
        'version', t.version,
        'updated_at', t.updated_at,
        'llm_overrides', (SELECT json(json_group_object(o.purpose, o.llm_config_id))
                         FROM agent_llm_overrides o WHERE o.agent_id = t.id),
        'mcp_servers', (SELECT json(json_group_array(json_object('mcp_server_id', s.mcp_server_id,
                                                 'allowed_tools', json(s.allowed_tools))))
                       FROM agent_mcp_servers s WHERE s.agent_id = t.id)
    ) AS row_json
FROM agents t;

CREATE TRIGGER agents_history_insert AFTER INSERT ON agents
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'insert', row_json FROM agent_snapshots WHERE id = NEW.id;
END;
CREATE TRIGGER agents_history_update AFTER UPDATE ON agents
WHEN NEW.version = OLD.version AND (
         NEW.name IS NOT OLD.name
      OR NEW.agent_type IS NOT OLD.agent_type
      OR NEW.description IS NOT OLD.description
      OR NEW.instruction IS NOT OLD.instruction
      OR NEW.llm_config_id IS NOT OLD.llm_config_id
      OR NEW.request_params IS NOT OLD.request_params
      OR NEW.options IS NOT OLD.options
      OR NEW.use_history IS NOT OLD.use_history
      OR NEW.human_input IS NOT OLD.human_input
      OR NEW.public IS NOT OLD.public)
BEGIN
    UPDATE agents SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = NEW.id;
END;

CREATE TRIGGER agents_history_delete BEFORE DELETE ON agents
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'delete', row_json FROM agent_snapshots WHERE id = OLD.id;
END;

-- agent_link
CREATE VIEW agent_link_snapshots AS
SELECT t.id AS id, t.version AS version, json_object(
        'id', t.id,
        'parent_agent_id', t.parent_agent_id,
        'child_agent_id', t.child_agent_id,
        'link_type', t.link_type,
        'sequence_order', t.sequence_order,
        'properties', json(t.properties),
        'version', t.version,
        'updated_at', t.updated_at
    ) AS row_json
FROM agent_links t;

CREATE TRIGGER agent_links_history_insert AFTER INSERT ON agent_links
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent_link', id, version, 'insert', row_json FROM agent_link_snapshots WHERE id = NEW.id;
END;
CREATE TRIGGER agent_links_history_update AFTER UPDATE ON agent_links
WHEN NEW.version = OLD.version AND (
         NEW.parent_agent_id IS NOT OLD.parent_agent_id
      OR NEW.child_agent_id IS NOT OLD.child_agent_id
      OR NEW.link_type IS NOT OLD.link_type
      OR NEW.sequence_order IS NOT OLD.sequence_order
      OR NEW.properties IS NOT OLD.properties)
BEGIN
    UPDATE agent_links SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent_link', id, version, 'update', row_json FROM agent_link_snapshots WHERE id = NEW.id;
END;

CREATE TRIGGER agent_links_history_delete BEFORE DELETE ON agent_links
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent_link', id, version, 'delete', row_json FROM agent_link_snapshots WHERE id = OLD.id;
END;

-- workflow
CREATE VIEW workflow_snapshots AS
SELECT t.id AS id, t.version AS version, json_object(
        'id', t.id,
        'name', t.name,
        'description', t.description,
        'root_agent_id', t.root_agent_id,
        'webhook_url', t.webhook_url,
        'version', t.version,
        'updated_at', t.updated_at
    ) AS row_json
FROM workflows t;

CREATE TRIGGER workflows_history_insert AFTER INSERT ON workflows
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'workflow', id, version, 'insert', row_json FROM workflow_snapshots WHERE id = NEW.id;
END;
CREATE TRIGGER workflows_history_update AFTER UPDATE ON workflows
WHEN NEW.version = OLD.version AND (
         NEW.name IS NOT OLD.name
      OR NEW.description IS NOT OLD.description
      OR NEW.root_agent_id IS NOT OLD.root_agent_id
      OR NEW.webhook_url IS NOT OLD.webhook_url)
BEGIN
    UPDATE workflows SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'workflow', id, version, 'update', row_json FROM workflow_snapshots WHERE id = NEW.id;
END;

CREATE TRIGGER workflows_history_delete BEFORE DELETE ON workflows
BEGIN
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'workflow', id, version, 'delete', row_json FROM workflow_snapshots WHERE id = OLD.id;
END;
CREATE TRIGGER agent_llm_overrides_history_insert AFTER INSERT ON agent_llm_overrides
BEGIN
    UPDATE agents SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.agent_id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = NEW.agent_id;
END;
CREATE TRIGGER agent_llm_overrides_history_update AFTER UPDATE ON agent_llm_overrides
WHEN NEW.llm_config_id IS NOT OLD.llm_config_id OR NEW.agent_id IS NOT OLD.agent_id
BEGIN
    UPDATE agents SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.agent_id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = NEW.agent_id;
END;
CREATE TRIGGER agent_llm_overrides_history_delete AFTER DELETE ON agent_llm_overrides
BEGIN
    UPDATE agents SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = OLD.agent_id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = OLD.agent_id;
END;
CREATE TRIGGER agent_mcp_servers_history_insert AFTER INSERT ON agent_mcp_servers
BEGIN
    UPDATE agents SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.agent_id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = NEW.agent_id;
END;
CREATE TRIGGER agent_mcp_servers_history_update AFTER UPDATE ON agent_mcp_servers
WHEN NEW.allowed_tools IS NOT OLD.allowed_tools OR NEW.agent_id IS NOT OLD.agent_id
BEGIN
    UPDATE agents SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.agent_id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = NEW.agent_id;
END;
CREATE TRIGGER agent_mcp_servers_history_delete AFTER DELETE ON agent_mcp_servers
BEGIN
    UPDATE agents SET version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = OLD.agent_id;
    INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
    SELECT 'agent', id, version, 'update', row_json FROM agent_snapshots WHERE id = OLD.agent_id;
END;
