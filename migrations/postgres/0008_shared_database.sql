-- AgentLoom schema 8 on PostgreSQL: a run queue for workers, and undo per person (see
-- migrations/0008_shared_database.sql).
ALTER TABLE runs ADD COLUMN queued BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX runs_queue ON runs (status, id) WHERE queued;

ALTER TABLE edit_journal ADD COLUMN editor TEXT NOT NULL DEFAULT '';
DROP INDEX edit_journal_undone;
CREATE INDEX edit_journal_editor ON edit_journal (editor, undone, id);
