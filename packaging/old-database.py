#!/usr/bin/env python3
"""Writes an AgentLoom database at an older schema version, as an older release left it.

Usage: old-database.py PATH VERSION

Applies migrations/0001..VERSION in one transaction, sets PRAGMA user_version and the
application id exactly as src/store/schema.rs migrate_to does, and adds two agents, a link and
a workflow (the rows tests/store_files.rs carries through upgrades). deb-check.sh uses it to
check that the installed app upgrades such a file on its first launch and keeps a backup.
"""

import pathlib
import sqlite3
import sys

APPLICATION_ID = 0x414C4F4D  # "ALOM", src/store/schema.rs APPLICATION_ID
ROWS = """
    INSERT INTO llm_configs (name, provider, model) VALUES ('local', 'generic', 'llama3.2');
    INSERT INTO agents (name, agent_type, llm_config_id) VALUES ('writer', 'basic', 1), ('flow', 'chain', NULL);
    INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type, sequence_order) VALUES (2, 1, 'chains_to', 1);
    INSERT INTO workflows (name, root_agent_id) VALUES ('story', 2);
"""


def main() -> int:
    if len(sys.argv) != 3 or not sys.argv[2].isdigit() or int(sys.argv[2]) < 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, version = pathlib.Path(sys.argv[1]), int(sys.argv[2])
    migrations = sorted((pathlib.Path(__file__).parent.parent / "migrations").glob("*.sql"))
    if version > len(migrations):
        print(f"old-database.py: there are only {len(migrations)} migrations", file=sys.stderr)
        return 2
    if path.exists():
        print(f"old-database.py: {path} exists; refusing to overwrite it", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    script = "".join(m.read_text() + ";\n" for m in migrations[:version])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        f"BEGIN; {script} PRAGMA user_version = {version};"
        f" PRAGMA application_id = {APPLICATION_ID}; {ROWS}; COMMIT;"
    )
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
