"""The audit chain against someone who can write the database but holds no key:
every stored column under each row's MAC, the head authenticated, a wiped chain
refused, and an operator's anchor (`jiceng audit anchor`) that a truncated or
rewritten chain no longer extends (issue #13, item 15)."""
import hashlib
import hmac
import json
import os
import stat
import struct
import subprocess
import tempfile

import pytest

import backend
from backend import connect
from conftest import PASSWORD, ready_database, run_cli


@pytest.fixture()
def db():
    d = tempfile.mkdtemp(prefix="jiceng-chain-")
    path = ready_database(d, name="c.db")  # initialised, the divisions imported
    for name in ("chain1", "chain2", "chain3"):
        run_cli("user", "add", "--db", path, name, "--name", name, env={"JICENG_PASSWORD": PASSWORD})
    yield path, d
    subprocess.run(["rm", "-rf", d])


def verify(db, *extra):
    p = run_cli("audit", "verify", "--db", db, *extra, check=False)
    return p.returncode, p.stdout + p.stderr


def assert_ok(db, *extra):
    rc, out = verify(db, *extra)
    assert rc == 0 and "ok" in out, out


def assert_broken(db, *extra, needle=""):
    rc, out = verify(db, *extra)
    assert rc == 1, out
    assert needle in out, out
    return out


def tamper(db, *statements):
    """Run SQL statements on the database as someone without the key would."""
    con = connect(db)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()


WIPE = ("DELETE FROM audit_log", "DELETE FROM audit_head")


def last_id(con):
    return con.execute("SELECT MAX(id) FROM audit_log").fetchone()[0]


def test_new_rows_are_of_the_format_covering_every_column(db):
    db, _ = db
    con = connect(db)
    versions = {r[0] for r in con.execute("SELECT mac_version FROM audit_log").fetchall()}
    assert versions == {2}
    assert len(con.execute("SELECT mac FROM audit_head").fetchone()[0]) == 64
    con.close()
    assert_ok(db)


def test_edited_org_path_fails(db):
    db, _ = db
    con = connect(db)
    rid, path = con.execute("SELECT id, org_path FROM audit_log WHERE org_path <> '/' ORDER BY id LIMIT 1").fetchone()
    con.execute("UPDATE audit_log SET org_path = '/' WHERE id = ?", (rid,))
    con.commit()
    assert_broken(db, needle=f"row {rid} was edited")
    # Claiming the old format, whose MAC leaves org_path out, does not help.
    con.execute("UPDATE audit_log SET mac_version = 1 WHERE id = ?", (rid,))
    con.commit()
    assert_broken(db, needle=f"row {rid}")
    con.execute("UPDATE audit_log SET org_path = ?, mac_version = 2 WHERE id = ?", (path, rid))
    con.commit()
    con.close()
    assert_ok(db)


def test_edited_source_fails(db):
    db, _ = db
    tamper(db, "UPDATE audit_log SET source = '10.0.0.1' WHERE id = 2")
    assert_broken(db, needle="row 2 was edited")


def test_last_rows_deleted_and_head_moved_back_fails(db):
    """The attack of the issue: drop the newest rows and point the head at the row
    left last, with its real id and hash."""
    db, _ = db
    con = connect(db)
    n = last_id(con)
    keep = n - 2
    keep_hash = con.execute("SELECT hash FROM audit_log WHERE id = ?", (keep,)).fetchone()[0]
    con.execute("DELETE FROM audit_log WHERE id > ?", (keep,))
    con.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", (keep, keep_hash))
    con.commit()
    assert_broken(db, needle="audit head was edited")
    # Without its MAC the head is refused too: the chain has rows of format 2.
    con.execute("UPDATE audit_head SET mac = ''")
    con.commit()
    con.close()
    assert_broken(db, needle="carries no MAC")


def test_head_deleted_fails(db):
    db, _ = db
    tamper(db, "DELETE FROM audit_head")
    assert_broken(db, needle="head is missing")


def test_wiped_chain_fails(db):
    db, _ = db
    tamper(db, *WIPE)
    assert_broken(db, needle="empty")


