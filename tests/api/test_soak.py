"""The soak of `make check`: mixed reads and writes (bench/soak.py) at 64 connections, 10 s of
warm-up then 45 s measured (after 20,000 residents imported to fill the writer's page cache),
against one server on SQLite. After the warm-up the server's resident memory grows by under
5% to the end, it holds no more descriptors, the last third's p99 stays within twice the
first third's plus 50 ms, every answer is 2xx, and under the sanitizers its stderr holds no
report and it exits 0. docs/reliability.md tells why each bound is what it is.

It runs once per `make check`: in `make api-asan` (SQLite, the sanitizer build), where a leak
or a use after free under sustained load is also reported. `make api` and `make api-pg` do not
collect it (conftest.collect_ignore; JICENG_SOAK=1 runs it anyway): the load is the server's own (event loops, writer,
caches), which does not depend on the backend, and a soak per backend would add a minute to
each suite. bench/soak.sh runs the same load for 10 minutes, on either build."""
import os
import sys

import pytest

from conftest import ROOT, Server

sys.path.insert(0, os.path.join(ROOT, "bench"))
import soak  # noqa: E402

# Seconds of warm-up and of the measured run (other values to try a change by hand), connections.
WARMUP = int(os.environ.get("JICENG_SOAK_WARMUP", 10))
DURATION = int(os.environ.get("JICENG_SOAK_SECONDS", 45))
CONNS = 64

pytestmark = pytest.mark.timed


def test_soak_memory_descriptors_and_latency_hold(monkeypatch):
    if os.environ.get("JICENG_SANITIZED") == "1":
        # AddressSanitizer holds freed memory back (its quarantine, 256 MiB by default) before reusing it:
        # a quarantine that fills for minutes would be read as growth. A small one is full within the warm-up.
        monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16")
    # Each SQLite connection's page cache fills as the tables grow, up to --sqlite-cache-kib (16 MiB by
    # default, several connections): bounded, but in a minute's soak it reads as growth. Small caches are
    # full within the warm-up, so what grows after it is the server's own (bench/RESULTS.md Run 17f).
    s = Server(extra_args=("--sqlite-cache-kib", "256"))
    try:
        admin = s.admin()
        org, write_org = s.org_id("340104006006"), s.org_id("340104006002")
        cookie = "; ".join(f"{k}={v}" for k, v in admin.s.cookies.items())
        rep = soak.Soak(s.base, s.proc.pid, cookie, admin.csrf, org, write_org, CONNS).run(WARMUP, DURATION)
        print(soak.describe(rep))
        assert rep["error_count"] == 0, soak.describe(rep)
        assert rep["requests"] > 0 and all(rep["thirds_requests"]), soak.describe(rep)
        assert rep["rss_growth"] < 0.05, soak.describe(rep)
        assert rep["fds"][1] <= rep["fds"][0], soak.describe(rep)
        assert soak.p99_stable(rep), soak.describe(rep)
    finally:
        code = s.close()
    assert code == 0, s.stderr
    bad = [line for line in s.stderr.splitlines() if "Sanitizer" in line or "runtime error" in line]
    assert not bad, "\n".join(bad[:20])
