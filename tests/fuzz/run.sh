#!/usr/bin/env bash
# Run the libFuzzer harnesses built in build/fuzz/ (see the Makefile's fuzzing block).
#
#   run.sh check TOTAL T...   every harness over its committed corpus (tests/fuzz/corpus/T),
#                             then new inputs for TOTAL seconds in all, split evenly, two
#                             harnesses at a time; fails on any crash, leak or sanitizer report.
#                             (New inputs go to build/fuzz/check/T, emptied first.)
#   run.sh fuzz SECONDS T...  each harness in turn for SECONDS (one core), new inputs kept
#                             in build/fuzz/work/T; the committed corpus is read, not written.
#   run.sh merge T...         minimise build/fuzz/work/T into the committed corpus (-merge=1).
#
# Each run prints one line per harness: executions, coverage (cov: edges, ft: features,
# from libFuzzer's last status line), seconds and the result; logs are in build/fuzz/log/.
# A crashing input is written to build/fuzz/artifacts/T/ (kept out of the repository
# until it is added to the corpus as crash-<what>).
set -uo pipefail
cd "$(dirname "$0")/../.."
mode=$1
shift
secs=0
if [ "$mode" != merge ]; then
    secs=$1
    shift
fi
targets=("$@")
mkdir -p build/fuzz/log

# One harness: run, then print its line and return its exit status.
one() {
    local t=$1 s=$2 log=build/fuzz/log/$mode-$1.log work=build/fuzz/work/$1
    if [ "$mode" = check ]; then # a fresh folder each time: the check reads only the committed corpus
        work=build/fuzz/check/$t
        rm -rf "$work"
    fi
    mkdir -p "$work" "build/fuzz/artifacts/$t" "tests/fuzz/corpus/$t"
    local dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    local start=$SECONDS
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "build/fuzz/$t" -max_total_time="$s" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048 \
        -max_len=65536 "${dict[@]}" -artifact_prefix="build/fuzz/artifacts/$t/" \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
    local rc=$?
    local execs cov ft
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$rc" = 0 ] && grep -q 'ERROR: [A-Za-z]*Sanitizer\|runtime error:\|ERROR: libFuzzer' "$log"; then
        rc=1
    fi
    printf '%-8s execs=%-10s cov=%-6s ft=%-6s seconds=%-5s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "$((SECONDS - start))" "$([ "$rc" = 0 ] && echo ok || echo "FAILED (exit $rc, see $log)")"
    [ "$rc" = 0 ]
}

# The whole run in one function, read before it starts: the script may change meanwhile.
main() {
    fail=0
    case $mode in
    check)
        # TOTAL seconds of new inputs in all, split evenly; two at a time on two cores.
        each=$(( secs / ${#targets[@]} ))
        [ "$each" -lt 1 ] && each=1
        for ((i = 0; i < ${#targets[@]}; i += 2)); do
            pids=()
            for t in "${targets[@]:i:2}"; do
                one "$t" "$each" &
                pids+=($!)
            done
            for p in "${pids[@]}"; do
                wait "$p" || fail=1
            done
        done
        ;;
    fuzz)
        for t in "${targets[@]}"; do
            one "$t" "$secs" || fail=1
        done
        ;;
    merge)
        for t in "${targets[@]}"; do
            mkdir -p "build/fuzz/work/$t" "tests/fuzz/corpus/$t"
            "build/fuzz/$t" -merge=1 "tests/fuzz/corpus/$t" "build/fuzz/work/$t" >"build/fuzz/log/$t.merge.log" 2>&1 ||
                fail=1
            echo "$t: $(ls "tests/fuzz/corpus/$t" | wc -l) inputs, $(du -sk "tests/fuzz/corpus/$t" | cut -f1) KiB"
        done
        ;;
    *)
        echo "usage: run.sh check TOTAL T... | fuzz SECONDS T... | merge T..." >&2
        exit 2
        ;;
    esac
    [ "$fail" = 0 ] || echo "fuzzing: a harness failed; its log is in build/fuzz/log/" >&2
    return "$fail"
}
main; exit $?