def test_no_new_chain_after_a_wipe(db):
    """Wiped, then written to: the program does not start a fresh chain (which would
    verify from row 1) on a database that has data; the change is refused."""
    db, _ = db
    tamper(db, *WIPE)
    con = connect(db)
    p = run_cli("user", "add", "--db", db, "after_wipe", "--name", "w", env={"JICENG_PASSWORD": PASSWORD},
                check=False)
    assert p.returncode == 1 and "refusing to start a new chain" in p.stderr, p.stderr
    assert con.execute("SELECT COUNT(*) FROM app_user WHERE username = 'after_wipe'").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0
    con.close()
    assert_broken(db, needle="empty")


def anchor(db, folder, name="anchor.json"):
    out = os.path.join(folder, name)
    p = run_cli("audit", "anchor", "--db", db, "-o", out)
    assert "anchored audit row" in p.stderr
    return out


def test_anchor_file(db):
    db, d = db
    out = anchor(db, d)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    a = json.load(open(out))
    con = connect(db)
    n = last_id(con)
    assert a["last_id"] == n
    assert a["last_hash"] == con.execute("SELECT hash FROM audit_log WHERE id = ?", (n,)).fetchone()[0]
    con.close()
    assert len(a["mac"]) == 64 and a["taken_at"].endswith("Z")
    # Without -o it goes to stdout.
    p = run_cli("audit", "anchor", "--db", db)
    assert json.loads(p.stdout)["last_id"] == n
    assert_ok(db, "--anchor", out)


def test_anchor_then_more_rows_passes(db):
    db, d = db
    out = anchor(db, d)
    run_cli("user", "add", "--db", db, "later", "--name", "l", env={"JICENG_PASSWORD": PASSWORD})
    rc, text = verify(db, "--anchor", out)
    assert rc == 0 and "extending the anchor" in text, text


def test_anchor_then_truncate_fails(db):
    """Even a truncation that leaves a consistent-looking head behind (the head row
    as it stood at the time the anchor was taken, replayed) fails against the anchor
    taken later."""
    db, d = db
    con = connect(db)
    old_head = con.execute("SELECT last_id, last_hash, mac FROM audit_head").fetchone()
    con.close()
    run_cli("user", "add", "--db", db, "later", "--name", "l", env={"JICENG_PASSWORD": PASSWORD})
    out = anchor(db, d)
    con = connect(db)
    con.execute("DELETE FROM audit_log WHERE id > ?", (old_head[0],))
    con.execute("UPDATE audit_head SET last_id = ?, last_hash = ?, mac = ?", tuple(old_head))
    con.commit()
    con.close()
    assert_ok(db)  # the replayed head is genuine: only the anchor tells
    assert_broken(db, "--anchor", out, needle="truncated")


def test_anchor_then_wipe_fails(db):
    db, d = db
    out = anchor(db, d)
    tamper(db, *WIPE)
    assert_broken(db, "--anchor", out)


def test_edited_anchor_fails(db):
    db, d = db
    out = anchor(db, d)
    a = json.load(open(out))
    a["last_id"] -= 1
    con = connect(db)
    a["last_hash"] = con.execute("SELECT hash FROM audit_log WHERE id = ?", (a["last_id"],)).fetchone()[0]
    con.close()
    forged = os.path.join(d, "forged.json")
    with open(forged, "w") as f:
        json.dump(a, f)
    assert_broken(db, "--anchor", forged, needle="anchor file was edited")
    with open(forged, "w") as f:
        f.write("not an anchor")
    assert_broken(db, "--anchor", forged, needle="not a jiceng audit anchor")
    rc, text = verify(db, "--anchor", os.path.join(d, "missing.json"))
    assert rc == 1 and "cannot read the anchor file" in text, text


def _audit_key(db):
    """The audit key as `jiceng` derives it from the key file (libsodium's
    crypto_kdf_derive_from_key: BLAKE2b keyed by the master key, subkey id 1 as the
    salt, "jcaudit_" as the personalisation)."""
    master = bytes.fromhex(open(backend.key_file(db)).read()[:64])
    return hashlib.blake2b(b"", digest_size=32, key=master, salt=struct.pack("<Q", 1) + bytes(8),
                           person=b"jcaudit_" + bytes(8)).digest()


