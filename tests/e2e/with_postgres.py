"""Run a command (the browser tests) against a fresh database in a throwaway
PostgreSQL cluster: JICENG_E2E_DB names the database, JICENG_KEY_FILE its key
file. The cluster is stopped and removed afterwards, whatever the outcome.
Usage: with_postgres.py COMMAND ARGS..."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
os.environ["JICENG_TEST_BACKEND"] = "postgres"
import backend  # noqa: E402


def main():
    d = tempfile.mkdtemp(prefix="jiceng-e2e-pg-")
    try:
        db = backend.new_database(d, "e2e")
        env = dict(os.environ, JICENG_E2E_DB=db, JICENG_KEY_FILE=backend.key_file(db))
        return subprocess.run(sys.argv[1:], env=env).returncode
    finally:
        backend.stop_cluster()
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    sys.exit(main())
