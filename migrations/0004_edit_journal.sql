-- AgentLoom schema 4: the desktop app's edit journal, so that undo and redo survive a restart.
-- Each row is one edit as the app sent it and the edit that undoes it (JSON the app defines);
-- undone rows form the redo stack until a new edit clears it.

CREATE TABLE edit_journal (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,
    forward    TEXT NOT NULL CHECK (json_valid(forward)),
    inverse    TEXT NOT NULL CHECK (json_valid(inverse)),
    undone     INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX edit_journal_undone ON edit_journal (undone, id);
