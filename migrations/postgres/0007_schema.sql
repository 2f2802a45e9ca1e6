-- AgentLoom schema 7 on PostgreSQL, created in one step: the same tables, columns, rules and
-- history as the SQLite file reaches through migrations 1 to 7 (migrations/0001 ... 0007), written
-- in PostgreSQL's dialect. Whatever writes to the database, the store or any other program, meets
-- the same CHECKs, foreign keys, link rules, version bumps and definition history as in SQLite.
--
-- The dialects differ where this file differs:
-- * ids are identity columns; a BEFORE INSERT trigger gives a row inserted with a NULL id the
--   next one, as SQLite does for INTEGER PRIMARY KEY (the store's upserts pass NULL for a new row);
-- * JSON columns stay TEXT, so that a value reads back byte for byte, checked with a cast to json;
-- * flags are BOOLEAN, and read as 0/1 inside the history's JSON snapshots, as in SQLite;
-- * timestamps are the same ISO 8601 text in UTC with milliseconds, from now_utc();
-- * GLOB patterns are regular expressions; SQLite's trigger bodies are PL/pgSQL functions.

-- The functions the store's SQL shares with SQLite, where the store registers them itself.
CREATE FUNCTION now_utc() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION now_utc_plus(seconds double precision) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT to_char((clock_timestamp() + make_interval(secs => seconds)) AT TIME ZONE 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Milliseconds from `since` (a now_utc() text) to now, never below 0; NULL for NULL.
CREATE FUNCTION millis_since(since text) RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT greatest(0, floor(extract(epoch FROM clock_timestamp()
                                     - (since::timestamp AT TIME ZONE 'UTC')) * 1000))::bigint
$$;

-- RFC 7396 merge patch, as SQLite's json_patch: `patch`'s members replace `target`'s, a null
-- member removes one, objects merge recursively; the target's members keep their order and new
-- ones follow in the patch's order.
CREATE FUNCTION agentloom_merge_patch(target json, patch json) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    merged json;
BEGIN
    IF json_typeof(patch) IS DISTINCT FROM 'object' THEN
        RETURN patch;
    END IF;
    IF json_typeof(target) IS DISTINCT FROM 'object' THEN
        target := '{}';
    END IF;
    SELECT coalesce(json_object_agg(key, value ORDER BY place), '{}') INTO merged FROM (
        SELECT t.key, coalesce(agentloom_merge_patch(t.value, p.value), t.value) AS value, t.place
        FROM json_each(target) WITH ORDINALITY AS t (key, value, place)
        LEFT JOIN json_each(patch) AS p (key, value) ON p.key = t.key
        WHERE p.value IS NULL OR json_typeof(p.value) <> 'null'
        UNION ALL
        SELECT p.key, agentloom_merge_patch(NULL, p.value), 1e9 + p.place
        FROM json_each(patch) WITH ORDINALITY AS p (key, value, place)
        WHERE json_typeof(p.value) <> 'null'
          AND NOT EXISTS (SELECT 1 FROM json_each(target) AS t (key, value) WHERE t.key = p.key)
    ) AS members;
    RETURN merged;
END
$$;

CREATE FUNCTION json_patch(target text, patch text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT agentloom_merge_patch(target::json, patch::json)::text
$$;

-- Gives a row inserted with a NULL id the next id of its table's identity.
CREATE FUNCTION agentloom_fill_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS NULL THEN
        NEW.id := nextval(pg_get_serial_sequence(TG_TABLE_NAME, 'id'));
    END IF;
    RETURN NEW;
END
$$;

-- What this database is: AgentLoom's ("ALOM"), at which schema version. One row.
CREATE TABLE agentloom_schema (
    application_id BIGINT NOT NULL CHECK (application_id = 1095520077),
    version        BIGINT NOT NULL CHECK (version >= 7),
    only_row       BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row)
);
INSERT INTO agentloom_schema (application_id, version) VALUES (1095520077, 7);

-- The words the model may grow: a new one is an INSERT.
CREATE TABLE agent_types (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
INSERT INTO agent_types (name, meaning) VALUES
    ('basic', 'one model with instructions and tools'),
    ('chain', 'runs its children one after another'),
    ('parallel', 'fans a request out to its children and fans their answers in'),
    ('router', 'hands a request to the child a model picks'),
    ('orchestrator', 'plans steps and hands them to its children'),
    ('evaluator_optimizer', 'a generator improved until an evaluator rates it good enough');

CREATE TABLE link_types (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
INSERT INTO link_types (name, meaning) VALUES
    ('chains_to', 'a step of a chain'),
    ('fans_out_to', 'a child a parallel sends the request to'),
    ('fan_in_from', 'the child that merges a parallel''s answers'),
    ('routes_to', 'a child a router may pick'),
    ('orchestrates', 'a worker an orchestrator may plan for'),
    ('generator_for_eval', 'the generator of an evaluator-optimizer'),
    ('evaluator_for_gen', 'the evaluator of an evaluator-optimizer'),
    ('tool_of', 'an agent a basic agent may call as a tool');

CREATE TABLE providers (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
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
CREATE TABLE run_statuses (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
INSERT INTO run_statuses (name, meaning) VALUES
    ('queued', 'waiting to start'),
    ('running', 'going on'),
    ('waiting', 'waiting for a person''s answer'),
    ('succeeded', 'finished with an answer'),
    ('failed', 'finished with an error'),
    ('cancelled', 'stopped by a person'),
    ('interrupted', 'its process stopped; it can be resumed');

CREATE TABLE span_kinds (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
INSERT INTO span_kinds (name, meaning) VALUES
    ('agent', 'an agent invocation'),
    ('llm_call', 'one call of a model'),
    ('tool_call', 'one call of a tool'),
    ('human_input', 'a wait for a person''s answer'),
    ('sampling', 'a model call an MCP server asked for');

CREATE TABLE session_statuses (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
INSERT INTO session_statuses (name, meaning) VALUES
    ('active', 'open for more turns'),
    ('completed', 'closed'),
    ('error', 'closed by an error');

CREATE TABLE human_input_statuses (name TEXT PRIMARY KEY, meaning TEXT NOT NULL);
INSERT INTO human_input_statuses (name, meaning) VALUES
    ('pending', 'waiting for an answer'),
    ('answered', 'answered'),
    ('declined', 'the person declined to answer'),
    ('expired', 'nobody answered in time'),
    ('cancelled', 'cancelled with the run that asked'),
    ('withdrawn', 'the run that asked stopped before anyone answered');

-- Which link types each agent type may have as a parent.
CREATE TABLE agent_link_rules (
    agent_type TEXT NOT NULL REFERENCES agent_types (name),
    link_type  TEXT NOT NULL REFERENCES link_types (name),
    PRIMARY KEY (agent_type, link_type)
);
CREATE INDEX agent_link_rules_link ON agent_link_rules (link_type);
INSERT INTO agent_link_rules (agent_type, link_type) VALUES
    ('basic', 'tool_of'),
    ('chain', 'chains_to'),
    ('parallel', 'fans_out_to'),
    ('parallel', 'fan_in_from'),
    ('router', 'routes_to'),
    ('orchestrator', 'orchestrates'),
    ('evaluator_optimizer', 'generator_for_eval'),
    ('evaluator_optimizer', 'evaluator_for_gen');

-- Definitions.

CREATE TABLE llm_configs (
    id                    BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE
                          CHECK (length(name) BETWEEN 1 AND 64 AND name ~ '^[A-Za-z0-9_.:-]+$'),
    provider              TEXT NOT NULL REFERENCES providers (name),
    model                 TEXT NOT NULL CHECK (length(model) > 0),
    base_url              TEXT CHECK (base_url IS NULL OR base_url ~ '^http.*://.'),
    -- a reference to the key, never the key: env:VARIABLE or keyring:service/user
    api_key_ref           TEXT CHECK (api_key_ref IS NULL OR api_key_ref ~ '^(env|keyring):.'),
    request_params        TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(request_params::json) = 'object'),
    provider_options      TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(provider_options::json) = 'object'),
    input_price_per_mtok  DOUBLE PRECISION CHECK (input_price_per_mtok IS NULL OR input_price_per_mtok >= 0),
    output_price_per_mtok DOUBLE PRECISION CHECK (output_price_per_mtok IS NULL OR output_price_per_mtok >= 0),
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL DEFAULT now_utc(),
    updated_at            TEXT NOT NULL DEFAULT now_utc(),
    written_by            TEXT NOT NULL DEFAULT 'local' CHECK (written_by IN ('local', 'api')),
    -- the binding fingerprint (provider, base URL, key reference) the user approved; NULL: not approved
    trusted_binding       TEXT CHECK (trusted_binding IS NULL OR trusted_binding::json IS NOT NULL)
);
CREATE INDEX llm_configs_provider ON llm_configs (provider);

CREATE TABLE mcp_servers (
    id                     BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE
                           CHECK (length(name) BETWEEN 1 AND 64 AND name ~ '^[A-Za-z0-9_-]+$'),
    transport              TEXT NOT NULL CHECK (transport IN ('stdio', 'sse', 'http')),
    command                TEXT CHECK (command IS NULL OR length(command) > 0),
    args                   TEXT NOT NULL DEFAULT '[]' CHECK (json_typeof(args::json) = 'array'),
    -- values are literals or secret references (env:..., keyring:...)
    env                    TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(env::json) = 'object'),
    cwd                    TEXT,
    url                    TEXT CHECK (url IS NULL OR url ~ '^http.*://.'),
    headers                TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(headers::json) = 'object'),
    root_paths             TEXT NOT NULL DEFAULT '[]' CHECK (json_typeof(root_paths::json) = 'array'),
    sampling_llm_config_id BIGINT REFERENCES llm_configs (id) ON DELETE RESTRICT,
    init_timeout_secs      DOUBLE PRECISION NOT NULL DEFAULT 30 CHECK (init_timeout_secs > 0),
    origin                 TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('user', 'import')),
    -- the launch fingerprint (command, args, cwd, env names) the user approved; NULL: not approved
    trusted_launch         TEXT CHECK (trusted_launch IS NULL OR trusted_launch::json IS NOT NULL),
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL DEFAULT now_utc(),
    updated_at             TEXT NOT NULL DEFAULT now_utc(),
    written_by             TEXT NOT NULL DEFAULT 'local' CHECK (written_by IN ('local', 'api')),
    CHECK ((transport = 'stdio') = (command IS NOT NULL)),
    CHECK ((transport = 'stdio') = (url IS NULL))
);
CREATE INDEX mcp_servers_sampling ON mcp_servers (sampling_llm_config_id);

CREATE TABLE agents (
    id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE
                   CHECK (length(name) BETWEEN 1 AND 64 AND name ~ '^[A-Za-z0-9_-]+$'),
    agent_type     TEXT NOT NULL REFERENCES agent_types (name),
    description    TEXT NOT NULL DEFAULT '',
    instruction    TEXT NOT NULL DEFAULT '',
    llm_config_id  BIGINT REFERENCES llm_configs (id) ON DELETE RESTRICT,
    request_params TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(request_params::json) = 'object'),
    options        TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(options::json) = 'object'),
    use_history    BOOLEAN NOT NULL DEFAULT true,
    human_input    BOOLEAN NOT NULL DEFAULT false,
    public         BOOLEAN NOT NULL DEFAULT false,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL DEFAULT now_utc(),
    updated_at     TEXT NOT NULL DEFAULT now_utc()
);
CREATE INDEX agents_llm_config ON agents (llm_config_id);
CREATE INDEX agents_type ON agents (agent_type);

CREATE TABLE agent_llm_overrides (
    agent_id      BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('planning', 'routing', 'evaluation')),
    llm_config_id BIGINT NOT NULL REFERENCES llm_configs (id) ON DELETE RESTRICT,
    PRIMARY KEY (agent_id, purpose)
);
CREATE INDEX agent_llm_overrides_config ON agent_llm_overrides (llm_config_id);

