#!/usr/bin/env bash
# Benchmarks of jiceng against ceilings measured in the same run, on loopback only,
# on SQLite and on PostgreSQL 15 (the same city, moved there by copy-data).
#   bash bench/run.sh               # 300,000 residents (a few minutes)
#   BENCH_RESIDENTS=9800000 bash bench/run.sh   # the full city
#   BENCH_ONLY=intake bash bench/run.sh         # only durable case intake and its ceilings
#   BENCH_ONLY=imports bash bench/run.sh        # only imports' memory and the loop's latency (bench/imports.sh)
#   BENCH_GENERATION_ONLY=1         # stop after the generation figures
#   BENCH_CEILING_RESIDENTS=N       # the sqlite3-shell ceiling on N rows (default: all, at most 1,000,000)
#   BENCH_VS=/path/to/old/jiceng bash bench/run.sh   # old and new binary alternated on the same city
#                                   # (dashboard, residents page, durable intake; BENCH_ROUNDS rounds, default 3)
# Writes bench/results/latest.md; copy the figures into bench/RESULTS.md with the command.
set -euo pipefail
cd "$(dirname "$0")/.."
RES=${BENCH_RESIDENTS:-300000}
DUR=${BENCH_SECONDS:-10}
ONLY=${BENCH_ONLY:-}
[ -n "${BENCH_VS:-}" ] && ONLY=intake # the city only: no ceilings of generation
CONNS=64
command -v wrk >/dev/null && command -v nginx >/dev/null && [ -x /usr/lib/postgresql/15/bin/initdb ] || {
    echo "bench needs wrk, nginx and PostgreSQL 15: apt-get install wrk nginx-light postgresql-15" >&2; exit 1; }
make -s jiceng
[ "$ONLY" = imports ] && exec bash bench/imports.sh
work=$(mktemp -d /tmp/jiceng-bench-XXXXXX)
chmod 755 "$work"   # nginx workers read the static file as www-data
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
out=bench/results/latest.md
mkdir -p bench/results
db=$work/bench.db
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
./jiceng init --db "$db" >/dev/null
./jiceng import-divisions --db "$db" data/divisions/hefei.csv >/dev/null

echo "## Generation ($RES residents)" | tee "$out"
/usr/bin/time -f '%e s, peak RSS %M KiB' -o "$work/time.txt" ./jiceng demo --db "$db" --residents "$RES" --seed 1
gen=$(cat "$work/time.txt")
if [ "$ONLY" != intake ]; then
# Ceiling: the sqlite3 shell inserting the same person rows from a prepared file into
# the same table (with its indexes), on at most CEIL rows (it is slow), scaled to all.
CEIL=${BENCH_CEILING_RESIDENTS:-$((RES < 1000000 ? RES : 1000000))}
sqlite3 "$db" ".schema person" > "$work/ceil.sql"
{ echo "BEGIN;"; sqlite3 "$db" ".mode insert person" "SELECT * FROM person WHERE id <= $CEIL"; echo "COMMIT;"; } > "$work/rows.sql"
sqlite3 "$work/ceil.db" < "$work/ceil.sql"
/usr/bin/time -f '%e s, peak RSS %M KiB' -o "$work/ceil.txt" sqlite3 "$work/ceil.db" < "$work/rows.sql"
rm -f "$work/rows.sql" "$work/ceil.db"
ceil_s=$(awk '{print $1}' "$work/ceil.txt")
# Floors: SQLite alone writing all the person rows into a table of the same width, with
# no indexes, then with only the uniqueness of the ID hash (the column's UNIQUE
# constraint before schema 007, the unique index person_id_card_hash since).
# INSERT ... SELECT * into an empty table of the same shape takes SQLite's transfer
# path: records copied as they are, the unique index copied in its own order; the
# least SQLite can spend writing this data to this disk.
sed -e '/^CREATE INDEX/d' -e '/^CREATE UNIQUE INDEX/d' -e 's/ UNIQUE,/,/' "$work/ceil.sql" > "$work/floor.sql"
floor() { # name schema-file
    sqlite3 "$work/floor.db" < "$2"
    /usr/bin/time -f '%e s' -o "$work/floor.txt" sqlite3 "$work/floor.db" \
        "ATTACH '$db' AS src" "BEGIN" "INSERT INTO main.person SELECT * FROM src.person" "COMMIT"
    echo "- floor, SQLite alone copying the $RES person rows ($1; transfer path): $(cat "$work/floor.txt")" | tee -a "$out"
    rm -f "$work/floor.db"
}
echo "- jiceng demo (everything: orgs, households, residents encrypted, tags, members, figures, indexes): $gen" | tee -a "$out"
echo "- ceiling, sqlite3 shell inserting $CEIL of the same person rows (with the table's indexes): $(cat "$work/ceil.txt"); scaled to $RES: $(awk -v s="$ceil_s" -v n="$CEIL" -v r="$RES" 'BEGIN {printf "%.0f s", s * r / n}')" | tee -a "$out"
floor "no indexes" "$work/floor.sql"
sed -e '/^CREATE INDEX/d' "$work/ceil.sql" > "$work/floor_unique.sql"
floor "only the UNIQUE ID hash" "$work/floor_unique.sql"
else
echo "- jiceng demo (everything: orgs, households, residents encrypted, tags, members, figures, indexes): $gen" | tee -a "$out"
fi
if [ -n "${BENCH_VS:-}" ]; then
    exec bash bench/vs.sh "$work" "$db" "$BENCH_VS" "$out"
