-- AgentLoom schema 7: the words that name agent types, link types, providers and statuses live in
-- reference tables, and the columns that hold them are foreign keys to those tables. A later
-- migration that adds a word INSERTs a row; it no longer rebuilds every table whose CHECK list
-- named the words. Words only the code's protocol fixes (transports, roles, log levels, ...) keep
-- their CHECK lists.
--
-- SQLite replaces a CHECK list only by rebuilding the table: llm_configs, agents, agent_links,
-- agent_link_rules, sessions, runs, spans and human_input_requests are rebuilt here, column for
-- column, rows and ids as they were. Dropping a table drops its triggers, so each rebuilt
-- definition table gets its triggers back exactly as schema 1 and 2 wrote them; views and the
-- triggers of other tables name the tables by name and find the rebuilt ones. legacy_alter_table
-- lets RENAME leave those references alone while the old table is gone (foreign keys are off while
-- migrations run, and checked before they commit).
PRAGMA legacy_alter_table = ON;

CREATE TABLE agent_types (
    name    TEXT PRIMARY KEY,
    meaning TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO agent_types (name, meaning) VALUES
    ('basic', 'one model with instructions and tools'),
    ('chain', 'runs its children one after another'),
    ('parallel', 'fans a request out to its children and fans their answers in'),
    ('router', 'hands a request to the child a model picks'),
    ('orchestrator', 'plans steps and hands them to its children'),
    ('evaluator_optimizer', 'a generator improved until an evaluator rates it good enough');

CREATE TABLE link_types (
    name    TEXT PRIMARY KEY,
    meaning TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO link_types (name, meaning) VALUES
    ('chains_to', 'a step of a chain'),
    ('fans_out_to', 'a child a parallel sends the request to'),
    ('fan_in_from', 'the child that merges a parallel''s answers'),
    ('routes_to', 'a child a router may pick'),
    ('orchestrates', 'a worker an orchestrator may plan for'),
    ('generator_for_eval', 'the generator of an evaluator-optimizer'),
    ('evaluator_for_gen', 'the evaluator of an evaluator-optimizer'),
    ('tool_of', 'an agent a basic agent may call as a tool');

CREATE TABLE providers (
    name    TEXT PRIMARY KEY,
    meaning TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO providers (name, meaning) VALUES
    ('openai', 'OpenAI'),
    ('anthropic', 'Anthropic'),
    ('google', 'Google Gemini'),
    ('ollama', 'Ollama'),
    ('openrouter', 'OpenRouter'),
    ('groq', 'Groq'),
    ('deepseek', 'DeepSeek'),
    ('xai', 'xAI'),
    ('generic', 'any OpenAI-compatible server'),
    ('passthrough', 'answers with its input, no model'),
    ('playback', 'answers with recorded replies, no model');

-- Runs and spans share one set of statuses.
CREATE TABLE run_statuses (
    name     TEXT PRIMARY KEY,
    meaning  TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO run_statuses (name, meaning) VALUES
    ('queued', 'waiting to start'),
    ('running', 'going on'),
    ('waiting', 'waiting for a person''s answer'),
    ('succeeded', 'finished with an answer'),
    ('failed', 'finished with an error'),
    ('cancelled', 'stopped by a person'),
    ('interrupted', 'its process stopped; it can be resumed');

CREATE TABLE span_kinds (
    name    TEXT PRIMARY KEY,
    meaning TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO span_kinds (name, meaning) VALUES
    ('agent', 'an agent invocation'),
    ('llm_call', 'one call of a model'),
    ('tool_call', 'one call of a tool'),
    ('human_input', 'a wait for a person''s answer'),
    ('sampling', 'a model call an MCP server asked for');

CREATE TABLE session_statuses (
    name    TEXT PRIMARY KEY,
    meaning TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO session_statuses (name, meaning) VALUES
    ('active', 'open for more turns'),
    ('completed', 'closed'),
    ('error', 'closed by an error');

CREATE TABLE human_input_statuses (
    name    TEXT PRIMARY KEY,
    meaning TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO human_input_statuses (name, meaning) VALUES
    ('pending', 'waiting for an answer'),
    ('answered', 'answered'),
    ('declined', 'the person declined to answer'),
    ('cancelled', 'cancelled with the run that asked'),
    ('expired', 'nobody answered in time'),
    ('withdrawn', 'the run that asked stopped before anyone answered');

-- llm_configs
CREATE TABLE llm_configs_v7 (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE
                          CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9_.:-]*'),
    provider              TEXT NOT NULL REFERENCES providers (name),
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
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    written_by            TEXT NOT NULL DEFAULT 'local' CHECK (written_by IN ('local', 'api')),
    -- the binding fingerprint (provider, base URL, key reference) the user approved; NULL: not approved
    trusted_binding       TEXT CHECK (trusted_binding IS NULL OR json_valid(trusted_binding))
);
INSERT INTO llm_configs_v7 SELECT id, name, provider, model, base_url, api_key_ref, request_params,
    provider_options, input_price_per_mtok, output_price_per_mtok, version, created_at, updated_at,
    written_by, trusted_binding FROM llm_configs;
DROP TABLE llm_configs;
ALTER TABLE llm_configs_v7 RENAME TO llm_configs;
CREATE INDEX llm_configs_provider ON llm_configs (provider);

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

-- agents
CREATE TABLE agents_v7 (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE
                   CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9_-]*'),
    agent_type     TEXT NOT NULL REFERENCES agent_types (name),
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
INSERT INTO agents_v7 SELECT id, name, agent_type, description, instruction, llm_config_id, request_params,
    options, use_history, human_input, public, version, created_at, updated_at FROM agents;
DROP TABLE agents;
ALTER TABLE agents_v7 RENAME TO agents;
CREATE INDEX agents_llm_config ON agents (llm_config_id);
CREATE INDEX agents_type ON agents (agent_type);

CREATE TRIGGER agents_type_fits_links BEFORE UPDATE OF agent_type ON agents
WHEN EXISTS (SELECT 1 FROM agent_links l WHERE l.parent_agent_id = NEW.id
             AND NOT EXISTS (SELECT 1 FROM agent_link_rules r
                             WHERE r.agent_type = NEW.agent_type AND r.link_type = l.link_type))
BEGIN
    SELECT RAISE(ABORT, 'agent type does not allow the links it already has');
END;
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

-- agent_link_rules: which link types an agent of each type may have to its children
CREATE TABLE agent_link_rules_v7 (
    agent_type TEXT NOT NULL REFERENCES agent_types (name),
    link_type  TEXT NOT NULL REFERENCES link_types (name),
    PRIMARY KEY (agent_type, link_type)
) WITHOUT ROWID;
INSERT INTO agent_link_rules_v7 SELECT agent_type, link_type FROM agent_link_rules;
DROP TABLE agent_link_rules;
ALTER TABLE agent_link_rules_v7 RENAME TO agent_link_rules;
CREATE INDEX agent_link_rules_link ON agent_link_rules (link_type);

-- agent_links
CREATE TABLE agent_links_v7 (
    id              INTEGER PRIMARY KEY,
    parent_agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    child_agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    link_type       TEXT NOT NULL REFERENCES link_types (name),
    sequence_order  INTEGER CHECK (sequence_order IS NULL OR sequence_order >= 0),
    properties      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties) AND json_type(properties) = 'object'),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (parent_agent_id <> child_agent_id)
);
INSERT INTO agent_links_v7 SELECT id, parent_agent_id, child_agent_id, link_type, sequence_order, properties,
    version, created_at, updated_at FROM agent_links;
DROP TABLE agent_links;
ALTER TABLE agent_links_v7 RENAME TO agent_links;
CREATE UNIQUE INDEX agent_links_unique
    ON agent_links (parent_agent_id, link_type, child_agent_id, ifnull(sequence_order, -1));
CREATE INDEX agent_links_child ON agent_links (child_agent_id);
CREATE INDEX agent_links_type ON agent_links (link_type);

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

-- sessions
CREATE TABLE sessions_v7 (
    id          INTEGER PRIMARY KEY,
    workflow_id INTEGER REFERENCES workflows (id) ON DELETE SET NULL,
    agent_id    INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    title       TEXT NOT NULL DEFAULT '',
    -- values for {{placeholders}} in instructions, shared by every agent of the session
    variables   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(variables) AND json_type(variables) = 'object'),
    status      TEXT NOT NULL DEFAULT 'active' REFERENCES session_statuses (name),
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ended_at    TEXT
);
INSERT INTO sessions_v7 SELECT id, workflow_id, agent_id, title, variables, status, started_at, ended_at
FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v7 RENAME TO sessions;
CREATE INDEX sessions_workflow ON sessions (workflow_id);
CREATE INDEX sessions_agent ON sessions (agent_id);
CREATE INDEX sessions_status ON sessions (status);

-- runs
CREATE TABLE runs_v7 (
    id                  INTEGER PRIMARY KEY,
    session_id          INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    workflow_id         INTEGER REFERENCES workflows (id) ON DELETE SET NULL,
    agent_id            INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    -- the workflow or agent name as it was run
    target_name         TEXT NOT NULL,
    -- definition_history.revision current when the run started: what it ran, exactly
    definition_revision INTEGER NOT NULL DEFAULT 0,
    input               TEXT NOT NULL,
    output              TEXT,
    status              TEXT NOT NULL DEFAULT 'queued' REFERENCES run_statuses (name),
    error               TEXT,
    origin              TEXT NOT NULL DEFAULT 'cli' CHECK (origin IN ('cli', 'app', 'api', 'mcp')),
    -- a replay is a run of its own, linked to the run it replays and the span it re-ran from
    replay_of_run_id    INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    replay_from_span_id INTEGER REFERENCES spans (id) ON DELETE SET NULL,
    -- the process running it, while it runs
    owner_id            INTEGER REFERENCES run_owners (id) ON DELETE SET NULL,
    -- 1, and one more each time an interrupted run is resumed
    attempt             INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    input_tokens        INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens       INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd            REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at          TEXT,
    ended_at            TEXT,
    CHECK (status NOT IN ('failed', 'interrupted') OR error IS NOT NULL),
    CHECK (status IN ('running', 'waiting') OR owner_id IS NULL)
);
INSERT INTO runs_v7 SELECT id, session_id, workflow_id, agent_id, target_name, definition_revision, input,
    output, status, error, origin, replay_of_run_id, replay_from_span_id, owner_id, attempt, input_tokens,
    output_tokens, cost_usd, created_at, started_at, ended_at FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v7 RENAME TO runs;
CREATE INDEX runs_session ON runs (session_id);
CREATE INDEX runs_workflow ON runs (workflow_id, created_at);
CREATE INDEX runs_status ON runs (status, created_at);
CREATE INDEX runs_agent ON runs (agent_id);
CREATE INDEX runs_replay_of ON runs (replay_of_run_id);
CREATE INDEX runs_replay_from ON runs (replay_from_span_id);
CREATE INDEX runs_owner ON runs (owner_id);
-- One turn at a time per session, across every process and machine on the file.
CREATE UNIQUE INDEX runs_one_turn_per_session ON runs (session_id) WHERE status IN ('running', 'waiting');

-- spans
CREATE TABLE spans_v7 (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    parent_span_id INTEGER REFERENCES spans (id) ON DELETE CASCADE,
    agent_id       INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    agent_name     TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL REFERENCES span_kinds (name),
    -- what ran: the agent type, the model, the tool name, ...
    name           TEXT NOT NULL DEFAULT '',
    -- order among the spans of the same parent
    position       INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'queued' REFERENCES run_statuses (name),
    input          TEXT,
    output         TEXT,
    error          TEXT,
    -- kind-specific facts: the route picked and why, the plan, the rating, the tool arguments, ...
    attributes     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes) AND json_type(attributes) = 'object'),
    input_tokens   INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd       REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    started_at     TEXT,
    ended_at       TEXT,
    duration_ms    INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0)
);
INSERT INTO spans_v7 SELECT id, run_id, parent_span_id, agent_id, agent_name, kind, name, position, status,
    input, output, error, attributes, input_tokens, output_tokens, cost_usd, started_at, ended_at, duration_ms