CREATE TABLE agent_mcp_servers (
    agent_id      BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    mcp_server_id BIGINT NOT NULL REFERENCES mcp_servers (id) ON DELETE RESTRICT,
    -- NULL: every tool of the server; a JSON array: only these tools
    allowed_tools TEXT CHECK (allowed_tools IS NULL OR json_typeof(allowed_tools::json) = 'array'),
    PRIMARY KEY (agent_id, mcp_server_id)
);
CREATE INDEX agent_mcp_servers_server ON agent_mcp_servers (mcp_server_id);

CREATE TABLE agent_links (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    parent_agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    child_agent_id  BIGINT NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    link_type       TEXT NOT NULL REFERENCES link_types (name),
    sequence_order  BIGINT CHECK (sequence_order IS NULL OR sequence_order >= 0),
    properties      TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(properties::json) = 'object'),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL DEFAULT now_utc(),
    updated_at      TEXT NOT NULL DEFAULT now_utc(),
    CHECK (parent_agent_id <> child_agent_id)
);
CREATE UNIQUE INDEX agent_links_unique
    ON agent_links (parent_agent_id, link_type, child_agent_id, coalesce(sequence_order, -1));
CREATE INDEX agent_links_child ON agent_links (child_agent_id);
CREATE INDEX agent_links_type ON agent_links (link_type);

