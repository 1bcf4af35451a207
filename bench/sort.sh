#!/usr/bin/env bash
# Sorted list pages against unsorted ones on the same city, the same server, one after
# the other (bench/RESULTS.md, Run 7), on loopback only.
#   bash bench/sort.sh                  # a new 300,000-resident city (SQLite)
#   BENCH_DB=/path/city.db bash bench/sort.sh   # a city made before (jiceng demo); migrated first
#   BENCH_PG=1 ...                      # the same city served from PostgreSQL 15 (moved by copy-data;
#                                       # a cluster of our own on loopback, as bench/run.sh makes)
# Each URL 30 times, sequentially, each with another page size (31..60) so that no answer
# comes from the residents' per-thread cache; the median and the slowest, in ms.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s jiceng
work=$(mktemp -d /tmp/jiceng-sort-XXXXXX)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
export JICENG_ADMIN_PASSWORD=${JICENG_ADMIN_PASSWORD:-'Bench-Passw0rd!'}
db=${BENCH_DB:-}
if [ -z "$db" ]; then
    db=$work/city.db
    ./jiceng init --db "$db" >/dev/null
    ./jiceng import-divisions --db "$db" data/divisions/hefei.csv >/dev/null
    ./jiceng demo --db "$db" --residents "${BENCH_RESIDENTS:-300000}" --seed 1 >/dev/null
fi
./jiceng migrate --db "$db" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve_db=$db
if [ -n "${BENCH_PG:-}" ]; then
    pgbin=/usr/lib/postgresql/15/bin
    pgdir=$work/pg
    pport=$((port + 2))
    mkdir -p "$pgdir" && chown postgres "$pgdir" && chmod 755 "$work"
    runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres --encoding=UTF8 --locale=C > /dev/null
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
        -o "-p $pport -k $pgdir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start > /dev/null
    trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
    psql -h 127.0.0.1 -p "$pport" -U postgres -q -c "CREATE DATABASE jiceng"
    serve_db=postgresql://postgres@127.0.0.1:$pport/jiceng
    export JICENG_KEY_FILE=$work/pg.key
    ./jiceng copy-data --from "sqlite:$db" --to "$serve_db" > /dev/null
    psql -h 127.0.0.1 -p "$pport" -U postgres -q -d jiceng -c "ANALYZE"
fi
./jiceng serve --db "$serve_db" --listen 127.0.0.1:$port --login-rate 1000 > "$work/serve.log" 2>&1 &
echo $! > "$work/jiceng.pid"
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
cookie=$(curl -s -c - -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$JICENG_ADMIN_PASSWORD\"}" "http://127.0.0.1:$port/api/v1/auth/login" |
    awk '/jiceng_session/ {print $7}')
get() { curl -s -b "jiceng_session=$cookie" "http://127.0.0.1:$port$1"; }
comm=$(sqlite3 "$db" "SELECT id FROM org WHERE code = '340104006006'")
district=$(sqlite3 "$db" "SELECT id FROM org WHERE code = '340104'")
residents=$(sqlite3 "$db" "SELECT COUNT(*) FROM person")
# The cursor of a sorted first page, for its second page.
next=$(get "/api/v1/persons?org=1&limit=50&sort=name" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')

time_url() { # label url
    local t=()
    for i in $(seq 31 60); do
        t+=("$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -b "jiceng_session=$cookie" "http://127.0.0.1:$port$2&limit=$i")")
    done
    printf '%s\n' "${t[@]}" | grep -qv '^200 ' && { echo "$1: not 200: $(printf '%s\n' "${t[@]}" | sort -u | head -1)" >&2; exit 1; }
    t=("${t[@]#200 }")
    printf '%s\n' "${t[@]}" | sort -n | awk -v l="$1" '{a[NR]=$1} END {printf "| %s | %.1f ms (%.1f) |\n", l, a[15]*1000, a[NR]*1000}'
}
echo "${BENCH_PG:+PostgreSQL: }$residents residents; district $district ($(sqlite3 "$db" "SELECT value FROM org_figure WHERE org_id = $district AND figure = 'residents'")), community $comm ($(sqlite3 "$db" "SELECT value FROM org_figure WHERE org_id = $comm AND figure = 'residents'"))"
echo "| GET | median (slowest) of 30 |"
echo "| --- | --- |"
time_url "/persons?org=1 (the city, id order)" "/api/v1/persons?org=1"
time_url "/persons?org=1&sort=name" "/api/v1/persons?org=1&sort=name"
time_url "/persons?org=1&sort=-name" "/api/v1/persons?org=1&sort=-name"
time_url "/persons?org=1&sort=name, its second page" "/api/v1/persons?org=1&sort=name&after=$next"
time_url "/persons?org=1&sort=birth_year" "/api/v1/persons?org=1&sort=birth_year"
time_url "/persons?org=1&sort=-birth_year" "/api/v1/persons?org=1&sort=-birth_year"
time_url "/persons?org=<district> (id order)" "/api/v1/persons?org=$district"
time_url "/persons?org=<district>&sort=name" "/api/v1/persons?org=$district&sort=name"
time_url "/persons?org=<district>&sort=-birth_year" "/api/v1/persons?org=$district&sort=-birth_year"
time_url "/persons?org=<community> (id order)" "/api/v1/persons?org=$comm"
time_url "/persons?org=<community>&sort=name" "/api/v1/persons?org=$comm&sort=name"
time_url "/persons?org=<community>&sort=-birth_year" "/api/v1/persons?org=$comm&sort=-birth_year"
time_url "/persons?org=1&q=王 (id order; counted)" "/api/v1/persons?org=1&q=%E7%8E%8B"
time_url "/persons?org=1&q=王&sort=name" "/api/v1/persons?org=1&q=%E7%8E%8B&sort=name"
time_url "/households?org=1 (id order)" "/api/v1/households?org=1"
time_url "/households?org=1&sort=address" "/api/v1/households?org=1&sort=address"
