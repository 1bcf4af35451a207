"""The physical backup drill on PostgreSQL (PostgreSQL only: backend.ONLY_ON): pg_basebackup of
a cluster of the test's own while a server on it writes cases and residents, the copy checked
with pg_verifybackup and started as a new cluster on a port of its own, as docs/operations.md
("Backups", Physical) tells an operator; then test_restore_drill.py's checks: every write
answered before the backup is in the copy, the rows the load appends equal the live ones up to
the copy's last (count and digest), the copy's audit chain verifies with the key file and the
live chain extends it, and a server on the copy answers each early write."""
import os
import shutil
import subprocess
import tempfile

import backend
from conftest import ADMIN_PASSWORD, DIVISIONS, Server, run_cli
from test_restore_drill import ACKED_AFTER_BACKUP, ACKED_BEFORE_BACKUP, Load, check_chain_and_serve, check_restored


def pg_tool(c, name, *args):
    """A PostgreSQL program run as the cluster's unprivileged user, as an operator runs it."""
    return subprocess.run([*c.prefix, os.path.join(backend.PG_BIN, name), *args], check=True, capture_output=True,
                          text=True, timeout=120)


def test_base_backup_under_write_load_restores_every_acknowledged_write_and_the_chain():
    """pg_basebackup of a cluster of the test's own while a server on it is written to, then a
    new cluster started on the copy as on a fresh machine (docs/operations.md, "Backups"):
    pg_verifybackup, pg_ctl start on a port of its own as the unprivileged user, the key file
    copied for JICENG_KEY_FILE. The same checks as the logical drill."""
    live = backend.PgCluster(no_sync=True)
    restored = backend.PgCluster(no_sync=True, initdb=False)
    home, fresh = tempfile.mkdtemp(prefix="jiceng-live-"), tempfile.mkdtemp(prefix="jiceng-fresh-")
    s = copy = None
    try:
        # What pg_basebackup needs of the cluster initdb made: initdb's pg_hba.conf lets a
        # replication connection in from 127.0.0.1; wal_level replica and max_wal_senders 10 are
        # PostgreSQL 15's defaults.
        con = backend.connect(live.url("postgres"))
        try:
            assert con.execute("SHOW wal_level").fetchone()[0] == "replica"
            assert int(con.execute("SHOW max_wal_senders").fetchone()[0]) >= 2   # -X stream takes two
        finally:
            con.close()
        db = backend.database_in(live, home, "live.db")
        run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
        # The load's community and the divisions above it (the whole city's file takes 10 s here).
        chain = os.path.join(home, "divisions.csv")
        with open(DIVISIONS, encoding="utf-8") as f, open(chain, "w", encoding="utf-8") as out:
            out.writelines(line for n, line in enumerate(f)
                           if n == 0 or line.split(",", 1)[0] in ("3401", "340104", "340104006", "340104006006"))
        run_cli("import-divisions", "--db", db, chain)
        s = Server(db=db)
        load = Load(s.admin(), s.org_id("340104006006"))
        try:
            load.wait_for(ACKED_BEFORE_BACKUP)
            with load.progress:
                before = list(load.acked)
            # --no-sync: the copy is thrown away, as both clusters run with fsync off (an operator's
            # backup is synced, pg_basebackup's default); it took 14 s of a loaded disk's time.
            pg_tool(live, "pg_basebackup", "--pgdata", restored.data, "-X", "stream", "-c", "fast", "--no-sync",
                    "-h", "127.0.0.1", "-p", str(live.port), "-U", "postgres")
            with load.progress:
                done = len(load.acked)   # answered by the time the backup ended: some later ones are not in it
            load.wait_for(done + ACKED_AFTER_BACKUP // 2)
        finally:
            load.finish()
        pg_tool(restored, "pg_verifybackup", restored.data)
        restored.start()   # replays the WAL the backup streamed, then serves: a database as of the backup's end
        copy_db = restored.url(db.rsplit("/", 1)[1])
        backend._keys[copy_db] = os.path.join(fresh, "restored.key")
        shutil.copy(backend.key_file(db), backend.key_file(copy_db))
        check_restored(s, copy_db, before, load.acked)
        copy = check_chain_and_serve(s, copy_db, before, fresh)
    finally:
        try:
            if copy is not None:
                assert copy.close() == 0, copy.stderr
            if s is not None:
                assert s.close() == 0, s.stderr
        finally:
            for c in (restored, live):
                c.stop(mode="immediate")   # thrown away: no checkpoint
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(fresh, ignore_errors=True)