CREATE TABLE workflows (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE
                  CHECK (length(name) BETWEEN 1 AND 64 AND name ~ '^[A-Za-z0-9_-]+$'),
    description   TEXT NOT NULL DEFAULT '',
    root_agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE RESTRICT,
    webhook_url   TEXT CHECK (webhook_url IS NULL OR webhook_url ~ '^http.*://.'),
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL DEFAULT now_utc(),
    updated_at    TEXT NOT NULL DEFAULT now_utc()
);
CREATE INDEX workflows_root ON workflows (root_agent_id);

CREATE TRIGGER llm_configs_fill_id BEFORE INSERT ON llm_configs
    FOR EACH ROW EXECUTE FUNCTION agentloom_fill_id();
CREATE TRIGGER mcp_servers_fill_id BEFORE INSERT ON mcp_servers
    FOR EACH ROW EXECUTE FUNCTION agentloom_fill_id();
CREATE TRIGGER agents_fill_id BEFORE INSERT ON agents
    FOR EACH ROW EXECUTE FUNCTION agentloom_fill_id();
CREATE TRIGGER agent_links_fill_id BEFORE INSERT ON agent_links
    FOR EACH ROW EXECUTE FUNCTION agentloom_fill_id();
CREATE TRIGGER workflows_fill_id BEFORE INSERT ON workflows
    FOR EACH ROW EXECUTE FUNCTION agentloom_fill_id();

