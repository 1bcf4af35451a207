"""A soak of mixed reads and writes against a running jiceng server on loopback: CONNS
client threads, each on one keep-alive connection of its own, all on one admin session.
Reads list one community's cases and residents (seeded first, then left alone) and fetch
records written meanwhile; writes add cases and residents to another community, so a
list's cost stays what it was while the tables grow.
A warm-up, then the measured run. At the end of each, every thread stops between two
requests and waits (its connection still open, nothing in flight) while the server's
resident memory (VmRSS in /proc/PID/status) and open descriptors (/proc/PID/fd) are read.
Latency is each request's, from sending it to its whole answer read, on the client.

Used by tests/api/test_soak.py (60 s in `make check`) and bench/soak.sh (10 minutes), which
starts a server and runs, the admin's password in JICENG_ADMIN_PASSWORD:
    python3 bench/soak.py --base http://127.0.0.1:PORT --pid PID [--conns 64 --warmup 60 --duration 600]
"""
import argparse
import datetime
import http.client
import itertools
import json
import os
import random
import threading
import time
import urllib.parse

# What each client does, by weight: reads of lists and single records, and writes that add a case
# or a resident (both go through the server's one writer and append to the audit chain).
MIX = (("cases.list", 35), ("cases.get", 15), ("persons.list", 15), ("persons.get", 10), ("orgs.get", 5),
       ("cases.create", 12), ("persons.create", 8))
WEIGHTS = [w for _, w in MIX]
KINDS = [k for k, _ in MIX]
FILL_FROM, FILL_ROWS = 5_000_000, 20_000  # ID numbers from 1953 on: none of the clients' (from 1940)
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n):
    """The n-th ID number of the soak (GB 11643 shape, valid check digit): 1,000 per birth date from 1940."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"340104{born:%Y%m%d}{n % 1000:03d}"
    return first17 + "10X98765432"[sum(int(a) * b for a, b in zip(first17, ID_WEIGHTS)) % 11]


def proc_state(pid):
    """The server's resident memory in KiB (VmRSS) and its open descriptors."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def percentile(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


