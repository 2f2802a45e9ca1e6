-- AgentLoom schema 3: what runs. Sessions hold runs; a run is a tree of spans (one per agent invocation,
-- LLM call, tool call, human-input wait or sampling request); messages, logs, agent state and
-- human-input requests hang off them. Names are copied onto runs and spans so history outlives deleted agents.

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    workflow_id INTEGER REFERENCES workflows (id) ON DELETE SET NULL,
    agent_id    INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    title       TEXT NOT NULL DEFAULT '',
    -- values for {{placeholders}} in instructions, shared by every agent of the session
    variables   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(variables) AND json_type(variables) = 'object'),
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'error')),
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ended_at    TEXT
);

CREATE TABLE runs (
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
    status              TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
    error               TEXT,
    origin              TEXT NOT NULL DEFAULT 'cli' CHECK (origin IN ('cli', 'app', 'api', 'mcp')),
    -- a replay is a run of its own, linked to the run it replays and the span it re-ran from
    replay_of_run_id    INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    replay_from_span_id INTEGER REFERENCES spans (id) ON DELETE SET NULL,
    input_tokens        INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens       INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd            REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at          TEXT,
    ended_at            TEXT,
    CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX runs_session ON runs (session_id);
CREATE INDEX runs_workflow ON runs (workflow_id, created_at);
CREATE INDEX runs_status ON runs (status, created_at);

CREATE TABLE spans (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    parent_span_id INTEGER REFERENCES spans (id) ON DELETE CASCADE,
    agent_id       INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    agent_name     TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL CHECK (kind IN ('agent', 'llm_call', 'tool_call', 'human_input', 'sampling')),
    -- what ran: the agent type, the model, the tool name, ...
    name           TEXT NOT NULL DEFAULT '',
    -- order among the spans of the same parent
    position       INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
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
CREATE INDEX spans_run ON spans (run_id, parent_span_id, position);
CREATE INDEX spans_parent ON spans (parent_span_id);
CREATE INDEX spans_agent ON spans (agent_id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    sequence_number INTEGER NOT NULL CHECK (sequence_number >= 0),
    run_id          INTEGER REFERENCES runs (id) ON DELETE CASCADE,
    span_id         INTEGER REFERENCES spans (id) ON DELETE SET NULL,
    agent_id        INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool_call', 'tool_response')),
    -- a JSON array of content parts: text, tool calls, tool results, images, resources
    content         TEXT NOT NULL CHECK (json_valid(content) AND json_type(content) = 'array'),
    model           TEXT,
    input_tokens    INTEGER CHECK (input_tokens IS NULL OR input_tokens >= 0),
    output_tokens   INTEGER CHECK (output_tokens IS NULL OR output_tokens >= 0),
    latency_ms      INTEGER CHECK (latency_ms IS NULL OR latency_ms >= 0),
    llm_metadata    TEXT CHECK (llm_metadata IS NULL OR json_valid(llm_metadata)),
    tool_call_id    TEXT,
    tool_name       TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (session_id, sequence_number)
);
CREATE INDEX messages_agent ON messages (session_id, agent_id, sequence_number);
CREATE INDEX messages_run ON messages (run_id);
CREATE INDEX messages_span ON messages (span_id);

CREATE TABLE agent_state (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    -- NULL: the agent's state across sessions
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    state_key   TEXT NOT NULL CHECK (length(state_key) > 0),
    state_value TEXT NOT NULL CHECK (json_valid(state_value)),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX agent_state_key ON agent_state (agent_id, ifnull(session_id, 0), state_key);
CREATE INDEX agent_state_session ON agent_state (session_id);

CREATE TABLE logs (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    level      TEXT NOT NULL CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error')),
    target     TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL,
    data       TEXT CHECK (data IS NULL OR json_valid(data)),
    session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    run_id     INTEGER REFERENCES runs (id) ON DELETE CASCADE,
    span_id    INTEGER REFERENCES spans (id) ON DELETE SET NULL,
    agent_id   INTEGER REFERENCES agents (id) ON DELETE SET NULL
);
CREATE INDEX logs_run ON logs (run_id, id);
CREATE INDEX logs_session ON logs (session_id, id);
CREATE INDEX logs_level ON logs (level, id);
CREATE INDEX logs_span ON logs (span_id);
CREATE INDEX logs_agent ON logs (agent_id);

CREATE TABLE human_input_requests (
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
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'answered', 'declined', 'cancelled', 'expired')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    answered_at     TEXT,
    CHECK ((status = 'answered') = (answer IS NOT NULL))
);
CREATE INDEX human_input_requests_status ON human_input_requests (status, created_at);
CREATE INDEX human_input_requests_run ON human_input_requests (run_id);
CREATE INDEX human_input_requests_span ON human_input_requests (span_id);
CREATE INDEX human_input_requests_session ON human_input_requests (session_id);
CREATE INDEX human_input_requests_agent ON human_input_requests (agent_id);
CREATE INDEX human_input_requests_server ON human_input_requests (mcp_server_id);
CREATE INDEX sessions_workflow ON sessions (workflow_id);
CREATE INDEX sessions_agent ON sessions (agent_id);
CREATE INDEX runs_agent ON runs (agent_id);
CREATE INDEX runs_replay_of ON runs (replay_of_run_id);
CREATE INDEX runs_replay_from ON runs (replay_from_span_id);
CREATE INDEX messages_agent_only ON messages (agent_id);
