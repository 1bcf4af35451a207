"""Schema migrations that rebuild a table on SQLite (run with foreign keys off)."""
import os
import re
import sqlite3

from conftest import ROOT, run_cli
from test_demo import fresh_db


def person_table_of_002():
    """The person table as migration 002 made it: UNIQUE on the ID hash."""
    with open(os.path.join(ROOT, "schema", "002_people.sql"), encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"CREATE TABLE person \(.*?\n\);\n", text, re.S).group(0)
    indexes = re.findall(r"CREATE INDEX person_(?!tag)\w+ ON person \([^)]*\);", text)
    assert "id_card_hash TEXT NOT NULL UNIQUE" in table and len(indexes) == 6
    return table, indexes


def back_to_version_6(db):
    """Give a current database the person table of versions 2 to 6, rows kept."""
    table, indexes = person_table_of_002()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("BEGIN")
    con.execute(table.replace("CREATE TABLE person (", "CREATE TABLE person_v6 ("))
    con.execute("INSERT INTO person_v6 SELECT * FROM person")
    con.execute("DROP TABLE person")
    con.execute("ALTER TABLE person_v6 RENAME TO person")
    for sql in indexes:
        con.execute(sql)
    # Residents deleted at the end: their ids must not come back after the rebuild.
    con.execute("UPDATE sqlite_sequence SET seq = seq + 50 WHERE name = 'person'")
    con.execute("DELETE FROM schema_migrations WHERE version = 7")  # 8 stays: 7 is applied below the newest
    con.execute("COMMIT")
    con.close()


def counts(con):
    return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("person", "person_tag", "party_member", "cadre", "household")}


def test_migration_007_rebuilds_person_without_losing_rows():
    db = fresh_db()
    run_cli("demo", "--db", db, "--residents", "3000", "--seed", "3")
    back_to_version_6(db)
    con = sqlite3.connect(db)
    before = counts(con)
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'person'").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_person_1'").fetchone()[0] == 1
    con.close()

    p = run_cli("migrate", "--db", db)
    assert "1 migrations applied" in p.stdout, p.stdout

    con = sqlite3.connect(db)
    # No cascade from dropping the old table: every tag, membership and post is still there.
    assert counts(con) == before and before["person_tag"] > 0 and before["party_member"] > 0
    assert con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'person'").fetchone()[0] == seq
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'person' AND type = 'index'")}
    assert names == {"person_id_card_hash", "person_org", "person_household", "person_phone", "person_name",
                     "person_id_tail", "person_phone_tail"}
    assert con.execute("SELECT sql FROM sqlite_master WHERE name = 'person_id_card_hash'").fetchone()[0].startswith(
        "CREATE UNIQUE INDEX")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The ID hash is still unique.
    row = con.execute("SELECT org_id, name, gender, birth_date, id_card_enc, id_card_hash, id_card_masked,"
                      " id_card_tail, created_at, updated_at FROM person LIMIT 1").fetchone()
    try:
        con.execute("INSERT INTO person (org_id, name, gender, birth_date, id_card_enc, id_card_hash, id_card_masked,"
                    " id_card_tail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        raise AssertionError("a second resident with the same ID hash was accepted")
    except sqlite3.IntegrityError as e:
        assert "UNIQUE" in str(e)
    con.close()
    # Nothing left to apply.
    assert "0 migrations applied" in run_cli("migrate", "--db", db).stdout


def back_to_version_8(con):
    """Give a current database the person indexes and 64-character lookup hashes of
    versions 7 and 8. The hashes stored then were the whole 256-bit digest, whose
    first half is what the binary stores now: pad the current ones back to 64."""
    con.execute("BEGIN")
    for name in ("person_id_card_hash", "person_org"):
        con.execute(f"DROP INDEX {name}")
    con.execute("UPDATE person SET id_card_hash = id_card_hash || substr(hex(randomblob(16)), 1, 32),"
                " phone_hash = phone_hash || substr(hex(randomblob(16)), 1, 32)")
    _, indexes = person_table_of_002()
    for sql in indexes:
        if "person_household" not in sql:  # the one index 009 leaves as it was
            con.execute(sql)
    con.execute("CREATE UNIQUE INDEX person_id_card_hash ON person (id_card_hash)")
    con.execute("DELETE FROM schema_migrations WHERE version = 9")
    con.execute("COMMIT")


def test_migration_009_cuts_the_hashes_and_keeps_finding_residents():
    from conftest import Server
    db = fresh_db()
    run_cli("demo", "--db", db, "--residents", "3000", "--seed", "4")
    con = sqlite3.connect(db, isolation_level=None)
    want = con.execute("SELECT id, id_card_hash, phone_hash FROM person ORDER BY id").fetchall()
    back_to_version_8(con)
    assert {len(r[0]) for r in con.execute("SELECT id_card_hash FROM person")} == {64}
    con.close()

    assert "1 migrations applied" in run_cli("migrate", "--db", db).stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT id, id_card_hash, phone_hash FROM person ORDER BY id").fetchall() == want
    fresh = sqlite3.connect(fresh_db())
    index_sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'person' ORDER BY name"
    assert con.execute(index_sql).fetchall() == fresh.execute(index_sql).fetchall()
    fresh.close()
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    pid, org = con.execute("SELECT id, org_id FROM person WHERE phone_hash IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    con.close()

    # The numbers stored before the migration are still found and still unique.
    s = Server(db=db)
    try:
        admin = s.admin()
        idc = admin.post(f"/api/v1/persons/{pid}/reveal", json={"field": "id_card", "reason": "迁移核对"}).json()["value"]
        found = admin.get("/api/v1/persons", params={"id_card": idc}).json()["items"]
        assert [p["id"] for p in found] == [pid]
        r = admin.post("/api/v1/persons", json={"org_id": org, "name": "重", "id_card": idc})
        assert r.status_code == 409 and r.json()["error"]["field"] == "id_card"
    finally:
        assert s.close() == 0


def test_casefile_indexes_and_checks_have_no_in_lists():
    """SQLite builds an IN list of more than two values as a temporary b-tree each time
    a statement runs: a CHECK or a partial index's WHERE on casefile is evaluated at
    every new case, so none may use one (schemas 008 and 010)."""
    con = sqlite3.connect(fresh_db())
    for name, sql in con.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'casefile' AND sql IS NOT NULL"):
        assert not re.search(r"\bIN\s*\(", sql, re.I), (name, sql)
    # overdue_now (src/api/casework.c) still reads the partial index of open cases: its
    # WHERE repeats the index's three terms.
    plan = con.execute("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM org o CROSS JOIN casefile c"
                       " WHERE o.path >= ? AND o.path < ? AND c.org_id = o.id AND c.stage_deadline < ?"
                       " AND c.state <> 'rejected' AND c.state <> 'closed' AND c.state <> 'rated'",
                       ("/1/", "/1/~", 0)).fetchall()
    assert any("casefile_open_deadline" in row[-1] for row in plan), plan
    con.close()