CREATE TABLE canvas_nodes (
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    agent_id    BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    x           DOUBLE PRECISION NOT NULL,
    y           DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (workflow_id, agent_id)
);
CREATE INDEX canvas_nodes_agent ON canvas_nodes (agent_id);

-- The link rules, for any writer: a parent's type allows its links' types.
CREATE FUNCTION agent_links_type_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM agents a JOIN agent_link_rules r ON r.agent_type = a.agent_type
                   WHERE a.id = NEW.parent_agent_id AND r.link_type = NEW.link_type) THEN
        RAISE EXCEPTION 'link type not allowed for the parent agent type' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER agent_links_type_allowed_on_insert BEFORE INSERT ON agent_links
    FOR EACH ROW EXECUTE FUNCTION agent_links_type_allowed();
CREATE TRIGGER agent_links_type_allowed_on_update BEFORE UPDATE OF parent_agent_id, link_type ON agent_links
    FOR EACH ROW EXECUTE FUNCTION agent_links_type_allowed();

CREATE FUNCTION agents_type_fits_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM agent_links l WHERE l.parent_agent_id = NEW.id
               AND NOT EXISTS (SELECT 1 FROM agent_link_rules r
                               WHERE r.agent_type = NEW.agent_type AND r.link_type = l.link_type)) THEN
        RAISE EXCEPTION 'agent type does not allow the links it already has' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER agents_type_fits_links BEFORE UPDATE OF agent_type ON agents
    FOR EACH ROW EXECUTE FUNCTION agents_type_fits_links();

-- Definition history: every change of a definition appends the row as it became (as it was, for
-- a delete), and bumps its version, whoever writes.
CREATE TABLE definition_history (
    revision   BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    entity     TEXT NOT NULL CHECK (entity IN ('llm_config', 'mcp_server', 'agent', 'agent_link', 'workflow')),
    entity_id  BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    operation  TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    row_json   TEXT NOT NULL CHECK (row_json::json IS NOT NULL),
    changed_at TEXT NOT NULL DEFAULT now_utc()
);
CREATE INDEX definition_history_entity ON definition_history (entity, entity_id, version);

-- The snapshots, one view per entity, with the keys and values SQLite's views give.
CREATE VIEW llm_config_snapshots AS
SELECT t.id AS id, t.version AS version, json_build_object(
        'id', t.id,
        'name', t.name,
        'provider', t.provider,
        'model', t.model,
        'base_url', t.base_url,
        'api_key_ref', t.api_key_ref,
        'request_params', t.request_params::json,
        'provider_options', t.provider_options::json,
        'input_price_per_mtok', t.input_price_per_mtok,
        'output_price_per_mtok', t.output_price_per_mtok,
        'version', t.version,
        'updated_at', t.updated_at
    )::text AS row_json
