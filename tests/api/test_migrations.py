"""Schema migrations that rebuild a table on SQLite (run with foreign keys off)."""
import os
import re
import sqlite3

from conftest import ROOT, run_cli
from test_demo import demo_city_file, fresh_db


def person_table_of_002():
    """The person table as migration 002 made it: UNIQUE on the ID hash."""
    with open(os.path.join(ROOT, "schema", "002_people.sql"), encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"CREATE TABLE person \(.*?\n\);\n", text, re.S).group(0)
    indexes = re.findall(r"CREATE INDEX person_(?!tag)\w+ ON person \([^)]*\);", text)
    assert "id_card_hash TEXT NOT NULL UNIQUE" in table and len(indexes) == 6
    return table, indexes


def back_to_version_10(db, old=None):
    """Give a current database the person table of versions 9 and 10, rows kept: a birth date, the mask that
    kept 6 and 4 characters and the ID and phone tails in clear. old maps a person id to its true
    (birth_date, id_card_masked, id_card_tail, phone_tail); others get made-up dates and ID tails with the
    right check character (what a database before 011 held is all migration 011 reads)."""
    table, _ = person_table_of_002()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("BEGIN")
    con.execute(table.replace("CREATE TABLE person (", "CREATE TABLE person_v10 (").replace(" UNIQUE", ""))
    con.execute("INSERT INTO person_v10 SELECT id, org_id, household_id, relation, name, gender,"
                " birth_year || '-06-15', id_card_enc, id_card_hash,"
                " substr(id_card_masked, 1, 4) || '02' || '********' || '000' || substr(id_card_masked, 18, 1),"
                " '000' || substr(id_card_masked, 18, 1), phone_enc, phone_hash, phone_masked,"
                " substr(phone_masked, -4), created_at, updated_at, version FROM person")
    for pid, (birth, masked, id_tail, phone_tail) in (old or {}).items():
        con.execute("UPDATE person_v10 SET birth_date = ?, id_card_masked = ?, id_card_tail = ?, phone_tail = ?"
                    " WHERE id = ?", (birth, masked, id_tail, phone_tail, pid))
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'person'").fetchone()[0]
    con.execute("DROP TABLE person")
    con.execute("ALTER TABLE person_v10 RENAME TO person")
    con.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'person'", (seq,))
    con.execute("CREATE UNIQUE INDEX person_id_card_hash ON person (id_card_hash)")
    con.execute("CREATE INDEX person_household ON person (household_id)")
    con.execute("CREATE INDEX person_org ON person (org_id, id, household_id, name, id_card_tail, phone_tail)")
    con.execute("DELETE FROM schema_migrations WHERE version = 11")
    con.execute("DELETE FROM schema_migrations WHERE version = 20")  # its indexes were on the table replaced here
    con.execute("DELETE FROM schema_migrations WHERE version = 49")  # and 049's
    con.execute("COMMIT")
    con.close()


