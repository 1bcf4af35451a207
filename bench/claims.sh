#!/usr/bin/env bash
# Service posts and 微心愿 under load (issue 16, Performance), on loopback only, on SQLite and
# on PostgreSQL 15 (the same city, copied there by copy-data before anything runs):
# - 64 connections making 10,000 claim attempts on 10 posts of capacity 5 and 100 published
#   wishes (each attempt a random one of 64 members and a random post or wish): exactly 50 post
#   claims and 100 wish claims must succeed (bench/claims.py counts the answers, the database
#   is read after);
# - claim attempts (wrk, 64 connections, each request the next member and target) beside
#   durable case intake in the same run: the ratio (target >= 0.8);
# - the public wish board's first page of a community beside nginx serving the same bytes
#   (target >= 0.5).
#   bash bench/claims.sh                          # a new 600,000-resident demo city
#   BENCH_RESIDENTS=N BENCH_SECONDS=S bash bench/claims.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RES=${BENCH_RESIDENTS:-600000}
DUR=${BENCH_SECONDS:-10}
CONNS=64
command -v wrk >/dev/null && command -v nginx >/dev/null && [ -x /usr/lib/postgresql/15/bin/initdb ] || {
    echo "bench needs wrk, nginx and PostgreSQL 15: apt-get install wrk nginx-light postgresql-15" >&2; exit 1; }
make -s jiceng
work=$(mktemp -d /tmp/jiceng-claims-XXXXXX)
chmod 755 "$work"   # nginx workers read the static file as www-data
pgbin=/usr/lib/postgresql/15/bin
pgdir=$work/pg
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
db=$work/city.db
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
./jiceng init --db "$db" >/dev/null
./jiceng import-divisions --db "$db" data/divisions/hefei.csv >/dev/null
./jiceng demo --db "$db" --residents "$RES" --seed 1 >/dev/null 2>&1
member_password='Bench-Member-Passw0rd!'
JICENG_PASSWORD=$member_password ./jiceng user add --db "$db" bench_m --name 压测党员 --org 1 --role party_member > /dev/null
served_on=$(date -u -d '+30 days' +%F)
read -r comm code posts wishes _ < <(python3 bench/claims.py setup "$db" bench_m "$served_on" "$(date +%s)")
users=$(sqlite3 "$db" "SELECT group_concat(username, ' ') FROM app_user WHERE username LIKE 'bench_m%'")

# The same city on PostgreSQL 15 (a cluster of our own on loopback, fsync on).
port=$((20000 + RANDOM % 20000))
pport=$((port + 2))
mkdir -p "$pgdir" && chown postgres "$pgdir"
runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres --encoding=UTF8 --locale=C > /dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $pport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=100 -c synchronous_commit=on -c fsync=on -c shared_buffers=256MB" start > /dev/null
psql -h 127.0.0.1 -p "$pport" -U postgres -q -c "CREATE DATABASE jiceng"
pgurl=postgresql://postgres@127.0.0.1:$pport/jiceng
export JICENG_KEY_FILE=$work/pg.key
./jiceng copy-data --from "sqlite:$db" --to "$pgurl" > "$work/copy.log"
# The members' accounts become their persons' on both (copy-data copies app_user before person, so a
# person_id there fails its foreign key on PostgreSQL: set after the copy).
sqlite3 "$db" < "$db.persons.sql"
psql -h 127.0.0.1 -p "$pport" -U postgres -d jiceng -q -f "$db.persons.sql"