FROM llm_configs t;

CREATE VIEW mcp_server_snapshots AS
SELECT t.id AS id, t.version AS version, json_build_object(
        'id', t.id,
        'name', t.name,
        'transport', t.transport,
        'command', t.command,
        'args', t.args::json,
        'env', t.env::json,
        'cwd', t.cwd,
        'url', t.url,
        'headers', t.headers::json,
        'root_paths', t.root_paths::json,
        'sampling_llm_config_id', t.sampling_llm_config_id,
        'init_timeout_secs', t.init_timeout_secs,
        'version', t.version,
        'updated_at', t.updated_at
    )::text AS row_json
FROM mcp_servers t;

CREATE VIEW agent_snapshots AS
SELECT t.id AS id, t.version AS version, json_build_object(
        'id', t.id,
        'name', t.name,
        'agent_type', t.agent_type,
        'description', t.description,
        'instruction', t.instruction,
        'llm_config_id', t.llm_config_id,
        'request_params', t.request_params::json,
        'options', t.options::json,
        'use_history', t.use_history::int,
        'human_input', t.human_input::int,
        'public', t.public::int,
        'version', t.version,
        'updated_at', t.updated_at,
        'llm_overrides', (SELECT coalesce(json_object_agg(o.purpose, o.llm_config_id ORDER BY o.purpose), '{}')
                          FROM agent_llm_overrides o WHERE o.agent_id = t.id),
        'mcp_servers', (SELECT coalesce(json_agg(json_build_object('mcp_server_id', s.mcp_server_id,
                                                                   'allowed_tools', s.allowed_tools::json)
                                                 ORDER BY s.mcp_server_id), '[]')
                        FROM agent_mcp_servers s WHERE s.agent_id = t.id)
    )::text AS row_json
FROM agents t;

CREATE VIEW agent_link_snapshots AS
SELECT t.id AS id, t.version AS version, json_build_object(
        'id', t.id,
        'parent_agent_id', t.parent_agent_id,
        'child_agent_id', t.child_agent_id,
        'link_type', t.link_type,
        'sequence_order', t.sequence_order,
        'properties', t.properties::json,
        'version', t.version,
        'updated_at', t.updated_at
    )::text AS row_json
FROM agent_links t;

CREATE VIEW workflow_snapshots AS
SELECT t.id AS id, t.version AS version, json_build_object(
        'id', t.id,
        'name', t.name,
        'description', t.description,
        'root_agent_id', t.root_agent_id,
        'webhook_url', t.webhook_url,
        'version', t.version,
        'updated_at', t.updated_at
    )::text AS row_json
FROM workflows t;

