#!/usr/bin/env bash
# The map (issue 18, Performance), on loopback only: GET /api/v1/orgs/{city}/map at 64
# connections beside nginx serving the same bytes in the same run (target: the ratio
# >= 0.5), the answer's size for the city, a district and a street, and the time to draw
# the street's map in chromium (target: under 1 s; bench/map_draw.mjs).
#   bash bench/map.sh                          # a 100,000-resident demo city
#   BENCH_RESIDENTS=N BENCH_SECONDS=S bash bench/map.sh
# The map's data do not grow with residents: outlines, buildings and at most 500 open
# cases a node, so a small city measures the same answer as the full one.
set -euo pipefail
cd "$(dirname "$0")/.."
RES=${BENCH_RESIDENTS:-100000}
DUR=${BENCH_SECONDS:-10}
CONNS=64
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    echo "bench needs wrk and nginx: apt-get install wrk nginx-light" >&2; exit 1; }
make -s jiceng
work=$(mktemp -d /tmp/jiceng-map-XXXXXX)
chmod 755 "$work"   # nginx workers read the static file as www-data
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
db=$work/city.db
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
./jiceng init --db "$db" >/dev/null
./jiceng import-divisions --db "$db" data/divisions/hefei.csv >/dev/null
./jiceng demo --db "$db" --residents "$RES" --seed 1 >/dev/null 2>&1

port=$((20000 + RANDOM % 20000))
nport=$((port + 1))
./jiceng serve --db "$db" --listen 127.0.0.1:$port > "$work/serve.log" 2>&1 &
echo $! > "$work/jiceng.pid"
for _ in $(seq 100); do grep -qs 'listening on' "$work/serve.log" && break; sleep 0.1; done
token=$(python3 bench/claims.py tokens $port "$JICENG_ADMIN_PASSWORD" admin | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
auth="Authorization: Bearer $token"
district=$(sqlite3 "$db" "SELECT id FROM org WHERE level = 'district' ORDER BY id LIMIT 1")
street=$(sqlite3 "$db" "SELECT s.id FROM org s JOIN org g ON g.path LIKE s.path || '%' AND g.level = 'grid'
                        WHERE s.level = 'street' GROUP BY s.id ORDER BY COUNT(*) DESC LIMIT 1")
echo "| node | bytes | children with an outline | grids | buildings | open cases | truncated |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for node in 1 "$district" "$street"; do
    curl -sf -H "$auth" "http://127.0.0.1:$port/api/v1/orgs/$node/map" > "$work/map-$node.json"
    python3 - "$work/map-$node.json" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
print(f"| {m['org']['level']} {m['org']['id']} | {os.path.getsize(sys.argv[1])} |"
      f" {sum(1 for c in m['children'] if c['geometry'])} of {len(m['children'])} | {len(m['grids'])} |"
      f" {len(m['buildings'])} | {len(m['cases'] or [])} | {m['truncated']} |")
PY
done
url="http://127.0.0.1:$port/api/v1/orgs/1/map"
mkdir -p "$work/www"
cp "$work/map-1.json" "$work/www/map.json"
bytes=$(wc -c < "$work/www/map.json")

. bench/ceiling.sh
echo
echo "| at $CONNS connections, ${DUR} s, $bytes bytes | requests/s | p99 | non-2xx |"
echo "| --- | --- | --- | --- |"
bench "GET /api/v1/orgs/{city}/map" "$url" "$auth"
mapped=$last_rps
ceiling map.json "$nport" "the map" "$mapped"
# The street's map drawn in a browser (needs web/dist and chromium).
if [ -f web/dist/index.html ] && [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo
    echo "the street's map drawn: $(node bench/map_draw.mjs "http://127.0.0.1:$port" "$street" "$JICENG_ADMIN_PASSWORD" 5)"
fi