def _v1_mac(key, row, prev):
    def i(v):
        return struct.pack(">q", v)

    def t(s):
        b = (s or "").encode()
        return i(len(b)) + b
    rid, at, actor_id, actor_name, source, action, entity, entity_id, org_id, summary = row
    msg = b"".join([t("jiceng-audit-v1"), i(rid), i(at), i(actor_id), t(actor_name), t(source), t(action), t(entity),
                    i(entity_id), i(org_id), t(summary), t(prev)])
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def test_rows_written_before_012_keep_verifying(db):
    """A chain written entirely before schema 012 (format 1, head without a MAC)
    verifies; rows appended after it are of format 2 and seal the head."""
    db, _ = db
    key = _audit_key(db)
    con = connect(db)
    rows = con.execute("SELECT id, at, actor_id, actor_name, source, action, entity, entity_id, org_id, summary"
                       " FROM audit_log ORDER BY id").fetchall()
    prev = ""
    for row in rows:
        mac = _v1_mac(key, row, prev)
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ?, mac_version = 1 WHERE id = ?", (prev, mac, row[0]))
        prev = mac
    con.execute("UPDATE audit_head SET last_hash = ?, mac = ''", (prev,))
    con.commit()
    assert_ok(db)
    # Format 1 leaves org_path out: such a row's org_path is not protected.
    con.execute("UPDATE audit_log SET org_path = '/x/' WHERE id = 2")
    con.commit()
    assert_ok(db)
    n = len(rows)
    run_cli("user", "add", "--db", db, "after_upgrade", "--name", "u", env={"JICENG_PASSWORD": PASSWORD})
    assert con.execute("SELECT mac_version FROM audit_log WHERE id = ?", (n + 1,)).fetchone()[0] == 2
    assert len(con.execute("SELECT mac FROM audit_head").fetchone()[0]) == 64
    con.close()
    assert_ok(db)


def test_no_anchor_of_a_broken_chain(db):
    db, d = db
    tamper(db, "UPDATE audit_log SET action = 'x' WHERE id = 2")
    out = os.path.join(d, "never.json")
    p = run_cli("audit", "anchor", "--db", db, "-o", out, check=False)
    assert p.returncode == 1 and "audit chain BROKEN at row 2: audit row 2 was edited" in p.stdout, p.stdout
    assert not os.path.exists(out)


# What rows written before schema 011/012 held (MAC format 1): a resident's birth date, an export's raw query with
# a full ID number and searched tails, a phone number typed into a free text.
OLD_ID = "65010219370815004X"  # no other test's number: PostgreSQL tests share a cluster and its WAL
OLD_ROWS = [
    ("person.created", "person", {"birth_date": "1937-08-15", "gender": "female", "id_card": "(changed)",
                                  "name": "旧甲", "phone": "(changed)"}),
    ("person.updated", "person", {"birth_date": "1962-07-03", "name": "旧乙"}),
    ("persons.exported", "org", {"format": "csv", "query": f"org=3&id_card={OLD_ID}&id%5Ftail=004X&phone_tail=7531"
                                 "&format=csv", "revealed": False, "rows": 1}),
    ("case.created", "case", {"title": "来电 13700007531 反映"}),
]
OLD_ROUNDS = 100
OLD_SECRETS = ["1937-08-15", "1962-07-03", OLD_ID, OLD_ID[:17], "tail=004X", "tail=7531", "13700007531"]


def _old_chain(db):
    """Append OLD_ROWS and MAC the whole chain as the code before 012 did (format 1, head without a MAC), then
    write a row the way the current code does (format 2), and put the database back to schema 16. Returns the
    first old row's id."""
    key = _audit_key(db)
    con = connect(db)
    if backend.BACKEND == "sqlite":
        # SQLite's own default (Debian's build turns it on): a row rewritten or deleted leaves its old bytes in the
        # page's free space, where rewriting the rows again does not reach.
        con.execute("PRAGMA secure_delete = OFF")
    first = last_id(con) + 1
    for k, (action, entity, summary) in enumerate(OLD_ROWS * OLD_ROUNDS):
        con.execute("INSERT INTO audit_log (id, at, actor_id, actor_name, source, action, entity, entity_id, org_id,"
                    " org_path, summary, prev_hash, hash) VALUES (?, ?, 1, 'admin', '127.0.0.1', ?, ?, ?, 0, '/',"
                    " ?, '', '')", (first + k, 1764000000 + k, action, entity, k + 1,
                                    json.dumps(summary, ensure_ascii=False, sort_keys=True, separators=(",", ":"))))
    prev = ""
    for row in con.execute("SELECT id, at, actor_id, actor_name, source, action, entity, entity_id, org_id, summary"
                           " FROM audit_log ORDER BY id").fetchall():
        mac = _v1_mac(key, row, prev)
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ?, mac_version = 1 WHERE id = ?", (prev, mac, row[0]))
        prev = mac
    con.execute("UPDATE audit_head SET last_id = ?, last_hash = ?, mac = ''", (last_id(con), prev))
    con.commit()
    run_cli("user", "add", "--db", db, "after_011", "--name", "u", env={"JICENG_PASSWORD": PASSWORD})
    assert_ok(db)
    # Every command migrates the database it opens: from here on only `jiceng migrate` may run.
    con.execute("DELETE FROM schema_migrations WHERE version = 17")
    con.commit()
    con.close()
    return first


