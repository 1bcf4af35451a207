# Sourced by bench/restore.sh with RESTORE_BACKEND=postgres, the demo city in $db: the physical
# backup drill of docs/operations.md ("Backups", Physical) on a throwaway cluster, each step timed.
pgu=()   # PostgreSQL's programs run as the user postgres when this runs as root
if [ "$(id -u)" = 0 ]; then pgu=(runuser -u postgres --); fi
as_pg() { "${pgu[@]}" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg_cleanup() {
    for d in "$work/pg/live" "$work/pg/fresh"; do
        if [ -f "$d/postmaster.pid" ]; then as_pg "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop > /dev/null; fi
    done
}
mkdir -p "$work/pg/backups"
if [ "$(id -u)" = 0 ]; then chown -R postgres "$work/pg"; chmod 755 "$work"; fi
live_port=$(free_port)
as_pg "$PG_BIN/initdb" -D "$work/pg/live" -U postgres --auth=trust --encoding=UTF8 --locale=C > /dev/null
as_pg "$PG_BIN/pg_ctl" -D "$work/pg/live" -l "$work/pg/live.log" -w -t 3600 \
    -o "-c listen_addresses=127.0.0.1 -p $live_port -k $work/pg" start > /dev/null
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$live_port" -U postgres jiceng
url=postgresql://postgres@127.0.0.1:$live_port/jiceng
export JICENG_KEY_FILE=$work/live/jiceng.key   # copy-data writes the SQLite file's key here
step "jiceng copy-data into PostgreSQL (not part of the drill)" "$J" copy-data --from "sqlite:$db" --to "$url"
rm -f "$db" "$db-wal" "$db-shm"
cp "$JICENG_KEY_FILE" "$work/backups/jiceng.key"   # the key file kept apart from the backups
pgsize=$(du -sh "$work/pg/live" | cut -f1)
rows=$(psql -h 127.0.0.1 -p "$live_port" -U postgres -d jiceng -Atc \
    "SELECT (SELECT COUNT(*) FROM person) || ' residents, ' || (SELECT COUNT(*) FROM audit_log) || ' audit rows'")
step "pg_basebackup -X stream -c fast (the cluster: $pgsize)" \
    "${pgu[@]}" "$PG_BIN/pg_basebackup" --pgdata "$work/pg/backups/base" -X stream -c fast -h 127.0.0.1 -p "$live_port" -U postgres
bsize=$(du -sh "$work/pg/backups/base" | cut -f1)
step "pg_verifybackup (the backup: $bsize)" "${pgu[@]}" "$PG_BIN/pg_verifybackup" "$work/pg/backups/base"
as_pg "$PG_BIN/pg_ctl" -D "$work/pg/live" -m fast -w stop > /dev/null   # the machine is lost
rm -rf "$work/pg/live"
fresh_port=$(free_port)
step "restore: cp -a of the backup ($bsize) to a fresh folder" "${pgu[@]}" cp -a "$work/pg/backups/base" "$work/pg/fresh"
step "restore: pg_ctl start (the WAL replayed; until it accepts connections)" "${pgu[@]}" "$PG_BIN/pg_ctl" \
    -D "$work/pg/fresh" -l "$work/pg/fresh.log" -w -t 3600 -o "-c listen_addresses=127.0.0.1 -p $fresh_port -k $work/pg" start
rm -rf "$work/pg/backups/base"
url=postgresql://postgres@127.0.0.1:$fresh_port/jiceng
cp "$work/backups/jiceng.key" "$work/fresh/jiceng.key"
export JICENG_KEY_FILE=$work/fresh/jiceng.key
verify_and_serve "$url" cluster
pg_cleanup
echo
echo "$rows; the SQLite file $size, the cluster $pgsize, its base backup $bsize; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
