-- AgentLoom schema 8 on PostgreSQL: runs can be queued for workers (see migrations/0008).
ALTER TABLE runs ADD COLUMN queued BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX runs_queue ON runs (status, id) WHERE queued;
