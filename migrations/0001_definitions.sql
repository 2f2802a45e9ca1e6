-- AgentLoom schema 1: the definitions a user designs (LLM configs, MCP servers, agents, links, workflows, canvas layout).
-- Timestamps are UTC ISO-8601 text with milliseconds. JSON columns are checked with json_valid.

CREATE TABLE llm_configs (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE
                          CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9_.:-]*'),
    provider              TEXT NOT NULL CHECK (provider IN ('openai', 'anthropic', 'google', 'ollama',
                          'openrouter', 'groq', 'deepseek', 'xai', 'generic', 'passthrough', 'playback')),
    model                 TEXT NOT NULL CHECK (length(model) > 0),
    base_url              TEXT CHECK (base_url IS NULL OR base_url GLOB 'http*://?*'),
    -- a reference to the key, never the key: env:VARIABLE or keyring:service/user
    api_key_ref           TEXT CHECK (api_key_ref IS NULL OR api_key_ref GLOB 'env:?*' OR api_key_ref GLOB 'keyring:?*'),
    request_params        TEXT NOT NULL DEFAULT '{}'
                          CHECK (json_valid(request_params) AND json_type(request_params) = 'object'),
    provider_options      TEXT NOT NULL DEFAULT '{}'
                          CHECK (json_valid(provider_options) AND json_type(provider_options) = 'object'),
    input_price_per_mtok  REAL CHECK (input_price_per_mtok IS NULL OR input_price_per_mtok >= 0),
    output_price_per_mtok REAL CHECK (output_price_per_mtok IS NULL OR output_price_per_mtok >= 0),
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE mcp_servers (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE
                           CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9_-]*'),
    transport              TEXT NOT NULL CHECK (transport IN ('stdio', 'sse', 'http')),
    command                TEXT CHECK (command IS NULL OR length(command) > 0),
    args                   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(args) AND json_type(args) = 'array'),
    -- values are literals or secret references (env:..., keyring:...)
    env                    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(env) AND json_type(env) = 'object'),
    cwd                    TEXT,
    url                    TEXT CHECK (url IS NULL OR url GLOB 'http*://?*'),
    headers                TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(headers) AND json_type(headers) = 'object'),
    root_paths             TEXT NOT NULL DEFAULT '[]'
                           CHECK (json_valid(root_paths) AND json_type(root_paths) = 'array'),
    sampling_llm_config_id INTEGER REFERENCES llm_configs (id) ON DELETE RESTRICT,
    init_timeout_secs      REAL NOT NULL DEFAULT 30 CHECK (init_timeout_secs > 0),
    origin                 TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('user', 'import')),
    -- the launch fingerprint (command, args, cwd, env names) the user approved; NULL: not approved
    trusted_launch         TEXT CHECK (trusted_launch IS NULL OR json_valid(trusted_launch)),
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((transport = 'stdio') = (command IS NOT NULL)),
    CHECK ((transport = 'stdio') = (url IS NULL))
);

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE
                   CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9_-]*'),
    agent_type     TEXT NOT NULL CHECK (agent_type IN ('basic', 'chain', 'parallel', 'router', 'orchestrator',
                   'evaluator_optimizer')),
    description    TEXT NOT NULL DEFAULT '',
    instruction    TEXT NOT NULL DEFAULT '',
    llm_config_id  INTEGER REFERENCES llm_configs (id) ON DELETE RESTRICT,
    request_params TEXT NOT NULL DEFAULT '{}'
                   CHECK (json_valid(request_params) AND json_type(request_params) = 'object'),
    options        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options) AND json_type(options) = 'object'),
    use_history    INTEGER NOT NULL DEFAULT 1 CHECK (use_history IN (0, 1)),
    human_input    INTEGER NOT NULL DEFAULT 0 CHECK (human_input IN (0, 1)),
    public         INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX agents_llm_config ON agents (llm_config_id);

CREATE TABLE agent_llm_overrides (
    agent_id      INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('planning', 'routing', 'evaluation')),
    llm_config_id INTEGER NOT NULL REFERENCES llm_configs (id) ON DELETE RESTRICT,
    PRIMARY KEY (agent_id, purpose)
) WITHOUT ROWID;
CREATE INDEX agent_llm_overrides_config ON agent_llm_overrides (llm_config_id);

