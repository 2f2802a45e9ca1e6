-- PostgreSQL schema 7: not written yet (issue 14 is in progress). Until it is, opening a
-- PostgreSQL database stops here with this message, before anything is created.
DO $$ BEGIN
    RAISE EXCEPTION 'AgentLoom cannot create its schema in PostgreSQL yet: use a SQLite file (--db PATH)';
END $$;
