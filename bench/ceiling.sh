# Sourced by the bench scripts that measure an answer against nginx serving the same bytes
# (figures.sh, map.sh, claims.sh, run.sh). Needs $work (a folder nginx may read), $CONNS and
# $DUR. A script may define its own bench() after sourcing this (run.sh tees its rows to
# its log): nginx_bench and ceiling call whichever bench() is defined.

# One row of wrk at $CONNS connections for $DUR s: name url [header] [lua script]; sets last_rps.
bench() {
    wrk -t2 -c$CONNS -d${DUR}s --latency ${4:+-s "$4"} ${3:+-H "$3"} "$2" > "$work/wrk.txt"
    local p99 non2xx
    last_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
    echo "| $1 | $last_rps | $p99 | ${non2xx:-0} |"
}

# a / b with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# nginx (2 workers) serving $work/www/FILE on 127.0.0.1:PORT, measured by bench under
# LABEL: file port label; sets last_rps.
nginx_bench() {
    cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
    access_log off;
    server { listen 127.0.0.1:$2; root $work/www; location / { default_type application/json; } }
}
NGINX
    nginx -c "$work/nginx.conf"
    bench "$3" "http://127.0.0.1:$2/$1"
    kill "$(cat "$work/nginx.pid")"; rm -f "$work/nginx.pid"
}

# The ceiling: nginx (2 workers) serving $work/www/FILE on 127.0.0.1:PORT, measured by
# bench; then the row "label / nginx" with the ratio of RPS to it: file port label rps.
ceiling() {
    nginx_bench "$1" "$2" "nginx: static file, the same bytes"
    echo "| $3 / nginx | $(ratio "$4" "$last_rps") | | |"
}