start_server() { # database
    ./jiceng serve --db "$1" --listen 127.0.0.1:$port --login-rate 1000 > "$work/serve.log" 2>&1 &
    echo $! > "$work/jiceng.pid"
    for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
    # shellcheck disable=SC2086
    python3 bench/claims.py tokens $port "$member_password" $users > "$work/tokens.json"
    admin=$(python3 bench/claims.py tokens $port "$JICENG_ADMIN_PASSWORD" admin | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
}
stop_server() {
    kill "$(cat "$work/jiceng.pid")"
    wait "$(cat "$work/jiceng.pid")" 2>/dev/null || true
    rm -f "$work/jiceng.pid"
}
. bench/ceiling.sh

cat > "$work/intake.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"category":"other","title":"压测案件","description":"bench","org_id":$comm,"source":"hotline"}'
LUA
claims_lua() { # each request: the next member's token, the next post or wish
    python3 - "$work/tokens.json" "$posts" "$wishes" > "$work/claims.lua" <<'PY'
import json, sys
toks = json.load(open(sys.argv[1]))
print("local toks = {" + ",".join('"%s"' % t for t in toks) + "}")
print("local targets = {" + ",".join('"/api/v1/service-posts/%s/claims"' % p for p in sys.argv[2].split(",")) + ","
      + ",".join('"/api/v1/wishes/%s/claims"' % w for w in sys.argv[3].split(",")) + "}")
print("""local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
request = function()
    local i = tid + 2 * n
    n = n + 1
    return wrk.format("POST", targets[i % #targets + 1], {["Authorization"] = "Bearer " .. toks[i % #toks + 1]})
end""")
PY
}

echo "## Service posts and 微心愿 ($RES residents; community $code: 10 posts of 5 places, 100 published wishes, 64 members)"
echo
echo "| what (wrk -t2 -c$CONNS -d${DUR}s unless said) | requests/s | p99 | non-2xx |"
echo "| --- | --- | --- | --- |"
for backend in sqlite postgres; do
    if [ $backend = sqlite ]; then start_server "$db"; else start_server "$pgurl"; fi
    # The board first (its wishes are all published still).
    mkdir -p "$work/www"
    curl -s "http://127.0.0.1:$port/api/v1/public/wishes?code=$code" > "$work/www/board.json"
    bench "$backend: GET /api/v1/public/wishes?code=<community> (first page, $(stat -c %s "$work/www/board.json") B)" \
        "http://127.0.0.1:$port/api/v1/public/wishes?code=$code"
    board=$last_rps
    ceiling board.json $((port + 1)) "$backend: the board" "$board"
    # 10,000 attempts from 64 threads: exactly 50 post claims and 100 wish claims.
    python3 bench/claims.py attempts $port "$work/tokens.json" "$posts" "$wishes" 10000 $CONNS > "$work/attempts.json"
    read -r won_p won_w aps < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["post_claims"], r["wish_claims"], r["attempts_per_s"])' "$work/attempts.json")
    if [ $backend = sqlite ]; then
        stored=$(sqlite3 "$db" "SELECT (SELECT SUM(claimed) FROM service_post WHERE id IN ($posts)) || ' ' ||
            (SELECT COUNT(*) FROM post_claim WHERE post_id IN ($posts) AND state = 'claimed') || ' ' ||
            (SELECT COUNT(*) FROM wish_claim WHERE wish_id IN ($wishes) AND state = 'live')")
    else
        stored=$(psql -h 127.0.0.1 -p "$pport" -U postgres -d jiceng -Atq -c "SELECT (SELECT SUM(claimed) FROM service_post WHERE id IN ($posts)) || ' ' ||
            (SELECT COUNT(*) FROM post_claim WHERE post_id IN ($posts) AND state = 'claimed') || ' ' ||
            (SELECT COUNT(*) FROM wish_claim WHERE wish_id IN ($wishes) AND state = 'live')")
    fi
    verdict=$([ "$won_p $won_w" = "50 100" ] && [ "$stored" = "50 50 100" ] && echo exact || echo WRONG)
    echo "| $backend: 10,000 claim attempts, 64 threads (bench/claims.py): post claims won / wish claims won / stored (claimed, post claims, live wish claims) | $won_p / $won_w / $stored: **$verdict** ($aps attempts/s) | | $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["answers"])' "$work/attempts.json") |"
    bench "$backend: POST /api/v1/cases, each answered after its commit is durable" \
        "http://127.0.0.1:$port/api/v1/cases" "Authorization: Bearer $admin" "$work/intake.lua"
    intake=$last_rps
    claims_lua
    bench "$backend: POST claims (posts and wishes in turn, 64 members in turn; all taken by now: refused inside the write)" \
        "http://127.0.0.1:$port/api/v1/wishes" "" "$work/claims.lua"
    echo "| $backend: claim attempts / case intake | $(ratio "$last_rps" "$intake") | | |"
    stop_server
done
