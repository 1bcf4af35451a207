#!/usr/bin/env bash
# The casework indicators at the city root over N cases (default 200,000) spread
# over a year: GET /orgs/{root}/casework for 12 months, the same with children=1,
# and a 12-month trend, each asked RUNS times one after another on loopback, with
# the binary BEFORE (a path, optional: an older build to compare) and ./jiceng.
#   BENCH_CASES=200000 BEFORE=/path/to/old/jiceng bash bench/casework.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_CASES:-200000}
RUNS=${BENCH_RUNS:-7}
make -s jiceng
work=$(mktemp -d /tmp/jiceng-cwbench-XXXXXX)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
first=${BEFORE:-./jiceng}
"$first" init --db "$work/a.db" >/dev/null
"$first" import-divisions --db "$work/a.db" data/divisions/hefei.csv >/dev/null
"$first" demo --db "$work/a.db" --residents 20000 --seed 1 >/dev/null
/usr/bin/python3 bench/casework_cases.py "$work/a.db" "$N"
cp "$work/a.db" "$work/b.db"
cp "$work/a.db.key" "$work/b.db.key"

to=$(TZ=Asia/Shanghai date -d tomorrow +%F)T00:00:00+08:00
from=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date -d tomorrow +%F) -12 months" +%F)T00:00:00+08:00

measure() { # binary db label
    local port=$((20000 + RANDOM % 20000)) base csrf token root
    /usr/bin/time -f '%e' -o "$work/migrate.txt" "$1" migrate --db "$2" >/dev/null
    "$1" serve --db "$2" --listen 127.0.0.1:$port > "$work/serve.log" 2>&1 &
    echo $! > "$work/jiceng.pid"
    for _ in $(seq 300); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
    base=http://127.0.0.1:$port/api/v1
    csrf=$(curl -s -c "$work/c.txt" -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$JICENG_ADMIN_PASSWORD\"}" "$base/auth/login" |
        sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
    token=$(curl -s -b "$work/c.txt" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
        -d '{"name":"bench"}' "$base/auth/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
    root=$(sqlite3 "$2" "SELECT id FROM org WHERE parent_id IS NULL")
    echo "### $3 (jiceng migrate: $(cat "$work/migrate.txt") s)"
    for spec in "casework|" "casework|children=1" "casework/trend|bucket=month" "casework/trend|bucket=week"; do
        local path=${spec%%|*} extra=${spec#*|} times=()
        for _ in $(seq "$RUNS"); do
            times+=("$(curl -s -o "$work/body.json" -w '%{time_total}' -G -H "Authorization: Bearer $token" \
                --data-urlencode "from=$from" --data-urlencode "to=$to" ${extra:+--data-urlencode "$extra"} \
                "$base/orgs/$root/$path")")
        done
        printf -- '- `GET /orgs/%s/%s?from=%s&to=%s%s`: median %s s of %s (min %s, max %s); %s B\n' "$root" "$path" \
            "$from" "$to" "${extra:+&$extra}" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" \
            "$RUNS" "$(printf '%s\n' "${times[@]}" | sort -n | head -1)" "$(printf '%s\n' "${times[@]}" | sort -n | tail -1)" \
            "$(wc -c < "$work/body.json")"
        cp "$work/body.json" "$work/$(basename "$2").$(echo "$path$extra" | tr '/=' '__').json"
    done
    kill "$(cat "$work/jiceng.pid")"; wait "$(cat "$work/jiceng.pid")" 2>/dev/null || true
    rm -f "$work/jiceng.pid"
}
[ -n "${BEFORE:-}" ] && measure "$BEFORE" "$work/a.db" "before: $BEFORE"
measure ./jiceng "$work/b.db" "after: ./jiceng"
# The same answers before and after (children=1 is new).
if [ -n "${BEFORE:-}" ]; then
    for f in "$work"/a.db.*.json; do
        case $f in *children*) continue ;; esac
        cmp -s "$f" "${f/a.db/b.db}" && echo "- same answer before and after: $(basename "${f#*a.db.}")" ||
            echo "- DIFFERENT answer: $(basename "$f")"
    done
fi
