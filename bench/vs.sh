#!/usr/bin/env bash
# Old and new binary alternated on the same city (called by bench/run.sh with
# BENCH_VS=OLD_BINARY): each round serves the city with one, then the other, and
# measures the city dashboard, a residents page and durable case intake; the
# ratio new/old of each round, and their median, are what to quote (the machine
# is noisy: only measurements taken side by side are compared).
#   bash bench/vs.sh WORKDIR DB OLD_BINARY OUT
set -euo pipefail
work=$1 db=$2 old=$3 out=$4
new=./jiceng
ROUNDS=${BENCH_ROUNDS:-5}
DUR=${BENCH_SECONDS:-10}
CONNS=64
port=$((20000 + RANDOM % 20000))
grid=$(sqlite3 "$db" "SELECT org_id FROM person GROUP BY org_id ORDER BY COUNT(*) DESC LIMIT 1")
grid=$(sqlite3 "$db" "SELECT parent_id FROM org WHERE id = $grid")
comm=$(sqlite3 "$db" "SELECT id FROM org WHERE code = '340104006006'")

start() { # binary port pidfile logfile: serve the city, print a Bearer token's header
    "$1" serve --db "$db" --listen 127.0.0.1:$2 --login-rate 1000 > "$4" 2>&1 &
    echo $! > "$3"
    for _ in $(seq 100); do grep -q 'listening on' "$4" && break; sleep 0.1; done
    local cookie csrf token
    cookie=$(curl -s -c - -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$JICENG_ADMIN_PASSWORD\"}" "http://127.0.0.1:$2/api/v1/auth/login" |
        awk '/jiceng_session/ {print $7}')
    csrf=$(curl -s -b "jiceng_session=$cookie" "http://127.0.0.1:$2/api/v1/auth/me" | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
    token=$(curl -s -b "jiceng_session=$cookie" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
        -d '{"name":"bench"}' "http://127.0.0.1:$2/api/v1/auth/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
    echo "Authorization: Bearer $token"
}

rps() { # auth url [script]: requests per second, all answers 2xx or the run fails
    wrk -t2 -c$CONNS -d${DUR}s ${3:+-s "$3"} -H "$1" "$2" > "$work/wrk.txt"
    if grep -q 'Non-2xx' "$work/wrk.txt"; then cat "$work/wrk.txt" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' "$work/wrk.txt"
}

cat > "$work/intake.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"category":"other","title":"压测案件","description":"bench","org_id":$comm,"source":"hotline"}'
LUA

names=("GET /api/v1/orgs/1/stats (city dashboard)" "GET /api/v1/persons?org=<grid>&limit=50 (residents page)"
       "POST /api/v1/cases (durable intake)")
# Both servers run side by side on the same file (one idle while the other is
# measured): each measurement of one is followed by the same of the other, the
# order swapped every round, so drift and order cancel out.
declare -A r auth
auth[old]=$(start "$old" "$port" "$work/old.pid" "$work/old.log")
auth[new]=$(start "$new" "$((port + 1))" "$work/new.pid" "$work/new.log")
declare -A portof=([old]=$port [new]=$((port + 1)))
trap 'kill $(cat "$work"/old.pid "$work"/new.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
urls=("/api/v1/orgs/1/stats" "/api/v1/persons?org=$grid&limit=50" "/api/v1/cases")
scripts=("" "" "$work/intake.lua")
for round in $(seq "$ROUNDS"); do
    order="old new"
    [ $((round % 2)) = 0 ] && order="new old"
    for i in 0 1 2; do
        for which in $order; do
            r[$which,$i,$round]=$(rps "${auth[$which]}" "http://127.0.0.1:${portof[$which]}${urls[$i]}" "${scripts[$i]}")
        done
    done
done
{
    echo
    echo "## Old and new binary alternated, SQLite, wrk -t2 -c$CONNS -d${DUR}s, $ROUNDS rounds (old: $old)"
    echo
    echo "| what | old requests/s by round | new requests/s by round | new/old by round | median new/old |"
    echo "| --- | --- | --- | --- | --- |"
    for i in 0 1 2; do
        olds="" news="" ratios=""
        for round in $(seq "$ROUNDS"); do
            o=${r[old,$i,$round]} n=${r[new,$i,$round]}
            olds="$olds $o" news="$news $n"
            ratios="$ratios $(awk -v o="$o" -v n="$n" 'BEGIN {printf "%.3f", n / o}')"
        done
        median=$(echo $ratios | tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
        echo "| ${names[$i]} |$olds |$news |$ratios | $median |"
    done
} | tee -a "$out"
echo "Written to $out"
