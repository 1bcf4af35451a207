#!/usr/bin/env bash
# The annual assessment on the demo city (bench/RESULTS.md, Run 10), on loopback only:
# every plan of the city (districts, streets, townships, communities, villages; 31 scored
# leaves each, mostly from the records) computed through the API one after the other, and
# the ranking page of the largest plan under wrk at 64 connections beside GET /healthz
# in the same run.
#   bash bench/assessment.sh                          # a new 9.8M-resident city (SQLite)
#   BENCH_RESIDENTS=300000 bash bench/assessment.sh    # a smaller one
#   BENCH_DB=/path/city.db bash bench/assessment.sh    # a city made before (jiceng demo); migrated first
set -euo pipefail
cd "$(dirname "$0")/.."
make -s jiceng
command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d /tmp/jiceng-assess-XXXXXX)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
export JICENG_ADMIN_PASSWORD=${JICENG_ADMIN_PASSWORD:-'Bench-Passw0rd!'}
CONNS=${BENCH_CONNS:-64}
DUR=${BENCH_DURATION:-10}
db=${BENCH_DB:-}
if [ -z "$db" ]; then
    db=$work/city.db
    ./jiceng init --db "$db" >/dev/null
    ./jiceng import-divisions --db "$db" data/divisions/hefei.csv >/dev/null
    start=$(date +%s.%N)
    ./jiceng demo --db "$db" --residents "${BENCH_RESIDENTS:-9800000}" --seed 1 >/dev/null 2>&1
    echo "demo city of ${BENCH_RESIDENTS:-9800000} residents made in $(echo "$(date +%s.%N) - $start" | bc) s"
fi
./jiceng migrate --db "$db" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
./jiceng serve --db "$db" --listen 127.0.0.1:$port --login-rate 1000 > "$work/serve.log" 2>&1 &
echo $! > "$work/jiceng.pid"
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
cookie=$(curl -s -c - -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$JICENG_ADMIN_PASSWORD\"}" "http://127.0.0.1:$port/api/v1/auth/login" |
    awk '/jiceng_session/ {print $7}')
csrf=$(curl -s -b "jiceng_session=$cookie" "http://127.0.0.1:$port/api/v1/auth/me" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("csrf_token", ""))')
residents=$(sqlite3 "$db" "SELECT COUNT(*) FROM person")
echo "## the city: $residents residents"
echo
echo "| plan | units | leaves | records read per source | computed in (ms, the run's own) | POST answered in (s) |"
echo "| --- | --- | --- | --- | --- | --- |"
total=0
for plan in $(sqlite3 "$db" "SELECT id FROM assess_plan WHERE org_id = 1 ORDER BY id"); do
    cls=$(sqlite3 "$db" "SELECT class FROM assess_plan WHERE id = $plan")
    leaves=$(sqlite3 "$db" "SELECT COUNT(*) FROM assess_indicator WHERE plan_id = $plan AND method IS NOT NULL")
    out=$(curl -s -w '\n%{http_code} %{time_total}' -b "jiceng_session=$cookie" -H "X-CSRF-Token: $csrf" \
        -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/api/v1/assessment-plans/$plan/runs")
    status=$(tail -1 <<<"$out" | cut -d' ' -f1)
    secs=$(tail -1 <<<"$out" | cut -d' ' -f2)
    [ "$status" = 201 ] || { echo "POST runs of plan $plan: $status $(head -1 <<<"$out")" >&2; exit 1; }
    read -r units ms < <(head -1 <<<"$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["unit_count"], r["ms"])')
    echo "| $cls | $units | $leaves | one grouped query | $ms | $secs |"
    total=$(echo "$total + $secs" | bc)
done
echo "| **the whole city** | | | | | **$total** |"
echo
# The ranking page: the plan with the most units, its latest run, by rank, 50 a page.
run=$(sqlite3 "$db" "SELECT r.id FROM assess_run r JOIN assess_result s ON s.run_id = r.id GROUP BY r.id
                      ORDER BY COUNT(*) DESC, r.id DESC LIMIT 1")
units=$(sqlite3 "$db" "SELECT COUNT(*) FROM assess_result WHERE run_id = $run")
bench() { # label url
    wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "Cookie: jiceng_session=$cookie" "$2" > "$work/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
    echo "| $1 | $rps | $p99 | ${non2xx:-0} |"
}
echo "## HTTP on loopback: wrk -t2 -c$CONNS -d${DUR}s (2 cores shared by client and server)"
echo
echo "| what | requests/s | p99 | non-2xx |"
echo "| --- | --- | --- | --- |"
bench "GET /healthz" "http://127.0.0.1:$port/healthz"
bench "GET the ranking ($units units), sort=rank, 50 a page" \
    "http://127.0.0.1:$port/api/v1/assessment-runs/$run/results?sort=rank&limit=50"
bench "GET the ranking by total, falling, within org=1" \
    "http://127.0.0.1:$port/api/v1/assessment-runs/$run/results?sort=-total&limit=50&org=1"
