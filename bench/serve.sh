# Sourced by bench scripts: serve_start BIN DB [ARGS...] starts `BIN serve` on DB on a free
# loopback port ($port), its pid in $work/serve.pid, its stdout and stderr in
# $work/serve.out and $work/serve.err, and returns once it listens (or fails if it exits).
serve_start() {
    local bin=$1 db=$2; shift 2
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$bin" serve --db "$db" --listen "127.0.0.1:$port" "$@" > "$work/serve.out" 2> "$work/serve.err" &
    echo $! > "$work/serve.pid"
    until grep -qs "listening on" "$work/serve.out"; do
        kill -0 "$(cat "$work/serve.pid")" 2>/dev/null || { cat "$work/serve.err"; return 1; }
        sleep 0.1
    done
}
