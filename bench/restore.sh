#!/usr/bin/env bash
# The restore drill at full size: a demo city into a fresh SQLite database, `jiceng backup`
# of it, the original removed (as if its machine were lost), then `jiceng restore` into a
# fresh folder with the key file copied there, `jiceng audit verify` of the restored file
# and a server started on it answering its first request. Times each step.
#   nice -n 10 bash bench/restore.sh                     # the full city: 9,800,000 residents
#   RESTORE_RESIDENTS=300000 bash bench/restore.sh       # a smaller city
#   RESTORE_DIR=/path bash bench/restore.sh              # where the files go (default: a new folder in /tmp)
#   RESTORE_BACKEND=postgres bash bench/restore.sh       # the physical backup on PostgreSQL (below)
# Needs about twice the database's size free (8.6 GB each for the full city): the backup and
# the restored copy; the original is removed before the restore, the backup after it.
# Everything is removed at the end.
# With RESTORE_BACKEND=postgres the city is moved into a throwaway PostgreSQL 15 cluster of its
# own (`jiceng copy-data`, initdb as the user postgres when run as root, a free loopback port),
# and the drill is docs/operations.md's physical one: pg_basebackup -X stream -c fast of the
# cluster, pg_verifybackup, the cluster stopped and removed, the backup copied to a fresh
# folder (cp -a) and started there on another port (the WAL replayed), jiceng audit verify,
# a server on it. Needs the SQLite file, the cluster and the backup at once (about three
# times the SQLite file's size while the SQLite file is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
RES=${RESTORE_RESIDENTS:-9800000}
BACKEND=${RESTORE_BACKEND:-sqlite}
PG_BIN=${JICENG_PG_BIN:-/usr/lib/postgresql/15/bin}
make -s jiceng
J=$PWD/jiceng
work=$(mktemp -d "${RESTORE_DIR:-/tmp}/jiceng-restore-XXXXXX")
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; pg_cleanup 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/live" "$work/backups" "$work/fresh"
free_gb=$(df --output=avail -BG "$work" | tail -1 | tr -dc 0-9)
echo "free disk at $work: ${free_gb} GB"
step() { # name command...: runs it under /usr/bin/time, prints name, wall seconds and peak RSS
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" > "$work/step.out" 2>&1 || { cat "$work/step.out"; exit 1; }
    read -r secs kib < "$work/time.txt"
    printf '| %s | %s s | %s MiB |\n' "$name" "$secs" "$((kib / 1024))"
}
verify_and_serve() { # DB WHAT: `jiceng audit verify` of the restored database, then a server on it, timed from its start to its first answer
    step "jiceng audit verify (restored)" "$J" audit verify --db "$1"
    . bench/serve.sh
    local t0 t1
    t0=$(date +%s.%N)
    serve_start "$J" "$1"
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null
    t1=$(date +%s.%N)
    printf '| server on the restored %s: start to first answer | %.1f s | |\n' "$2" "$(echo "$t1 - $t0" | bc)"
    kill "$(cat "$work/serve.pid")"; wait "$(cat "$work/serve.pid")" 2>/dev/null || true
}
db=$work/live/jiceng.db
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
"$J" init --db "$db" >/dev/null
"$J" import-divisions --db "$db" data/divisions/hefei.csv >/dev/null 2>&1
echo "| step | wall time | peak RSS |"
echo "| --- | --- | --- |"
step "jiceng demo --residents $RES --seed 1" "$J" demo --db "$db" --residents "$RES" --seed 1
size=$(du -sh "$db" | cut -f1)
if [ "$BACKEND" = postgres ]; then
    . bench/restore-pg.sh
    exit 0
fi
step "jiceng backup (online backup and its integrity check; $size)" "$J" backup --db "$db" "$work/backups/jiceng.db"
cp "$db.key" "$work/backups/jiceng.db.key"   # the key file is kept apart from the database, as docs/operations.md says
rows=$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM person) || ' residents, ' || (SELECT COUNT(*) FROM audit_log) || ' audit rows'")
rm -f "$db" "$db-wal" "$db-shm"   # the machine is lost: only the backup and the key file remain
cp "$work/backups/jiceng.db.key" "$work/fresh/jiceng.db.key"
step "jiceng restore (copy, integrity check, audit chain under the key, rename)" \
    "$J" restore --db "$work/fresh/jiceng.db" "$work/backups/jiceng.db"
rm -f "$work/backups/jiceng.db"*   # the disk: three copies of the full city do not fit beside other work
verify_and_serve "$work/fresh/jiceng.db" file
echo
echo "$rows; the database $size; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