-- Appends definition `entity` #`id` as its snapshot view shows it now.
CREATE FUNCTION agentloom_record_definition(entity text, id bigint, operation text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO definition_history (entity, entity_id, version, operation, row_json)
                    SELECT $1, id, version, $2, row_json FROM %I WHERE id = $3', entity || '_snapshots')
        USING entity, operation, id;
END
$$;

-- The history of a definition table. TG_ARGV[0] is the entity; TG_ARGV[1] the columns whose
-- change is a new version. An update that changes one of them and leaves `version` alone bumps
-- the version and touches updated_at (a nested update, which passes through here again with the
-- version changed and records nothing), then records the row, as SQLite's triggers do.
CREATE FUNCTION agentloom_definition_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entity  text := TG_ARGV[0];
    watched text[] := TG_ARGV[1]::text[];
    changed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM agentloom_record_definition(entity, NEW.id, 'insert');
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM agentloom_record_definition(entity, OLD.id, 'delete');
        RETURN OLD;
    END IF;
    IF NEW.version IS DISTINCT FROM OLD.version THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(bool_or(to_jsonb(NEW) -> column_name IS DISTINCT FROM to_jsonb(OLD) -> column_name), false)
        INTO changed FROM unnest(watched) AS column_name;
    IF changed THEN
        EXECUTE format('UPDATE %I SET version = $1, updated_at = now_utc() WHERE id = $2', TG_TABLE_NAME)
            USING OLD.version + 1, NEW.id;
        PERFORM agentloom_record_definition(entity, NEW.id, 'update');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER llm_configs_history AFTER INSERT OR UPDATE ON llm_configs
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('llm_config',
        '{name,provider,model,base_url,api_key_ref,request_params,provider_options,input_price_per_mtok,output_price_per_mtok}');
CREATE TRIGGER llm_configs_history_delete BEFORE DELETE ON llm_configs
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('llm_config', '{}');

CREATE TRIGGER mcp_servers_history AFTER INSERT OR UPDATE ON mcp_servers
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('mcp_server',
        '{name,transport,command,args,env,cwd,url,headers,root_paths,sampling_llm_config_id,init_timeout_secs}');
CREATE TRIGGER mcp_servers_history_delete BEFORE DELETE ON mcp_servers
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('mcp_server', '{}');

CREATE TRIGGER agents_history AFTER INSERT OR UPDATE ON agents
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('agent',
        '{name,agent_type,description,instruction,llm_config_id,request_params,options,use_history,human_input,public}');
CREATE TRIGGER agents_history_delete BEFORE DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('agent', '{}');

CREATE TRIGGER agent_links_history AFTER INSERT OR UPDATE ON agent_links
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('agent_link',
        '{parent_agent_id,child_agent_id,link_type,sequence_order,properties}');
CREATE TRIGGER agent_links_history_delete BEFORE DELETE ON agent_links
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('agent_link', '{}');

CREATE TRIGGER workflows_history AFTER INSERT OR UPDATE ON workflows
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('workflow',
        '{name,description,root_agent_id,webhook_url}');
CREATE TRIGGER workflows_history_delete BEFORE DELETE ON workflows
    FOR EACH ROW EXECUTE FUNCTION agentloom_definition_history('workflow', '{}');

-- An agent's overrides and servers are part of the agent: changing them is a new agent version.
-- TG_ARGV[0] lists the columns whose change counts on an update.
CREATE FUNCTION agentloom_agent_part_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    agent bigint;
    changed boolean := true;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(bool_or(to_jsonb(NEW) -> column_name IS DISTINCT FROM to_jsonb(OLD) -> column_name), false)
            INTO changed FROM unnest(TG_ARGV[0]::text[]) AS column_name;
    END IF;
    IF NOT changed THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        agent := OLD.agent_id;
    ELSE
        agent := NEW.agent_id;
    END IF;
    UPDATE agents SET version = version + 1, updated_at = now_utc() WHERE id = agent;
    PERFORM agentloom_record_definition('agent', agent, 'update');
    RETURN NULL;
END
$$;
CREATE TRIGGER agent_llm_overrides_history AFTER INSERT OR UPDATE OR DELETE ON agent_llm_overrides
    FOR EACH ROW EXECUTE FUNCTION agentloom_agent_part_changed('{llm_config_id,agent_id}');
CREATE TRIGGER agent_mcp_servers_history AFTER INSERT OR UPDATE OR DELETE ON agent_mcp_servers
    FOR EACH ROW EXECUTE FUNCTION agentloom_agent_part_changed('{allowed_tools,agent_id}');

-- Runtime.

-- The processes that run runs, each with a lease it renews while alive.
CREATE TABLE run_owners (
    -- never reused: a process whose row was taken must not find a later process's row under its id
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    -- the machine and process: a dead pid on this host is gone at once, elsewhere the lease decides
    host             TEXT NOT NULL,
    pid              BIGINT NOT NULL CHECK (pid > 0),
    -- when the process started, as the OS tells it; NULL where the OS does not say
    process_start    TEXT,
    -- what the process is: the command line's subcommand, or 'app'
    program          TEXT NOT NULL DEFAULT '',
    started_at       TEXT NOT NULL DEFAULT now_utc(),
    heartbeat_at     TEXT NOT NULL DEFAULT now_utc(),
    -- past this instant without a heartbeat the owner counts as gone, and its runs as interrupted
    lease_expires_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workflow_id BIGINT REFERENCES workflows (id) ON DELETE SET NULL,
    agent_id    BIGINT REFERENCES agents (id) ON DELETE SET NULL,
    title       TEXT NOT NULL DEFAULT '',
    -- values for {{placeholders}} in instructions, shared by every agent of the session
    variables   TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(variables::json) = 'object'),
    status      TEXT NOT NULL DEFAULT 'active' REFERENCES session_statuses (name),
    started_at  TEXT NOT NULL DEFAULT now_utc(),
    ended_at    TEXT
);
CREATE INDEX sessions_workflow ON sessions (workflow_id);
CREATE INDEX sessions_agent ON sessions (agent_id);
CREATE INDEX sessions_status ON sessions (status);