CREATE TABLE agent_mcp_servers (
    agent_id      INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    mcp_server_id INTEGER NOT NULL REFERENCES mcp_servers (id) ON DELETE RESTRICT,
    -- NULL: every tool of the server; a JSON array: only these tools
    allowed_tools TEXT CHECK (allowed_tools IS NULL OR (json_valid(allowed_tools) AND json_type(allowed_tools) = 'array')),
    PRIMARY KEY (agent_id, mcp_server_id)
) WITHOUT ROWID;
CREATE INDEX agent_mcp_servers_server ON agent_mcp_servers (mcp_server_id);

-- Which link types an agent of each type may have to its children (reference data, read by the triggers below).
CREATE TABLE agent_link_rules (
    agent_type TEXT NOT NULL,
    link_type  TEXT NOT NULL,
    PRIMARY KEY (agent_type, link_type)
) WITHOUT ROWID;
INSERT INTO agent_link_rules (agent_type, link_type) VALUES
    ('basic', 'tool_of'),
    ('chain', 'chains_to'),
    ('parallel', 'fans_out_to'),
    ('parallel', 'fan_in_from'),
    ('router', 'routes_to'),
    ('orchestrator', 'orchestrates'),
    ('evaluator_optimizer', 'generator_for_eval'),
    ('evaluator_optimizer', 'evaluator_for_gen');

CREATE TABLE agent_links (
    id              INTEGER PRIMARY KEY,
    parent_agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    child_agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    link_type       TEXT NOT NULL CHECK (link_type IN ('chains_to', 'fans_out_to', 'fan_in_from', 'routes_to',
                    'orchestrates', 'generator_for_eval', 'evaluator_for_gen', 'tool_of')),
    sequence_order  INTEGER CHECK (sequence_order IS NULL OR sequence_order >= 0),
    properties      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties) AND json_type(properties) = 'object'),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (parent_agent_id <> child_agent_id)
);
CREATE UNIQUE INDEX agent_links_unique
    ON agent_links (parent_agent_id, link_type, child_agent_id, ifnull(sequence_order, -1));
CREATE INDEX agent_links_child ON agent_links (child_agent_id);

CREATE TRIGGER agent_links_type_allowed_on_insert BEFORE INSERT ON agent_links
WHEN NOT EXISTS (SELECT 1 FROM agents a JOIN agent_link_rules r ON r.agent_type = a.agent_type
                 WHERE a.id = NEW.parent_agent_id AND r.link_type = NEW.link_type)
BEGIN
    SELECT RAISE(ABORT, 'link type not allowed for the parent agent type');
END;

CREATE TRIGGER agent_links_type_allowed_on_update BEFORE UPDATE OF parent_agent_id, link_type ON agent_links
WHEN NOT EXISTS (SELECT 1 FROM agents a JOIN agent_link_rules r ON r.agent_type = a.agent_type
                 WHERE a.id = NEW.parent_agent_id AND r.link_type = NEW.link_type)
BEGIN
    SELECT RAISE(ABORT, 'link type not allowed for the parent agent type');
END;

CREATE TRIGGER agents_type_fits_links BEFORE UPDATE OF agent_type ON agents
WHEN EXISTS (SELECT 1 FROM agent_links l WHERE l.parent_agent_id = NEW.id
             AND NOT EXISTS (SELECT 1 FROM agent_link_rules r
                             WHERE r.agent_type = NEW.agent_type AND r.link_type = l.link_type))
BEGIN
    SELECT RAISE(ABORT, 'agent type does not allow the links it already has');
END;

CREATE TABLE workflows (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE
                  CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9_-]*'),
    description   TEXT NOT NULL DEFAULT '',
    root_agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    webhook_url   TEXT CHECK (webhook_url IS NULL OR webhook_url GLOB 'http*://?*'),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX workflows_root ON workflows (root_agent_id);

-- Where each agent's node sits on a workflow's canvas; also places agents not yet wired to the root.
CREATE TABLE canvas_nodes (
    workflow_id INTEGER NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    agent_id    INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    x           REAL NOT NULL,
    y           REAL NOT NULL,
    PRIMARY KEY (workflow_id, agent_id)
) WITHOUT ROWID;
CREATE INDEX canvas_nodes_agent ON canvas_nodes (agent_id);