def back_to_version_6(db):
    """Give a current database the person table of versions 2 to 6, rows kept."""
    back_to_version_10(db)
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
    db = demo_city_file(3000, 3)  # fresh_db, then demo --residents 3000 --seed 3: made once a run
    back_to_version_6(db)
    con = sqlite3.connect(db)
    before = counts(con)
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'person'").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_person_1'").fetchone()[0] == 1
    con.close()

    p = run_cli("migrate", "--db", db)
    assert "4 migrations applied" in p.stdout, p.stdout  # 007, and 011, 020 and 049 after it

    con = sqlite3.connect(db)
    # No cascade from dropping the old table: every tag, membership and post is still there.
    assert counts(con) == before and before["person_tag"] > 0 and before["party_member"] > 0
    assert con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'person'").fetchone()[0] == seq
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'person' AND type = 'index'")}
    assert names == {"person_id_card_hash", "person_org", "person_household", "person_phone", "person_name",
                     "person_id_tail", "person_phone_tail", "person_birth_year",
                     "person_id_tail_hash", "person_phone_tail_hash"}  # 049's
    assert con.execute("SELECT sql FROM sqlite_master WHERE name = 'person_id_card_hash'").fetchone()[0].startswith(
        "CREATE UNIQUE INDEX")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The ID hash is still unique.
    row = con.execute("SELECT org_id, name, gender, birth_year, id_card_enc, id_card_hash, id_card_masked,"
                      " id_tail_hash, created_at, updated_at FROM person LIMIT 1").fetchone()
    try:
        con.execute("INSERT INTO person (org_id, name, gender, birth_year, id_card_enc, id_card_hash, id_card_masked,"
                    " id_tail_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
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
    con.close()
    back_to_version_10(db)
    con = sqlite3.connect(db, isolation_level=None)
    back_to_version_8(con)
    assert {len(r[0]) for r in con.execute("SELECT id_card_hash FROM person")} == {64}
    con.close()

    assert "4 migrations applied" in run_cli("migrate", "--db", db).stdout  # 009, and 011, 020 and 049 after it
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


def test_migration_011_takes_birth_dates_and_tails_out_of_the_files():
    """011 leaves in the SQLite file and its WAL no birth date, no 6-and-4 mask and no tail in clear: the
    tails become keyed hashes (with the key file, which it refuses to run without), found by the search."""
    from conftest import Server
    from test_pii_rebuild import id_with_check
    db = fresh_db()
    s = Server(db=db)
    try:
        admin = s.admin()
        org = s.org_id("340104006006")
        ids = {"迁移甲": "11010519491231002X", "迁移乙": id_with_check("34010419800229013")}
        people = {}
        for k, (name, idc) in enumerate(ids.items()):
            r = admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": idc,
                                                    "phone": f"1370000{k:04d}"})
            assert r.status_code == 201, r.text
            people[name] = r.json()["id"]
    finally:
        assert s.close() == 0
    old = {people[n]: (f"{i[6:10]}-{i[10:12]}-{i[12:14]}", i[:6] + "*" * 8 + i[14:], i[14:], f"{k:04d}")
           for k, (n, i) in enumerate(ids.items())}
    back_to_version_10(db, old)

    def stored():
        return b"".join(open(db + suffix, "rb").read() for suffix in ("", "-wal") if os.path.exists(db + suffix))
    before = stored()
    for birth, masked, _, _ in old.values():
        assert birth.encode() in before and masked.encode() in before  # what there is to take out
    # Without the key file the tails cannot be hashed: refused, nothing changed.
    os.rename(db + ".key", db + ".key.away")
    p = run_cli("migrate", "--db", db, check=False)
    assert p.returncode == 1 and "cannot open key file" in p.stderr and "migration failed" in p.stderr, p.stderr
    os.rename(db + ".key.away", db + ".key")
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM schema_migrations WHERE version = 11").fetchone()[0] == 0
    con.close()

    # Another connection stays open (a server's would): closing the migrating one then leaves the WAL to it,
    # with the old pages in, unless the migration checkpoints and truncates it.
    holder = sqlite3.connect(db)
    holder.execute("SELECT COUNT(*) FROM schema_migrations").fetchall()
    assert "3 migrations applied" in run_cli("migrate", "--db", db).stdout  # 011, 020, 049
    after = stored()
    assert os.path.getsize(db + "-wal") == 0  # checkpointed and truncated
    holder.close()
    for birth, masked, _, _ in old.values():
        assert birth.encode() not in after and birth.replace("-", "").encode() not in after
        assert masked.encode() not in after
    con = sqlite3.connect(db)
    rows = {r[0]: r[1:] for r in con.execute("SELECT id, birth_year, id_card_masked, length(id_tail_hash),"
                                             " length(phone_tail_hash) FROM person")}
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    for name, idc in ids.items():
        assert rows[people[name]] == (int(idc[6:10]), idc[:4] + "*" * 13 + idc[-1], 16, 16)
    # Audit rows written before 011 kept the birth date: migration 017 takes it out of them and seals the chain
    # again (test_audit_chain.py::test_migration_017_takes_personal_data_out_of_old_rows_and_seals_the_chain_again).
    # The hashed tails are the server's own: search by tail still finds each resident.
    s = Server(db=db)
    try:
        admin = s.admin()
        for k, (name, idc) in enumerate(ids.items()):
            for params in ({"id_tail": idc[-4:].lower()}, {"phone_tail": f"{k:04d}"}, {"id_card": idc}):
                found = admin.get("/api/v1/persons", params=params).json()["items"]
                assert people[name] in [p["id"] for p in found], (name, params)
    finally:
        assert s.close() == 0