CREATE TABLE runs (
    id                  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    session_id          BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    workflow_id         BIGINT REFERENCES workflows (id) ON DELETE SET NULL,
    agent_id            BIGINT REFERENCES agents (id) ON DELETE SET NULL,
    -- the workflow or agent name as it was run
    target_name         TEXT NOT NULL,
    -- definition_history.revision current when the run started: what it ran, exactly
    definition_revision BIGINT NOT NULL DEFAULT 0,
    input               TEXT NOT NULL,
    output              TEXT,
    status              TEXT NOT NULL DEFAULT 'queued' REFERENCES run_statuses (name),
    error               TEXT,
    origin              TEXT NOT NULL DEFAULT 'cli' CHECK (origin IN ('cli', 'app', 'api', 'mcp')),
    -- a replay is a run of its own, linked to the run it replays and the span it re-ran from
    replay_of_run_id    BIGINT REFERENCES runs (id) ON DELETE SET NULL,
    replay_from_span_id BIGINT,
    -- the process running it, while it runs
    owner_id            BIGINT REFERENCES run_owners (id) ON DELETE SET NULL,
    -- 1, and one more each time an interrupted run is resumed
    attempt             BIGINT NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    input_tokens        BIGINT NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens       BIGINT NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd            DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    created_at          TEXT NOT NULL DEFAULT now_utc(),
    started_at          TEXT,
    ended_at            TEXT,
    CHECK (status NOT IN ('failed', 'interrupted') OR error IS NOT NULL),
    CHECK (status IN ('running', 'waiting') OR owner_id IS NULL)
);
CREATE INDEX runs_session ON runs (session_id);
CREATE INDEX runs_workflow ON runs (workflow_id, created_at);
CREATE INDEX runs_status ON runs (status, created_at);
CREATE INDEX runs_agent ON runs (agent_id);
CREATE INDEX runs_replay_of ON runs (replay_of_run_id);
CREATE INDEX runs_replay_from ON runs (replay_from_span_id);
CREATE INDEX runs_owner ON runs (owner_id);
CREATE UNIQUE INDEX runs_one_turn_per_session ON runs (session_id) WHERE status IN ('running', 'waiting');

CREATE TABLE spans (
    id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id         BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    parent_span_id BIGINT REFERENCES spans (id) ON DELETE CASCADE,
    agent_id       BIGINT REFERENCES agents (id) ON DELETE SET NULL,
    agent_name     TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL REFERENCES span_kinds (name),
    -- what ran: the agent type, the model, the tool name, ...
    name           TEXT NOT NULL DEFAULT '',
    -- order among the spans of the same parent
    position       BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'queued' REFERENCES run_statuses (name),
    input          TEXT,
    output         TEXT,
    error          TEXT,
    -- kind-specific facts: the route picked and why, the plan, the rating, the tool arguments, ...
    attributes     TEXT NOT NULL DEFAULT '{}' CHECK (json_typeof(attributes::json) = 'object'),
    input_tokens   BIGINT NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens  BIGINT NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd       DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    started_at     TEXT,
    ended_at       TEXT,
    duration_ms    BIGINT CHECK (duration_ms IS NULL OR duration_ms >= 0)
);
CREATE INDEX spans_run ON spans (run_id, parent_span_id, position);
CREATE INDEX spans_parent ON spans (parent_span_id);
CREATE INDEX spans_agent ON spans (agent_id);
CREATE INDEX spans_status ON spans (status);
CREATE INDEX spans_kind ON spans (kind);

ALTER TABLE runs ADD FOREIGN KEY (replay_from_span_id) REFERENCES spans (id) ON DELETE SET NULL;

CREATE TABLE messages (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    session_id      BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    sequence_number BIGINT NOT NULL CHECK (sequence_number >= 0),
    run_id          BIGINT REFERENCES runs (id) ON DELETE CASCADE,
    span_id         BIGINT REFERENCES spans (id) ON DELETE SET NULL,
    agent_id        BIGINT REFERENCES agents (id) ON DELETE SET NULL,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool_call', 'tool_response')),
    -- a JSON array of content parts: text, tool calls, tool results, images, resources
    content         TEXT NOT NULL CHECK (json_typeof(content::json) = 'array'),
    model           TEXT,
    input_tokens    BIGINT CHECK (input_tokens IS NULL OR input_tokens >= 0),
    output_tokens   BIGINT CHECK (output_tokens IS NULL OR output_tokens >= 0),
    latency_ms      BIGINT CHECK (latency_ms IS NULL OR latency_ms >= 0),
    llm_metadata    TEXT CHECK (llm_metadata IS NULL OR llm_metadata::json IS NOT NULL),
    tool_call_id    TEXT,
    tool_name       TEXT,
    created_at      TEXT NOT NULL DEFAULT now_utc(),
    UNIQUE (session_id, sequence_number)
);
CREATE INDEX messages_agent ON messages (session_id, agent_id, sequence_number);
CREATE INDEX messages_run ON messages (run_id);
CREATE INDEX messages_span ON messages (span_id);
CREATE INDEX messages_agent_only ON messages (agent_id);