fi
if [ -n "${BENCH_GENERATION_ONLY:-}" ]; then
    echo; echo "Written to $out"; exit 0
fi

# notices (调度通报): what the read measurement marks, one receipt per request: BENCH_NOTICES
# notices from a street to one of its communities alone (one receipt each), written here
# by SQL so that both backends hold them, and a staff account at that community.
ncomm=$(sqlite3 "$db" "SELECT id FROM org WHERE code = '340104006006'")
nstreet=$(sqlite3 "$db" "SELECT parent_id FROM org WHERE id = $ncomm")
NOTICES=${BENCH_NOTICES:-400000}
sqlite3 "$db" "BEGIN; WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $NOTICES)
    INSERT INTO notice (org_id, kind, title, body, target_org_id, levels, recipients, created_at, updated_at)
    SELECT $nstreet, 'work_tip', '压测通知', 'bench', $ncomm, 'community', 1, 1790000000, 1790000000 FROM k;
    INSERT INTO notice_receipt (notice_id, org_id, delivered_at)
    SELECT id, $ncomm, 1790000000 FROM notice WHERE title = '压测通知'; COMMIT;"
nfirst=$(sqlite3 "$db" "SELECT MIN(id) FROM notice WHERE title = '压测通知'")
ncom_password='Bench-Community-Passw0rd!'
JICENG_PASSWORD=$ncom_password ./jiceng user add --db "$db" bench_community --name 压测社区 --org "$ncomm" --role org_staff > /dev/null

# The same city on PostgreSQL 15 (a cluster of our own on loopback, fsync on), moved
# there by copy-data before anything is measured, so both backends serve the same rows.
port=$((20000 + RANDOM % 20000))
pgbin=/usr/lib/postgresql/15/bin
pgdir=$work/pg
pport=$((port + 2))
mkdir -p "$pgdir" && chown postgres "$pgdir"
runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres --encoding=UTF8 --locale=C > /dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $pport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=100 -c synchronous_commit=on -c fsync=on -c shared_buffers=256MB" start > /dev/null
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
psql -h 127.0.0.1 -p "$pport" -U postgres -q -c "CREATE DATABASE jiceng"
pgurl=postgresql://postgres@127.0.0.1:$pport/jiceng
export JICENG_KEY_FILE=$work/pg.key
/usr/bin/time -f '%e s, peak RSS %M KiB' -o "$work/copy.txt" ./jiceng copy-data --from "sqlite:$db" --to "$pgurl" > "$work/copy.log"
echo "- jiceng copy-data of the whole city from SQLite to PostgreSQL (COPY, then counts, digests and the audit chain compared): $(cat "$work/copy.txt")" | tee -a "$out"

grid=$(sqlite3 "$db" "SELECT org_id FROM person GROUP BY org_id ORDER BY COUNT(*) DESC LIMIT 1")
grid=$(sqlite3 "$db" "SELECT parent_id FROM org WHERE id = $grid")
comm=$(sqlite3 "$db" "SELECT id FROM org WHERE code = '340104006006'")