class Soak:
    def __init__(self, base, pid, cookie, csrf, org, write_org, conns=64, seed=1, id_from=0):
        u = urllib.parse.urlsplit(base)
        assert u.hostname in ("127.0.0.1", "localhost", "::1"), "loopback targets only"
        self.host, self.port, self.pid = u.hostname, u.port, pid
        self.headers = {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
        self.org, self.write_org, self.conns, self.seed = org, write_org, conns, seed
        self.ids = itertools.count(id_from)
        self.cases, self.persons = [], []   # ids written so far (appends are atomic)
        self.records = []                   # per thread: (phase, start, seconds, kind, status)
        self.errors = []
        self.samples = {}
        self.trace = []                     # (seconds since the start, VmRSS KiB, descriptors)
        self.parts = []                     # VmRSS's parts at each of those times

    def request(self, con, method, path, body=None):
        con.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        r = con.getresponse()
        data = r.read()
        return r.status, data

    def one(self, con, rnd, kind, k, into=None):
        """One request of this kind; a write adds to into (the write community by default)."""
        org, wrote = self.org, into or self.write_org
        if kind == "cases.list":
            return self.request(con, "GET", f"/api/v1/cases?org={org}&limit=20")
        if kind == "cases.get":
            return self.request(con, "GET", f"/api/v1/cases/{rnd.choice(self.cases)}")
        if kind == "persons.list":
            return self.request(con, "GET", f"/api/v1/persons?org={org}&limit=20")
        if kind == "persons.get":
            return self.request(con, "GET", f"/api/v1/persons/{rnd.choice(self.persons)}")
        if kind == "orgs.get":
            return self.request(con, "GET", f"/api/v1/orgs/{org}")
        if kind == "cases.create":
            st, data = self.request(con, "POST", "/api/v1/cases", {
                "category": "other", "title": f"耐久 {k}", "description": "soak", "org_id": wrote})
            if st == 201:
                self.cases.append(json.loads(data)["id"])
            return st, data
        n = next(self.ids)
        st, data = self.request(con, "POST", "/api/v1/persons", {
            "org_id": wrote, "name": f"耐久居民{n}", "id_card": id_number(n)})
        if st == 201:
            self.persons.append(json.loads(data)["id"])
        return st, data

    def client(self, k, phases, gates, done):
        rnd = random.Random(self.seed * 1000 + k)
        mine = []
        self.records.append(mine)
        con = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            for phase, (seconds, gate) in enumerate(zip(phases, gates)):
                gate["start"].wait()
                end = gate["t0"] + seconds
                while time.monotonic() < end:
                    kind = rnd.choices(KINDS, WEIGHTS)[0]
                    t = time.monotonic()
                    try:
                        st, data = self.one(con, rnd, kind, k)
                    except (OSError, http.client.HTTPException) as e:
                        self.errors.append(f"{kind}: {e!r}")
                        con.close()
                        continue
                    mine.append((phase, t, time.monotonic() - t, kind, st))
                    if st >= 300:
                        self.errors.append(f"{kind}: {st} {data[:200]!r}")
                done[phase].wait()   # stopped between requests, the connection open
                gate["measured"].wait()  # until the server's state is read
        finally:
            con.close()

    def seed_records(self):
        """Cases and residents in the community the reads list, before any client has written."""
        con = http.client.HTTPConnection(self.host, self.port, timeout=60)
        rnd = random.Random(self.seed)
        for kind in ("cases.create", "persons.create") * 20:
            st, data = self.one(con, rnd, kind, -1, into=self.org)
            assert st == 201, data
        # SQLite keeps up to 16 MiB of pages per connection (PRAGMA cache_size=-16384); the writer's
        # cache holds every page it writes until then. A server that has run a while has filled it:
        # so has this one, before the warm-up, by importing FILL_ROWS residents into the write community.
        rows = "".join(f"耐久导入{n},{id_number(n)},耐久小区 {n % 97} 栋\n"
                       for n in range(FILL_FROM, FILL_FROM + FILL_ROWS))
        con.request("POST", f"/api/v1/persons/import?org={self.write_org}", body=("姓名,身份证号,户地址\n" + rows).encode(),
                    headers={**self.headers, "Content-Type": "text/csv"})
        r = con.getresponse()
        data = r.read()
        assert r.status == 200, data
        con.close()

    def trace_state(self, stop, every=10.0):
        """The server's memory and descriptors every so often, for the report (not judged: requests are in flight),
        with VmRSS's parts: anonymous memory, mapped files (SQLite's -shm among them) and shared memory."""
        t0 = time.monotonic()
        while not stop.wait(every):
            self.trace.append((time.monotonic() - t0, *proc_state(self.pid)))
            with open(f"/proc/{self.pid}/status") as f:
                self.parts.append(" ".join(" ".join(line.split()[:2]) for line in f
                                           if line.startswith(("RssAnon", "RssFile", "RssShmem"))))

    def run(self, warmup, duration):
        """The warm-up, then duration seconds measured; returns the report (see report())."""
        self.seed_records()
        phases = (warmup, duration)
        gates = [{"start": threading.Event(), "measured": threading.Event(), "t0": 0.0} for _ in phases]
        done = [threading.Barrier(self.conns + 1) for _ in phases]
        threads = [threading.Thread(target=self.client, args=(k, phases, gates, done), daemon=True)
                   for k in range(self.conns)]
        for t in threads:
            t.start()
        stop = threading.Event()
        tracer = threading.Thread(target=self.trace_state, args=(stop,), daemon=True)
        tracer.start()
        for phase, gate in enumerate(gates):
            gate["t0"] = time.monotonic()
            gate["start"].set()
            done[phase].wait()       # every client idle between requests, its connection open
            self.samples[("warm-up", "end")[phase]] = proc_state(self.pid)
            gate["measured"].set()
        stop.set()
        tracer.join()
        for t in threads:
            t.join(timeout=60)
        return self.report(gates[1]["t0"], duration)

    def report(self, t0, duration):
        measured = [r for mine in self.records for r in mine if r[0] == 1]
        thirds = [[r[2] for r in measured if int((r[1] - t0) * 3 // duration) == i] for i in range(3)]
        (rss0, fd0), (rss1, fd1) = self.samples["warm-up"], self.samples["end"]
        by_kind = {}
        for r in measured:
            by_kind.setdefault(r[3], []).append(r[2])
        return {
            "requests": len(measured), "rate": len(measured) / duration, "errors": self.errors[:20],
            "error_count": len(self.errors), "conns": self.conns,
            "rss_kib": (rss0, rss1), "rss_growth": (rss1 - rss0) / rss0, "fds": (fd0, fd1),
            "p50_ms": percentile([r[2] for r in measured], 50) * 1000,
            "p99_ms": percentile([r[2] for r in measured], 99) * 1000,
            "p99_thirds_ms": [percentile(t, 99) * 1000 for t in thirds],
            "thirds_requests": [len(t) for t in thirds],
            "kinds": {k: (len(v), percentile(v, 50) * 1000, percentile(v, 99) * 1000) for k, v in by_kind.items()},
            "written": (len(self.cases), len(self.persons)), "trace": self.trace, "parts": self.parts,
        }


def p99_stable(rep, ratio=2.0, slack_ms=50.0):
    """The last third's p99 within ratio times the first third's plus slack_ms (a busy machine's noise)."""
    first, _, last = rep["p99_thirds_ms"]
    return last <= first * ratio + slack_ms


def describe(rep):
    lines = [f"{rep['requests']} requests in the measured run ({rep['rate']:.0f}/s) over {rep['conns']} connections,"
             f" {rep['error_count']} errors; written: {rep['written'][0]} cases, {rep['written'][1]} residents",
             f"RSS after the warm-up {rep['rss_kib'][0]} KiB, at the end {rep['rss_kib'][1]} KiB"
             f" ({rep['rss_growth'] * 100:+.2f}%); open descriptors {rep['fds'][0]} -> {rep['fds'][1]}",
             f"latency p50 {rep['p50_ms']:.1f} ms, p99 {rep['p99_ms']:.1f} ms; p99 by third "
             + ", ".join(f"{v:.1f} ms" for v in rep["p99_thirds_ms"])
             + " (requests " + ", ".join(str(n) for n in rep["thirds_requests"]) + ")"]
    for k in KINDS:
        if k in rep["kinds"]:
            n, p50, p99 = rep["kinds"][k]
            lines.append(f"  {k}: {n} requests, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    lines.append("RSS (MiB) and descriptors every 10 s: " + ", ".join(
        f"{t:.0f}s {rss / 1024:.1f}/{fds}" for t, rss, fds in rep["trace"]))
    if rep["parts"]:
        lines.append(f"VmRSS's parts (KiB) at the first reading {rep['parts'][0]}, at the last {rep['parts'][-1]}")
    lines += [f"  error: {e}" for e in rep["errors"]]
    return "\n".join(lines)


def login(base, password):
    """The admin's session cookie and CSRF token."""
    u = urllib.parse.urlsplit(base)
    con = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    con.request("POST", "/api/v1/auth/login", body=json.dumps({"username": "admin", "password": password}),
                headers={"Content-Type": "application/json"})
    r = con.getresponse()
    body = r.read()
    assert r.status == 200, body
    cookie = r.getheader("Set-Cookie").split(";")[0]
    return cookie, json.loads(body)["csrf_token"], con


def org_id(con, cookie, code):
    con.request("GET", "/api/v1/orgs?" + urllib.parse.urlencode({"q": code, "limit": 200}), headers={"Cookie": cookie})
    r = con.getresponse()
    items = json.loads(r.read())["items"]
    return next(o["id"] for o in items if o["code"] == code)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the server, on loopback")
    ap.add_argument("--pid", type=int, required=True, help="the server's process")
    ap.add_argument("--org", default="340104006006", help="division code of the community the reads list")
    ap.add_argument("--write-org", default="340104006002", help="division code of the community the writes add to")
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--warmup", type=float, default=60)
    ap.add_argument("--duration", type=float, default=600)
    a = ap.parse_args()
    cookie, csrf, con = login(a.base, os.environ["JICENG_ADMIN_PASSWORD"])
    org, write_org = org_id(con, cookie, a.org), org_id(con, cookie, a.write_org)
    con.close()
    rep = Soak(a.base, a.pid, cookie, csrf, org, write_org, a.conns).run(a.warmup, a.duration)
    print(describe(rep))
    ok = rep["error_count"] == 0 and rep["rss_growth"] < 0.05 and rep["fds"][1] <= rep["fds"][0] and p99_stable(rep)
    print("soak: " + ("met" if ok else "NOT met") + " (RSS growth under 5%, no more descriptors, p99 stable, no error)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