CREATE TABLE agent_state (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    agent_id    BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    -- NULL: the agent's state across sessions
    session_id  BIGINT REFERENCES sessions (id) ON DELETE CASCADE,
    state_key   TEXT NOT NULL CHECK (length(state_key) > 0),
    state_value TEXT NOT NULL CHECK (state_value::json IS NOT NULL),
    updated_at  TEXT NOT NULL DEFAULT now_utc()
);
CREATE UNIQUE INDEX agent_state_key ON agent_state (agent_id, coalesce(session_id, 0), state_key);
CREATE INDEX agent_state_session ON agent_state (session_id);

CREATE TABLE logs (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at         TEXT NOT NULL DEFAULT now_utc(),
    level      TEXT NOT NULL CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error')),
    target     TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL,
    data       TEXT CHECK (data IS NULL OR data::json IS NOT NULL),
    session_id BIGINT REFERENCES sessions (id) ON DELETE CASCADE,
    run_id     BIGINT REFERENCES runs (id) ON DELETE CASCADE,
    span_id    BIGINT REFERENCES spans (id) ON DELETE SET NULL,
    agent_id   BIGINT REFERENCES agents (id) ON DELETE SET NULL
);
CREATE INDEX logs_run ON logs (run_id, id);
CREATE INDEX logs_session ON logs (session_id, id);
CREATE INDEX logs_level ON logs (level, id);
CREATE INDEX logs_span ON logs (span_id);
CREATE INDEX logs_agent ON logs (agent_id);

CREATE TABLE human_input_requests (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id          BIGINT REFERENCES runs (id) ON DELETE CASCADE,
    span_id         BIGINT REFERENCES spans (id) ON DELETE SET NULL,
    session_id      BIGINT REFERENCES sessions (id) ON DELETE CASCADE,
    agent_id        BIGINT REFERENCES agents (id) ON DELETE SET NULL,
    mcp_server_id   BIGINT REFERENCES mcp_servers (id) ON DELETE SET NULL,
    source          TEXT NOT NULL CHECK (source IN ('agent', 'elicitation')),
    prompt          TEXT NOT NULL,
    -- the JSON schema of the form to fill in, when the asker gave one
    response_schema TEXT CHECK (response_schema IS NULL OR response_schema::json IS NOT NULL),
    -- JSON: a string for a free-text answer, an object for a form
    answer          TEXT CHECK (answer IS NULL OR answer::json IS NOT NULL),
    status          TEXT NOT NULL DEFAULT 'pending' REFERENCES human_input_statuses (name),
    created_at      TEXT NOT NULL DEFAULT now_utc(),
    answered_at     TEXT,
    CHECK ((status = 'answered') = (answer IS NOT NULL))
);
CREATE INDEX human_input_requests_status ON human_input_requests (status, created_at);
CREATE INDEX human_input_requests_run ON human_input_requests (run_id);
CREATE INDEX human_input_requests_span ON human_input_requests (span_id);
CREATE INDEX human_input_requests_session ON human_input_requests (session_id);
CREATE INDEX human_input_requests_agent ON human_input_requests (agent_id);
CREATE INDEX human_input_requests_server ON human_input_requests (mcp_server_id);

-- The app's undo and redo: each edit with the change that undoes it.
CREATE TABLE edit_journal (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    label      TEXT NOT NULL,
    forward    TEXT NOT NULL CHECK (forward::json IS NOT NULL),
    inverse    TEXT NOT NULL CHECK (inverse::json IS NOT NULL),
    undone     BOOLEAN NOT NULL DEFAULT false,
    created_at TEXT NOT NULL DEFAULT now_utc()
);
CREATE INDEX edit_journal_undone ON edit_journal (undone, id);
