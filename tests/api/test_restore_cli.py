"""`jiceng restore` (SQLite files; on PostgreSQL pg_restore, test_restore_drill.py) refuses
what it must, changing nothing: a missing key file or another deployment's, a broken backup,
an existing database without --force, the live server's own database even with --force, a
PostgreSQL URL. A restored file is the owner's alone."""
import os
import shutil
import tempfile

import backend
from conftest import ADMIN_PASSWORD, Server, run_cli
from test_restore_drill import take_backup


def refused(args, says):
    p = run_cli(*args, check=False)
    assert p.returncode == 1 and says in p.stderr and p.stdout == "", (p.returncode, p.stdout, p.stderr)
    assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr


def test_restore_refuses_what_it_must_and_changes_nothing():
    s = Server()
    fresh = tempfile.mkdtemp(prefix="jiceng-fresh-")
    try:
        out = take_backup(s, s.dir)
        db = os.path.join(fresh, "jiceng.db")
        refused(("restore", "--db", db, out), "cannot open key file")          # the key file not copied yet
        assert not os.path.exists(db)
        other = os.path.join(fresh, "other.db")                               # another deployment's key
        run_cli("init", "--db", other, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
        shutil.copy(other + ".key", db + ".key")
        refused(("restore", "--db", db, out), "does not verify under the key file")
        assert not os.path.exists(db) and not os.path.exists(db + ".restoring")
        shutil.copy(backend.key_file(s.db), db + ".key")
        junk = os.path.join(fresh, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"SQLite format 3\0" + bytes(range(256)) * 16)
        refused(("restore", "--db", db, junk), "jiceng: ")
        assert not os.path.exists(db)
        run_cli("restore", "--db", db, out)
        assert os.stat(db).st_mode & 0o777 == 0o600                           # the owner's alone, like every file
        refused(("restore", "--db", db, out), "already exists")              # no --force
        before = open(s.db, "rb").read()
        refused(("restore", "--db", s.db, "--force", out), "is in use")      # the live server's own database
        assert open(s.db, "rb").read() == before and backend.integrity_ok(s.db)
        p = run_cli("restore", "--db", db, "--force", out)
        assert "the database it held is gone" in p.stdout and p.stderr == "", p.stdout + p.stderr
        refused(("restore", "--db", "postgresql://127.0.0.1:1/x", out), "pg_restore")
    finally:
        assert s.close() == 0, s.stderr
        shutil.rmtree(fresh, ignore_errors=True)
