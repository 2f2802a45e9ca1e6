-- AgentLoom schema 8: what several people and machines sharing one database need.
--
-- Runs can be queued for workers. A queued run waits with status 'queued' and no owner until a
-- worker (`agentloom worker`, on any machine that reaches the database) claims it; when that
-- worker dies the run is interrupted as any other, and, being queued, the next worker resumes it
-- from its persisted steps instead of waiting for a person to.
ALTER TABLE runs ADD COLUMN queued INTEGER NOT NULL DEFAULT 0 CHECK (queued IN (0, 1));
CREATE INDEX runs_queue ON runs (status, id) WHERE queued;

-- Undo is per person: each journalled edit names who made it (user@host), and undo and redo
-- walk that person's edits only. Edits journalled before schema 8 have no editor ('').
ALTER TABLE edit_journal ADD COLUMN editor TEXT NOT NULL DEFAULT '';
DROP INDEX edit_journal_undone;
CREATE INDEX edit_journal_editor ON edit_journal (editor, undone, id);