def _audit_rows(db):
    con = connect(db)
    rows = con.execute("SELECT id, summary, prev_hash, hash, mac_version FROM audit_log ORDER BY id").fetchall()
    con.close()
    return [tuple(r) for r in rows]


def _stored(db):
    """What someone holding the database's files reads: the SQLite file and its WAL; on PostgreSQL a dump and the
    audit table's file once `VACUUM FULL audit_log` has run (docs/operations.md: after upgrading)."""
    raw = backend.stored_bytes(db)
    if backend.BACKEND == "postgres":
        con = connect(db)
        con.execute("VACUUM FULL audit_log")
        con.execute("CHECKPOINT")
        path = con.execute("SELECT pg_relation_filepath('audit_log')").fetchone()[0]
        con.close()
        raw += open(os.path.join(backend.cluster().data, path), "rb").read()
    return raw


def test_migration_017_takes_personal_data_out_of_old_rows_and_seals_the_chain_again(db):
    db, _ = db
    first = _old_chain(db)
    before = _audit_rows(db)
    stored = _stored(db)
    for s in OLD_SECRETS:
        assert s.encode() in stored, s  # what there is to take out
    holder = connect(db)  # an open connection (a server's) keeps the WAL unless the migration truncates it
    holder.execute("SELECT COUNT(*) FROM schema_migrations").fetchall()
    p = run_cli("migrate", "--db", db)
    assert "1 migrations applied" in p.stdout, p.stdout + p.stderr
    if backend.BACKEND == "sqlite":
        assert os.path.getsize(db + "-wal") == 0
    stored = _stored(db)
    holder.close()
    for s in OLD_SECRETS:
        assert s.encode() not in stored, s
    assert_ok(db)
    after = _audit_rows(db)
    # Rows before the first old one changed keep their MACs; from it on each row is sealed again in its own format.
    assert [r[3] for r in after[:first - 1]] == [r[3] for r in before[:first - 1]]
    assert all(a[3] != b[3] for a, b in zip(after[first - 1:], before[first - 1:]))
    assert [r[4] for r in after[:len(before)]] == [r[4] for r in before]
    sums = {r[0]: json.loads(r[1]) for r in after}
    assert sums[first] == {"birth_year": 1937, "gender": "female", "id_card": "(changed)", "name": "旧甲",
                           "phone": "(changed)"}
    assert sums[first + 1] == {"birth_year": 1962, "name": "旧乙"}
    assert sums[first + 2]["query"] == "org=3&id_card=*&id%5Ftail=*&phone_tail=*&format=csv"
    assert sums[first + 3]["title"] == "来电 *********** 反映"
    con = connect(db)
    sealed = con.execute("SELECT id, actor_name, entity, entity_id, summary, mac_version FROM audit_log"
                         " WHERE action = 'audit.resealed'").fetchall()
    con.close()
    assert len(sealed) == 1 and sealed[0][0] == len(before) + 1, sealed
    assert sealed[0][1:4] == ("migrate", "audit_log", first) and sealed[0][5] == 2
    assert json.loads(sealed[0][4]) == {"rows_redacted": len(OLD_ROWS) * OLD_ROUNDS, "from_id": first, "to_id": len(before), "schema": 17}
    # Anything written now links to the sealed chain.
    run_cli("user", "add", "--db", db, "after_017", "--name", "u", env={"JICENG_PASSWORD": PASSWORD})
    assert_ok(db)


