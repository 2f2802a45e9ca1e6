-- AgentLoom schema 5: who is running each run. Every process that runs runs registers as a run
-- owner and renews a lease with a heartbeat; a run belongs to one owner while it goes on, so that
-- any process opening the file tells a run whose process died (marked 'interrupted', resumable)
-- from one that goes on. Runs and spans may be 'interrupted', questions of a stopped run
-- 'withdrawn', and a session holds at most one turn in progress, for any writer.
-- SQLite changes a CHECK list only by rebuilding the table: runs, spans and human_input_requests
-- are rebuilt here (foreign keys are off while migrations run, and checked before they commit).

CREATE TABLE run_owners (
    -- never reused: a process whose row was taken must not find a later process's row under its id
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the machine and process: a dead pid on this host is gone at once, elsewhere the lease decides
    host             TEXT NOT NULL,
    pid              INTEGER NOT NULL CHECK (pid > 0),
    -- when the process started, as the OS tells it, to tell the owner from a later process given
    -- the same pid; NULL where the OS does not say
    process_start    TEXT,
    -- what the process is: the command line's subcommand, or 'app'
    program          TEXT NOT NULL DEFAULT '',
    started_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    heartbeat_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- past this instant without a heartbeat the owner counts as gone, and its runs as interrupted
    lease_expires_at TEXT NOT NULL
);

CREATE TABLE runs_v5 (
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
                        CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'interrupted')),
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
-- Runs left going by an older AgentLoom have no owner to wait for: they were interrupted.
INSERT INTO runs_v5 (id, session_id, workflow_id, agent_id, target_name, definition_revision, input, output,
                     status, error, origin, replay_of_run_id, replay_from_span_id, input_tokens, output_tokens,
                     cost_usd, created_at, started_at, ended_at)
SELECT id, session_id, workflow_id, agent_id, target_name, definition_revision, input, output,
       CASE WHEN status IN ('queued', 'running', 'waiting') THEN 'interrupted' ELSE status END,
       CASE WHEN status IN ('queued', 'running', 'waiting')
            THEN 'interrupted: it was still ' || status || ' when the database was upgraded to schema 5'
            ELSE error END,
       origin, replay_of_run_id, replay_from_span_id, input_tokens, output_tokens, cost_usd, created_at,
       started_at,
       CASE WHEN status IN ('queued', 'running', 'waiting')
            THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE ended_at END
FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v5 RENAME TO runs;
CREATE INDEX runs_session ON runs (session_id);
CREATE INDEX runs_workflow ON runs (workflow_id, created_at);
CREATE INDEX runs_status ON runs (status, created_at);
CREATE INDEX runs_agent ON runs (agent_id);
CREATE INDEX runs_replay_of ON runs (replay_of_run_id);
CREATE INDEX runs_replay_from ON runs (replay_from_span_id);
CREATE INDEX runs_owner ON runs (owner_id);
-- One turn at a time per session, across every process and machine on the file.
CREATE UNIQUE INDEX runs_one_turn_per_session ON runs (session_id) WHERE status IN ('running', 'waiting');

CREATE TABLE spans_v5 (
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
                   CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'interrupted')),
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
INSERT INTO spans_v5 (id, run_id, parent_span_id, agent_id, agent_name, kind, name, position, status, input,
                      output, error, attributes, input_tokens, output_tokens, cost_usd, started_at, ended_at,
                      duration_ms)
SELECT id, run_id, parent_span_id, agent_id, agent_name, kind, name, position,
       CASE WHEN status IN ('queued', 'running', 'waiting') THEN 'interrupted' ELSE status END,
       input, output, error, attributes, input_tokens, output_tokens, cost_usd, started_at,
       CASE WHEN status IN ('queued', 'running', 'waiting')
            THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE ended_at END,
       duration_ms
FROM spans;
DROP TABLE spans;
ALTER TABLE spans_v5 RENAME TO spans;
CREATE INDEX spans_run ON spans (run_id, parent_span_id, position);
CREATE INDEX spans_parent ON spans (parent_span_id);
CREATE INDEX spans_agent ON spans (agent_id);

CREATE TABLE human_input_requests_v5 (
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
    -- withdrawn: the run that asked stopped (its process died) before anyone answered
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'answered', 'declined', 'cancelled', 'expired', 'withdrawn')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    answered_at     TEXT,
    CHECK ((status = 'answered') = (answer IS NOT NULL))
);
INSERT INTO human_input_requests_v5 (id, run_id, span_id, session_id, agent_id, mcp_server_id, source, prompt,
                                     response_schema, answer, status, created_at, answered_at)
SELECT q.id, q.run_id, q.span_id, q.session_id, q.agent_id, q.mcp_server_id, q.source, q.prompt,
       q.response_schema, q.answer,
       CASE WHEN q.status = 'pending' AND (SELECT status FROM runs r WHERE r.id = q.run_id) = 'interrupted'
            THEN 'withdrawn' ELSE q.status END,
       q.created_at, q.answered_at
FROM human_input_requests q;
DROP TABLE human_input_requests;
ALTER TABLE human_input_requests_v5 RENAME TO human_input_requests;
CREATE INDEX human_input_requests_status ON human_input_requests (status, created_at);
CREATE INDEX human_input_requests_run ON human_input_requests (run_id);
CREATE INDEX human_input_requests_span ON human_input_requests (span_id);
CREATE INDEX human_input_requests_session ON human_input_requests (session_id);
CREATE INDEX human_input_requests_agent ON human_input_requests (agent_id);
CREATE INDEX human_input_requests_server ON human_input_requests (mcp_server_id);
