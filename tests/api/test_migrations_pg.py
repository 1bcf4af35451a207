"""PostgreSQL migrations 007 and 008 run on a database that holds residents and cases (the
SQLite ones are run on old files in test_migrations.py): the database is taken back to what
it was before them, as test_migrations.py does on SQLite, `jiceng migrate` applies them, and
every row, key, index and check comes through as a database made new has them."""
import hashlib
import json

import pytest

import backend
from conftest import Server, id_with_check, run_cli

TABLES = ("person", "household", "person_tag", "party_member", "cadre", "casefile", "case_event")


def digest(con, table):
    """The table's rows in key order, as one digest (and their count)."""
    rows = con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    text = json.dumps([[v.hex() if isinstance(v, (bytes, memoryview)) else v for v in
                        (bytes(x) if isinstance(x, memoryview) else x for x in r)] for r in rows], default=str)
    return len(rows), hashlib.sha256(text.encode()).hexdigest()


def shape(con):
    """The constraints and indexes of the tables 007 and 008 touch."""
    cons = con.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                       " WHERE conrelid IN ('person'::regclass, 'casefile'::regclass) ORDER BY 1, 2").fetchall()
    idx = con.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN ('person', 'casefile')"
                      " ORDER BY 1, 2").fetchall()
    return cons, idx


def back_to_version_6(con):
    """What 007 and 008 changed on PostgreSQL, undone: the ID hash's uniqueness back as the
    column's constraint (person_id_card_hash_key, as 002 made it), and neither version recorded
    (008 changes nothing on PostgreSQL but its number)."""
    con.execute("BEGIN")
    con.execute("DROP INDEX person_id_card_hash")
    con.execute("ALTER TABLE person ADD CONSTRAINT person_id_card_hash_key UNIQUE (id_card_hash)")
    con.execute("DELETE FROM schema_migrations WHERE version IN (7, 8)")
    con.execute("COMMIT")


def test_migrations_007_and_008_on_an_old_postgres_database():
    s = Server()
    try:
        admin = s.admin()
        community = s.org_id("340104006006")
        hh = admin.post("/api/v1/households", json={"org_id": community, "address": "龙居 7 栋"}).json()["id"]
        for i in range(12):
            r = admin.post("/api/v1/persons", json={"org_id": community, "name": f"迁移{i}",
                                                    "id_card": id_with_check(f"34010419800101{i + 100:03d}"),
                                                    "household_id": hh, "relation": "户主" if i == 0 else "子女"})
            assert r.status_code == 201, r.text
        for i in range(3):
            r = admin.post("/api/v1/cases", json={"category": "other", "title": f"迁移案件{i}", "description": "d",
                                                  "org_id": community})
            assert r.status_code == 201, r.text
        c = r.json()
        assert admin.post(f"/api/v1/cases/{c['id']}/actions",
                          json={"action": "accept", "version": c["version"]}).status_code == 200
    finally:
        s.stop()
    con = backend.connect(s.db)
    new_shape = shape(con)
    names = con.execute("SELECT version, name FROM schema_migrations WHERE version IN (7, 8) ORDER BY 1").fetchall()
    before = {t: digest(con, t) for t in TABLES}
    assert before["person"][0] == 12 and before["casefile"][0] == 3
    back_to_version_6(con)
    assert shape(con) != new_shape

    p = run_cli("migrate", "--db", s.db)
    assert "(2 migrations applied)" in p.stdout, p.stdout + p.stderr

    # Every row as it was; the keys, indexes and checks as a new database has them.
    assert {t: digest(con, t) for t in TABLES} == before
    assert shape(con) == new_shape
    assert con.execute("SELECT version, name FROM schema_migrations WHERE version IN (7, 8) ORDER BY 1").fetchall() \
        == names
    # The ID hash is unique still, under the index's name (what the product reads a duplicate by).
    import psycopg2
    cols = [c for c in backend.columns(con, "person") if c != "id"]
    with pytest.raises(psycopg2.errors.UniqueViolation) as e:
        con.execute(f"INSERT INTO person ({', '.join(cols)}) SELECT {', '.join(cols)} FROM person ORDER BY id LIMIT 1")
    assert e.value.diag.constraint_name == "person_id_card_hash"
    # 008 kept casefile's checks in force.
    with pytest.raises(psycopg2.errors.CheckViolation):
        con.execute("UPDATE casefile SET state = 'lost' WHERE id = (SELECT MIN(id) FROM casefile)")
    con.close()
    assert "(0 migrations applied)" in run_cli("migrate", "--db", s.db).stdout

    # The server runs on the migrated database and finds the residents by ID number.
    s.start()
    try:
        admin = s.admin()
        got = admin.get("/api/v1/persons", params={"org": community, "limit": 50}).json()
        assert got["total"] == 12
        r = admin.post("/api/v1/persons", json={"org_id": community, "name": "重复",
                                                "id_card": id_with_check("34010419800101100")})
        assert r.status_code == 409, r.text
    finally:
        assert s.close() == 0, s.stderr