def test_migration_017_refuses_a_chain_that_does_not_verify(db):
    db, _ = db
    first = _old_chain(db)
    tamper(db, f"UPDATE audit_log SET actor_name = 'someone' WHERE id = {first + 1}")
    before = _audit_rows(db)
    file_before = open(db, "rb").read() if backend.BACKEND == "sqlite" else None
    p = run_cli("migrate", "--db", db, check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "migration 017 refused, nothing changed" in p.stderr and "jiceng audit verify" in p.stderr, p.stderr
    assert f"audit row {first + 1} was edited" in p.stderr, p.stderr
    assert _audit_rows(db) == before
    if backend.BACKEND == "sqlite":
        assert open(db, "rb").read() == file_before
    con = connect(db)
    assert con.execute("SELECT COUNT(*) FROM schema_migrations WHERE version = 17").fetchone()[0] == 0
    con.close()
    assert OLD_ID.encode() in _stored(db)


# ---- every stored column, the head, a truncation and a hole: `audit verify` fails each time ----
#
# The columns are read from the database (the schema as migrated), not listed here: a column added to audit_log
# or audit_head later is edited too, and must be under the MAC (or the head's) for this to pass.
MARKER = "13900009999"  # shaped like a phone number: a verifier's message must never echo a stored value


def columns(con, table):
    """The table's columns as the schema made them: [(name, is_integer)]."""
    if backend.BACKEND == "sqlite":
        rows = con.execute(f"PRAGMA table_info({table})").fetchall()
        return [(r[1], "INT" in r[2].upper()) for r in rows]
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
                       " ORDER BY ordinal_position", (table,)).fetchall()
    return [(r[0], r[1] in ("integer", "bigint", "smallint")) for r in rows]


def assert_refused(db, row, *extra):
    """`audit verify` exits 1 naming row, with no stored or edited value in what it says."""
    p = run_cli("audit", "verify", "--db", db, *extra, check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"audit chain BROKEN at row {row}:" in p.stdout, p.stdout + p.stderr
    assert MARKER not in p.stdout + p.stderr
    return p.stdout


def edited(value, is_int, col=""):
    if col == "id":
        return value + 1000  # past the end: not another row's
    return value + 1 if is_int else f"{value}{MARKER}"


def test_each_stored_column_edited_fails(db):
    db, _ = db
    con = connect(db)
    cols = columns(con, "audit_log")
    assert {"id", "summary", "org_path", "hash", "mac_version"} <= {c for c, _ in cols}, cols
    n = last_id(con)
    assert n >= 4
    for row in (2, n - 1):  # a row in the middle, the row before the last
        for col, is_int in cols:
            old = con.execute(f"SELECT {col} FROM audit_log WHERE id = ?", (row,)).fetchone()[0]
            con.execute(f"UPDATE audit_log SET {col} = ? WHERE id = ?", (edited(old, is_int, col), row))
            con.commit()
            new_id = row + 1000 if col == "id" else row
            out = assert_refused(db, row)
            assert str(old) not in out or col in ("id", "at", "actor_id", "entity_id", "org_id", "mac_version"), out
            con.execute(f"UPDATE audit_log SET {col} = ? WHERE id = ?", (old, new_id))
            con.commit()
            assert_ok(db)  # put back: the edit alone was what failed
    con.close()


def test_each_head_column_edited_fails(db):
    db, _ = db
    con = connect(db)
    cols = columns(con, "audit_head")
    assert {"last_id", "last_hash", "mac"} <= {c for c, _ in cols}, cols
    n = last_id(con)
    for col, is_int in cols:
        old = con.execute(f"SELECT {col} FROM audit_head").fetchone()[0]
        try:
            con.execute(f"UPDATE audit_head SET {col} = ?", (edited(old, is_int),))
            con.commit()
        except Exception as e:  # the schema itself refuses the edit (audit_head.one is 1)
            assert "CHECK" in str(e).upper() or "check" in str(e), e
            if backend.BACKEND == "postgres":
                con.con.rollback()
            continue
        assert_refused(db, n)
        con.execute(f"UPDATE audit_head SET {col} = ?", (old,))
        con.commit()
        assert_ok(db)
    con.close()


def test_last_rows_removed_fails(db):
    """Rows removed from the end, the head left as it was: the head names a row the log no longer has."""
    db, _ = db
    con = connect(db)
    n = last_id(con)
    con.execute("DELETE FROM audit_log WHERE id > ?", (n - 2,))
    con.commit()
    con.close()
    out = assert_refused(db, n - 1)
    assert f"names row {n}" in out, out


def test_row_deleted_in_the_middle_fails(db):
    db, _ = db
    tamper(db, "DELETE FROM audit_log WHERE id = 3")
    out = assert_refused(db, 3)
    assert "audit row 3 is missing" in out, out