token_of() { # username password: an API token of that user
    local cookie csrf
    cookie=$(curl -s -c - -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" "http://127.0.0.1:$port/api/v1/auth/login" |
        awk '/jiceng_session/ {print $7}')
    csrf=$(curl -s -b "jiceng_session=$cookie" "http://127.0.0.1:$port/api/v1/auth/me" | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
    curl -s -b "jiceng_session=$cookie" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
        -d '{"name":"bench"}' "http://127.0.0.1:$port/api/v1/auth/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}

start_server() { # database
    ./jiceng serve --db "$1" --listen 127.0.0.1:$port --login-rate 1000 --vote-rate 1000000 > "$work/serve.log" 2>&1 &
    echo $! > "$work/jiceng.pid"
    for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
    auth="Authorization: Bearer $(token_of admin "$JICENG_ADMIN_PASSWORD")"
    nauth="Authorization: Bearer $(token_of bench_community "$ncom_password")"
}

stop_server() {
    kill "$(cat "$work/jiceng.pid")"
    wait "$(cat "$work/jiceng.pid")" 2>/dev/null || true
    rm -f "$work/jiceng.pid"
}

. bench/ceiling.sh  # nginx_bench; the bench() below replaces its own (rows teed to the log)
bench() { # name url [header] [script]
    wrk -t2 -c$CONNS -d${DUR}s --latency ${4:+-s "$4"} ${3:+-H "$3"} "$2" > "$work/wrk.txt"
    local rps p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
    echo "| $1 | $rps | $p99 | ${non2xx:-0} |" | tee -a "$out"
    last_rps=$rps
}

cat > "$work/intake.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"category":"other","title":"压测案件","description":"bench","org_id":$comm,"source":"hotline"}'
LUA
# Each request opens the next of the community's notices: one receipt marked read, durably.
cat > "$work/notice_read.lua" <<LUA
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
request = function()
    local id = $nfirst + tid + 2 * n
    n = n + 1
    return wrk.format("POST", "/api/v1/notices/" .. id .. "/read")
end
LUA
# ---- 述职评议: ballot intake ----
# A session at the community's district for its street secretaries (the demo's), 300
# delegates; each request is the next (delegate, reporter) ballot through the public route,
# durable, the token's uniqueness enforced (past the last pair, corrections: the same cost).
rdistrict=$(sqlite3 "$db" "SELECT parent_id FROM org WHERE id = $nstreet")
rcadres=$(sqlite3 "$db" "SELECT group_concat(c.id) FROM cadre c JOIN org o ON o.id = c.org_id
    WHERE c.post = '书记' AND o.parent_id = $rdistrict AND o.level = 'street'")
review_session() { # prints the Lua table of codes and reporters of a new open session
    local sid names
    sid=$(curl -s -H "$auth" -H 'Content-Type: application/json' -d "{\"org_id\":$rdistrict,\"year\":2026,\"held_on\":\"2026-12-20\",\"title\":\"压测述职评议\"}" \
        "http://127.0.0.1:$port/api/v1/review-sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    for c in ${rcadres//,/ }; do
        curl -s -o /dev/null -H "$auth" -H 'Content-Type: application/json' -d "{\"cadre_id\":$c}" \
            "http://127.0.0.1:$port/api/v1/review-sessions/$sid/reporters"
    done
    names=$(python3 -c 'import json; print(json.dumps({"names": [f"压测代表{i}" for i in range(300)]}))')
    curl -s -H "$auth" -H 'Content-Type: application/json' -d "$names" "http://127.0.0.1:$port/api/v1/review-sessions/$sid/delegates" > "$work/codes.json"
    curl -s -H "$auth" "http://127.0.0.1:$port/api/v1/review-sessions/$sid" > "$work/session.json"
    python3 - "$work/codes.json" "$work/session.json" <<'PY'
import json, sys
codes = [d["code"] for d in json.load(open(sys.argv[1]))["delegates"]]
reps = [r["id"] for r in json.load(open(sys.argv[2]))["reporter_list"]]
print("local codes = {" + ",".join('"%s"' % c for c in codes) + "}")
print("local reps = {" + ",".join(str(r) for r in reps) + "}")
PY
}
ballot_lua() {
    { review_session; cat <<'LUA'
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
local grades = {"good", "fairly_good", "average", "poor", "unknown"}
request = function()
    local i = tid + 2 * n
    n = n + 1
    local code = codes[i % #codes + 1]
    local rep = reps[math.floor(i / #codes) % #reps + 1]
    local body = '{"code":"' .. code .. '","reporter_id":' .. rep .. ',"grade":"' .. grades[i % 5 + 1] .. '"}'
    return wrk.format("POST", "/api/v1/public/review-ballots", {["Content-Type"] = "application/json"}, body)
end
LUA
    } > "$work/ballot.lua"
}
# ---- end 述职评议 ----
city=$(sqlite3 "$db" "SELECT id FROM org WHERE level = 'city'")
city_notice="{\"org_id\":$city,\"kind\":\"dispatch\",\"title\":\"压测全市通报\",\"body\":\"bench\",\"target_org_id\":$city,\"levels\":[\"district\",\"street\",\"community\"]}"
receipts=$(sqlite3 "$db" "SELECT COUNT(*) FROM org WHERE level IN ('district', 'street', 'community')")

{
    echo
    echo "## HTTP on loopback: wrk -t2 -c$CONNS -d${DUR}s (2 cores shared by client, server and PostgreSQL)"
    echo
    echo "| what | requests/s | p99 | non-2xx |"
    echo "| --- | --- | --- | --- |"
} | tee -a "$out"

if [ "$ONLY" != intake ]; then
# nginx serving a static file of the same bytes as the dashboard answer.
start_server "$db"
mkdir -p "$work/www"
curl -s -H "$auth" "http://127.0.0.1:$port/api/v1/orgs/1/stats" > "$work/www/stats.json"
nginx_bench stats.json $((port + 1)) "nginx: static file, same bytes as the city dashboard ($(stat -c %s "$work/www/stats.json") B)"
stop_server
fi

# The same three measurements on each backend, the server serving the same city.
for backend in sqlite postgres; do
    if [ $backend = sqlite ]; then start_server "$db"; else start_server "$pgurl"; fi
    if [ "$ONLY" != intake ]; then
        bench "$backend: GET /api/v1/orgs/1/stats (city dashboard)" "http://127.0.0.1:$port/api/v1/orgs/1/stats" "$auth"
        bench "$backend: GET /api/v1/persons?org=<grid>&limit=50 (residents page, masked)" \
            "http://127.0.0.1:$port/api/v1/persons?org=$grid&limit=50" "$auth"
    fi
    bench "$backend: POST /api/v1/cases, each answered after its commit is durable" \
        "http://127.0.0.1:$port/api/v1/cases" "$auth" "$work/intake.lua"
    intake_rps=$last_rps
    # notices (调度通报): receipts marked read beside case intake, and a notice to the whole city.
    bench "$backend: POST /api/v1/notices/{id}/read, a receipt marked read per request, durable" \
        "http://127.0.0.1:$port/api/v1/notices" "$nauth" "$work/notice_read.lua"
    echo "| $backend: receipts marked read / case intake | $(awk -v a="$last_rps" -v b="$intake_rps" 'BEGIN {printf "%.2f", a / b}') | | |" | tee -a "$out"
    ms=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "$auth" \
        -H 'Content-Type: application/json' -d "$city_notice" "http://127.0.0.1:$port/api/v1/notices"; done |
        awk '{print ($1 == 201 ? $2 * 1000 : 999999)}' | sort -n | awk '{v[NR] = $1} END {printf "median %.1f ms, max %.1f ms", v[3], v[5]}')
    echo "| $backend: POST /api/v1/notices to every district, street and community ($receipts receipts), 5 in a row | $ms | | |" | tee -a "$out"
    # ---- 述职评议: ballots beside case intake ----
    ballot_lua
    bench "$backend: POST /api/v1/public/review-ballots, a delegate's ballot per request, durable" \
        "http://127.0.0.1:$port/api/v1/public/review-ballots" "" "$work/ballot.lua"
    echo "| $backend: ballots / case intake | $(awk -v a="$last_rps" -v b="$intake_rps" 'BEGIN {printf "%.2f", a / b}') | | |" | tee -a "$out"
    # ---- end 述职评议 ----
    stop_server
done

# Ceilings of durable writes on this disk.
fsync_bin=$pgbin/pg_test_fsync
(cd "$work" && "$fsync_bin" -s 2 -f "$work/fsync.test" > "$work/fsync.txt" 2>&1) || true
rate=$(awk '/one 8kB write/ {f=1} f && $1 == "fdatasync" {print $2; exit}' "$work/fsync.txt")
echo "| ceiling: single fdatasync of 8 kB on this disk (pg_test_fsync) | ${rate:-?} | | |" | tee -a "$out"
psql -h 127.0.0.1 -p "$pport" -U postgres -q -c "CREATE TABLE casefile (id bigserial PRIMARY KEY, title text,
    description text, org_id bigint, state text, created_at bigint)"
echo "INSERT INTO casefile (title, description, org_id, state, created_at) VALUES ('压测案件', 'bench', $comm, 'reported', 0);" > "$work/pg.sql"
chmod 644 "$work/pg.sql"
tps=$(pgbench -h 127.0.0.1 -p "$pport" -U postgres -n -c $CONNS -j 2 -T "$DUR" -f "$work/pg.sql" postgres 2>/dev/null |
    awk '/^tps/ {print $3; exit}')
echo "| ceiling: PostgreSQL 15, one-row inserts through pgbench (-c $CONNS), fsync and synchronous_commit on | ${tps:-?} | | |" | tee -a "$out"

# The same rows: what one report stores (its casefile row, its case log row, its audit
# row), with the same columns and values, into jiceng's own tables of the copied city
# (every index and constraint of the schema), one transaction per case, at the same
# concurrency. The audit rows take ids from the table's identity, moved past the ids the
# server wrote itself.
cat_id=$(sqlite3 "$db" "SELECT id FROM case_category WHERE code = 'other'")
uid=$(sqlite3 "$db" "SELECT id FROM app_user WHERE username = 'admin'")
cpath=$(sqlite3 "$db" "SELECT path FROM org WHERE id = $comm")
psql -h 127.0.0.1 -p "$pport" -U postgres -q -d jiceng -c \
    "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT MAX(id) FROM audit_log))" > /dev/null
cat > "$work/pg_same.sql" <<SQL
BEGIN;
INSERT INTO casefile (tracking_code, category_id, source, title, description, org_id, outside_grid, reporter_id, state, stage_deadline, close_due_at, created_at, updated_at) VALUES ('C' || upper(substr(md5(random()::text), 1, 12)), $cat_id, 'hotline', '压测案件', 'bench', $comm, 0, $uid, 'reported', 1800000000, 1800600000, 1790000000, 1790000000);
INSERT INTO case_event (case_id, at, actor_id, actor_name, action, from_state, to_state) VALUES (currval(pg_get_serial_sequence('casefile', 'id')), 1790000000, $uid, 'admin', 'report', NULL, 'reported');
INSERT INTO audit_log (at, actor_id, actor_name, source, action, entity, entity_id, org_id, org_path, summary, prev_hash, hash) VALUES (1790000000, $uid, 'admin', 'api', 'case.reported', 'case', currval(pg_get_serial_sequence('casefile', 'id')), $comm, '$cpath', '{"tracking_code":"C0123456789AB","category":"other","source":"hotline"}', md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text));
END;
SQL
chmod 644 "$work/pg_same.sql"
pgbench -h 127.0.0.1 -p "$pport" -U postgres -n -c $CONNS -j 2 -T "$DUR" -f "$work/pg_same.sql" jiceng > "$work/pgbench_same.txt" 2>&1 || true
tps=$(awk '/^tps/ {print $3; exit}' "$work/pgbench_same.txt")
failed=$(awk '/number of failed transactions/ {print $5; exit}' "$work/pgbench_same.txt")
echo "| ceiling: PostgreSQL 15, the rows one report stores (casefile, case_event, audit_log in jiceng's schema, one transaction each) through pgbench (-c $CONNS), fsync and synchronous_commit on | ${tps:-?} | | ${failed:-?} failed |" | tee -a "$out"
echo
echo "Written to $out"
