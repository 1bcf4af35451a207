#!/usr/bin/env bash
# 数说基层 at city scale (issue 17, Performance), on loopback only:
# - `jiceng figures verify` on the full demo city: recomputes every kept yearly figure from the
#   records and must agree, in under 60 s;
# - GET /api/v1/orgs/{city}/figures (kept figures, not recounts) at 64 connections beside nginx
#   serving the same bytes in the same run: p99 < 10 ms and the ratio >= 0.5.
#   bash bench/figures.sh                       # a new 9,800,000-resident demo city
#   BENCH_RESIDENTS=N BENCH_SECONDS=S bash bench/figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RES=${BENCH_RESIDENTS:-9800000}
DUR=${BENCH_SECONDS:-10}
CONNS=64
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "bench needs wrk and nginx: apt-get install wrk nginx-light" >&2; exit 1; }
make -s jiceng
work=$(mktemp -d /tmp/jiceng-figures-XXXXXX)
chmod 755 "$work"   # nginx workers read the static file as www-data
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
db=$work/city.db
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
./jiceng init --db "$db" >/dev/null
./jiceng import-divisions --db "$db" data/divisions/hefei.csv >/dev/null
start=$(date +%s.%N)
./jiceng demo --db "$db" --residents "$RES" --seed 1 >/dev/null 2>&1
demo_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM year_figure")
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/verify.mem" ./jiceng figures verify --db "$db" > "$work/verify.txt"
verify_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
echo "| jiceng demo --residents $RES | ${demo_s} s | |"
echo "| jiceng figures verify ($rows kept rows): $(cat "$work/verify.txt") | ${verify_s} s | $(( $(cat "$work/verify.mem") / 1024 )) MiB |"

port=$((20000 + RANDOM % 20000))
nport=$((port + 1))
./jiceng serve --db "$db" --listen 127.0.0.1:$port > "$work/serve.log" 2>&1 &
echo $! > "$work/jiceng.pid"
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
token=$(python3 bench/claims.py tokens $port "$JICENG_ADMIN_PASSWORD" admin | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
url="http://127.0.0.1:$port/api/v1/orgs/1/figures"
mkdir -p "$work/www"
curl -sf -H "Authorization: Bearer $token" "$url" > "$work/www/figures.json"
bytes=$(wc -c < "$work/www/figures.json")

. bench/ceiling.sh
echo
echo "| at $CONNS connections, ${DUR} s, $bytes bytes | requests/s | p99 | non-2xx |"
echo "| --- | --- | --- | --- |"
bench "GET /api/v1/orgs/{city}/figures" "$url" "Authorization: Bearer $token"
figures=$last_rps
ceiling figures.json "$nport" "the figures" "$figures"
