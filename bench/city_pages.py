#!/usr/bin/python3
"""Time the first page of every case, audit, coverage and figures request the
console makes, at the city root and at every district, as one signed-in user,
one request at a time on loopback.

    /usr/bin/python3 bench/city_pages.py --db /path/city.db [--n 20] [--cold root|all|none]

It starts `jiceng serve` on the database itself (127.0.0.1, a free port), signs in
(JICENG_BENCH_USER / JICENG_BENCH_PASSWORD, default admin and the demo's password),
times each request --n times after one unmeasured call (warm: p50, p99), and then,
for --cold root (default) each request at the city root and for --cold all each
request everywhere, once on a freshly started server after dropping the OS page
cache (`sync; echo 3 > /proc/sys/vm/drop_caches`; when that is not allowed the
table says "server-cold": the server is new but the OS cache is not). It prints a
markdown table: request, p50, p99, cold, the count the answer shows and whether
it is exact ("exact", "capped" when it says "N or more", "-" when none).
"""
import argparse
import datetime
import os
import socket
import subprocess
import sys
import time

import requests

from citybench import drop_caches, pct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, db, log):
        self.binary, self.db, self.log = binary, db, log
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        out = open(self.log, "w")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}", "--login-rate", "100000"],
            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait for the line that says it listens
            with open(self.log) as f:
                if "listening on" in f.read():
                    return
            if self.proc.poll() is not None:
                sys.exit(f"server exited: see {self.log}")
            time.sleep(0.05)
        sys.exit("server did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(60)
            self.proc = None

    def base(self):
        return f"http://127.0.0.1:{self.port}/api/v1"


def login(server, user, password):
    s = requests.Session()
    r = s.post(server.base() + "/auth/login", json={"username": user, "password": password})
    r.raise_for_status()
    return s


def timed(session, base, path):
    t = time.perf_counter()
    r = session.get(base + path)
    ms = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        sys.exit(f"{path}: HTTP {r.status_code} {r.text[:300]}")
    return ms, r.json()


def count_of(body):
    if isinstance(body, dict) and "total" in body:
        return str(body["total"]), "capped" if body.get("total_capped") else ("estimate" if body.get("total_estimated") else "exact")
    if isinstance(body, dict) and "households_without_grid" in body:
        return "/".join(str(v["count"]) for v in body.values() if isinstance(v, dict) and "count" in v), "exact"
    return "-", "-"


def requests_of(s, base, org, name, today):
    """The console's requests at node org (its path in the table named name)."""
    first = lambda path: (s.get(base + path).json().get("items") or [{}])[0]
    grid = first(f"/orgs?org={org}&level=grid&limit=1").get("id")
    code = first(f"/cases?org={org}&limit=1").get("tracking_code")
    week = (today - datetime.timedelta(days=7)).isoformat()
    month = (today - datetime.timedelta(days=30)).isoformat()
    day = (today - datetime.timedelta(days=100)).isoformat()
    year = today.year
    trend_from = f"{today.year - 1}-{today.month:02d}-01T00:00:00+08:00"
    trend_to = f"{today.year}-{today.month:02d}-01T00:00:00+08:00"
    c = f"/cases?org={org}&limit=20"
    out = [
        ("cases", c),
        ("cases state=reported", c + "&state=reported"),
        ("cases state=handling", c + "&state=handling"),
        ("cases state=rejected", c + "&state=rejected"),
        ("cases state=rated", c + "&state=rated"),
        ("cases category=sanitation", c + "&category=sanitation"),
        ("cases category=help_counsel", c + "&category=help_counsel"),
        ("cases overdue", c + "&overdue=1"),
        ("cases overdue category=safety", c + "&overdue=1&category=safety"),
        ("cases state=handling category=dispute", c + "&state=handling&category=dispute"),
        ("cases last 7 days", c + f"&from={week}&to={today.isoformat()}"),
        ("cases last 30 days state=closed", c + f"&from={month}&to={today.isoformat()}&state=closed"),
        ("cases one day", c + f"&from={day}&to={day}"),
        ("cases q=路灯", c + "&q=路灯"),
        ("cases q=(no match)", c + "&q=没有这样的事"),
        ("cases code", c + f"&code={code}" if code else c),
    ]
    if grid:
        out.append(("cases grid", f"/cases?org={grid}&limit=20"))
    a = f"/audit?org={org}&limit=20"
    out += [
        ("audit", a),
        ("audit action=case.reported", a + "&action=case.reported"),
        ("audit entity=casefile", a + "&entity=casefile"),
        ("audit actor=admin", a + "&actor_id=1"),
        ("audit one day", a + f"&from={day}T00:00:00%2B08:00&to={day}T23:59:59%2B08:00"),
        ("coverage", f"/orgs/{org}/coverage"),
        ("dashboard stats", f"/orgs/{org}/stats"),
        ("dashboard casework", f"/orgs/{org}/casework?from={trend_from.replace('+', '%2B')}&to={trend_to.replace('+', '%2B')}&children=1"),
        ("dashboard casework trend", f"/orgs/{org}/casework/trend?from={trend_from.replace('+', '%2B')}&to={trend_to.replace('+', '%2B')}&bucket=month"),
        ("dashboard responsibility", f"/responsibility-figures?org={org}&year={year}"),
        ("figures (数说基层)", f"/orgs/{org}/figures"),
    ]
    # each family's figures page (the node and its children), the parts of the responsibility panel
    for fam in ("duty", "notice", "review", "problem", "inspection", "pairing", "pairing-agency", "contract",
                "volunteer", "enterprise-visit", "service-report", "claims", "pay", "party-development",
                "party-transfer", "member-evaluation", "dues", "party-meeting"):
        path = f"/{fam}-figures?org={org}&year={year}"
        # a family whose figures have no year (notices: the open ones) refuses it: asked at a grid, which is quick
        if s.get(base + f"/{fam}-figures?org={grid or org}&year={year}").status_code == 400:
            path = f"/{fam}-figures?org={org}"
        out.append((f"figures {fam}", path))
    return [(f"{name}: {label}", path) for label, path in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--bin", default=os.path.join(ROOT, "jiceng"))
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--cold", choices=["root", "all", "none"], default="root")
    ap.add_argument("--only", default="", help="only requests whose label contains this")
    ap.add_argument("--skip", default="", help="leave out requests whose label contains this")
    ap.add_argument("--districts", type=int, default=99, help="at most this many districts")
    args = ap.parse_args()
    user = os.environ.get("JICENG_BENCH_USER", "admin")
    password = os.environ.get("JICENG_BENCH_PASSWORD", "Quiet-Harbor-42!")
    server = Server(args.bin, args.db, "/tmp/city_pages_serve.log")
    server.start()
    try:
        s = login(server, user, password)
        base = server.base()
        root = s.get(base + "/orgs?level=city&limit=1").json()["items"][0]
        kids = s.get(base + f"/orgs/{root['id']}/children?limit=100").json()["items"][: args.districts]
        today = datetime.datetime.utcnow().date()
        reqs = requests_of(s, base, root["id"], "city", today)
        for d in kids:
            reqs += requests_of(s, base, d["id"], d["name"], today)
        reqs = [r for r in reqs if args.only in r[0] and not (args.skip and args.skip in r[0])]
        rows = {}
        for label, path in reqs:
            first, body = timed(s, base, path)  # unmeasured: fills the caches
            n = args.n if first < 2000 else 3 if first < 10000 else 1  # a slow one fewer times
            times = [timed(s, base, path)[0] for _ in range(n)]
            count, exact = count_of(body)
            rows[label] = [pct(times, 50), pct(times, 99), None, count, exact]
            print(f"  {label}: p50 {rows[label][0]:.1f} ms, p99 {rows[label][1]:.1f} ms", file=sys.stderr)
        cold_kind = "-"
        if args.cold != "none":
            for label, path in reqs:
                if args.cold == "root" and not label.startswith("city:"):
                    continue
                server.stop()
                dropped = drop_caches()
                cold_kind = "OS and server cold" if dropped else "server-cold only (page cache not dropped)"
                server.start()
                s = login(server, user, password)
                rows[label][2] = timed(s, server.base(), path)[0]
                print(f"  {label}: cold {rows[label][2]:.1f} ms", file=sys.stderr)
    finally:
        server.stop()
    print(f"\n{len(rows)} requests, warm n={args.n}, cold: {cold_kind}\n")
    print("| request | p50 ms | p99 ms | cold ms | count shown | count |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for label, (p50, p99, cold, count, exact) in rows.items():
        c = f"{cold:.0f}" if cold is not None else ""
        print(f"| {label} | {p50:.1f} | {p99:.1f} | {c} | {count} | {exact} |")
    slow = [l for l, r in rows.items() if r[1] >= 200 or (r[2] is not None and r[2] >= 1000)]
    print(f"\nover target (p99 >= 200 ms or cold >= 1 s): {len(slow)}")
    for l in slow:
        print(f"- {l}")


if __name__ == "__main__":
    main()