FROM spans;
DROP TABLE spans;
ALTER TABLE spans_v7 RENAME TO spans;
CREATE INDEX spans_run ON spans (run_id, parent_span_id, position);
CREATE INDEX spans_parent ON spans (parent_span_id);
CREATE INDEX spans_agent ON spans (agent_id);
CREATE INDEX spans_status ON spans (status);
CREATE INDEX spans_kind ON spans (kind);

-- human_input_requests
CREATE TABLE human_input_requests_v7 (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER REFERENCES runs (id) ON DELETE CASCADE,
    span_id         INTEGER REFERENCES spans (id) ON DELETE SET NULL,
    session_id      INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id        INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    mcp_server_id   INTEGER REFERENCES mcp_servers (id) ON DELETE SET NULL,
    source          TEXT NOT NULL CHECK (source IN ('agent', 'elicitation')),
    prompt          TEXT NOT NULL,
    -- the JSON schema of the form to fill in, when the asker gave one
    response_schema TEXT CHECK (response_schema IS NULL OR json_valid(response_schema)),
    -- JSON: a string for a free-text answer, an object for a form
    answer          TEXT CHECK (answer IS NULL OR json_valid(answer)),
    status          TEXT NOT NULL DEFAULT 'pending' REFERENCES human_input_statuses (name),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    answered_at     TEXT,
    CHECK ((status = 'answered') = (answer IS NOT NULL))
);
INSERT INTO human_input_requests_v7 SELECT id, run_id, span_id, session_id, agent_id, mcp_server_id, source,
    prompt, response_schema, answer, status, created_at, answered_at FROM human_input_requests;
DROP TABLE human_input_requests;
ALTER TABLE human_input_requests_v7 RENAME TO human_input_requests;
CREATE INDEX human_input_requests_status ON human_input_requests (status, created_at);
CREATE INDEX human_input_requests_run ON human_input_requests (run_id);
CREATE INDEX human_input_requests_span ON human_input_requests (span_id);
CREATE INDEX human_input_requests_session ON human_input_requests (session_id);
CREATE INDEX human_input_requests_agent ON human_input_requests (agent_id);
CREATE INDEX human_input_requests_server ON human_input_requests (mcp_server_id);

PRAGMA legacy_alter_table = OFF;
