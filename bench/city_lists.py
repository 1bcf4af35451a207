#!/usr/bin/python3
"""The people lists of the full city, first page, as the city administrator
(issue 21, target 1): residents with each filter and sort the console offers,
households, party members, cadres and units, at the city root and at every
district.

Each request is timed n times warm and once cold, and the table says the count
the console would show (共 N 条) and whether it is exact.

- Warm: one untimed request first, then n timed ones. The residents list keeps
  answers in a cache keyed by the query; each timed request asks a different
  page size (20, 21, ...), so every one is computed, never served from it.
- Cold: the server restarted, the OS page cache dropped (`sync; echo 3 >
  /proc/sys/vm/drop_caches`, when the machine allows it; else the table says
  "server-cold"), logged in again, then the request once (page size 20).

Names and addresses searched are taken from the first pages themselves and
never printed: the table names the kind of search only.

    /usr/bin/python3 bench/city_lists.py --db /work/city/lists.db [--n 20] [--only REGEX] [--districts N]
        [--cold-only REGEX] [--no-cold] [--bin ./jiceng]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

from citybench import drop_caches, pct

ADMIN = ("admin", "Quiet-Harbor-42!")
TAGS = ["elderly_alone", "empty_nest", "disabled", "low_income", "poverty_monitored", "veteran",
        "left_behind_child", "key_attention"]


class Server:
    def __init__(self, bin, db, port):
        self.bin, self.db, self.port = bin, db, port
        self.proc = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="city_lists_serve_", delete=False)
        self.proc = subprocess.Popen([self.bin, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
                                      "--login-rate", "100000"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"server exited: {open(self.log.name).read()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)  # polling the health check, not a wait for a guess
        else:
            sys.exit("server did not answer /healthz")
        self.s = requests.Session()
        r = self.s.post(self.base + "/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        r.raise_for_status()

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=60)
            self.proc = None
            os.unlink(self.log.name)

    def get(self, path, params):
        t0 = time.perf_counter()
        r = self.s.get(self.base + path, params=params)
        ms = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            sys.exit(f"{path} {params}: {r.status_code} {r.text[:300]}")
        return ms, r.json()


def requests_for(srv, org_id, where):
    """(label, path, params) of each list and filter at org_id."""
    out = []
    o = {"org": org_id}
    _, first = srv.get("/api/v1/persons", {**o, "limit": 20})
    items = first["items"]
    name = items[0]["name"] if items else "王"
    out.append((f"{where} residents", "/api/v1/persons", o))
    for t in TAGS:
        out.append((f"{where} residents tag={t}", "/api/v1/persons", {**o, "tag": t}))
    out.append((f"{where} residents q=(a surname)", "/api/v1/persons", {**o, "q": name[:1]}))
    out.append((f"{where} residents q=(a full name)", "/api/v1/persons", {**o, "q": name}))
    out.append((f"{where} residents id_tail", "/api/v1/persons", {**o, "id_tail": "0123"}))
    out.append((f"{where} residents phone_tail", "/api/v1/persons", {**o, "phone_tail": "5678"}))
    hh = next((p["household_id"] for p in items if p.get("household_id")), None)
    if hh:
        out.append((f"{where} residents household", "/api/v1/persons", {**o, "household": hh}))
    out.append((f"{where} residents sort=name", "/api/v1/persons", {**o, "sort": "name"}))
    out.append((f"{where} residents sort=-birth_year", "/api/v1/persons", {**o, "sort": "-birth_year"}))
    _, hs = srv.get("/api/v1/households", {**o, "limit": 1})
    out.append((f"{where} households", "/api/v1/households", o))
    if hs["items"]:
        out.append((f"{where} households q=(an address part)", "/api/v1/households",
                    {**o, "q": hs["items"][0]["address"][:4]}))
    _, pm = srv.get("/api/v1/party-members", {**o, "limit": 1})
    out.append((f"{where} party members", "/api/v1/party-members", o))
    for k, v in (("status", "预备"), ("in_service", "1")):
        out.append((f"{where} party members {k}={v}", "/api/v1/party-members", {**o, k: v}))
    if pm["items"]:
        out.append((f"{where} party members q=(a surname)", "/api/v1/party-members",
                    {**o, "q": pm["items"][0]["name"][:1]}))
    out.append((f"{where} cadres", "/api/v1/cadres", o))
    out.append((f"{where} cadres post=网格员", "/api/v1/cadres", {**o, "post": "网格员"}))
    _, us = srv.get("/api/v1/units", {**o, "limit": 1})
    out.append((f"{where} units", "/api/v1/units", o))
    out.append((f"{where} units type=enterprise", "/api/v1/units", {**o, "type": "enterprise"}))
    if us["items"]:
        out.append((f"{where} units q=(a name part)", "/api/v1/units", {**o, "q": us["items"][0]["name"][:2]}))
    return out


def count_text(page):
    if page.get("total") is None:
        return "-", "-"
    if page.get("total_capped"):
        return f"{page['total']}+", "capped (共 N+ 条)"
    return str(page["total"]), "exact"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--bin", default="./jiceng")
    ap.add_argument("--port", type=int, default=18631)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--only", default="", help="a regex the request's label must match")
    ap.add_argument("--districts", type=int, default=99, help="at most this many districts")
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--cold-only", default="", help="a regex: only the requests it matches are timed cold")
    a = ap.parse_args()

    srv = Server(a.bin, a.db, a.port)
    srv.start()
    _, roots = srv.get("/api/v1/orgs", {"level": "city", "limit": 5})
    root = roots["items"][0]["id"]
    _, ds = srv.get("/api/v1/orgs", {"level": "district", "limit": 50})
    places = [(root, "city")] + [(d["id"], f"district {d['id']}") for d in ds["items"][: a.districts]]
    reqs = []
    for org_id, where in places:
        reqs += [r for r in requests_for(srv, org_id, where) if re.search(a.only, r[0])]

    rows = {}
    for label, path, params in reqs:
        srv.get(path, {**params, "limit": 20 + a.n})  # warm-up, outside the timed ones
        times, page = [], None
        for i in range(a.n):
            ms, page = srv.get(path, {**params, "limit": 20 + i})
            times.append(ms)
        rows[label] = [times, None, page]
        print(f"warm {label}: p50 {statistics.median(times):.1f} ms", file=sys.stderr, flush=True)

    cold_kind = "-"
    if not a.no_cold:
        for label, path, params in reqs:
            if not re.search(a.cold_only, label):
                continue
            srv.stop()
            dropped = drop_caches()
            cold_kind = "page cache dropped" if dropped else "server-cold only"
            srv.start()
            ms, page = srv.get(path, {**params, "limit": 20})
            rows[label][1] = ms
            rows[label][2] = page
            print(f"cold {label}: {ms:.1f} ms", file=sys.stderr, flush=True)
    srv.stop()

    print(f"warm: {a.n} requests each (with fewer than 100, p99 is the slowest); cold: {cold_kind}")
    print()
    print("| request | p50 ms | p99 ms | cold ms | count shown | count |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    worst = 0.0
    for label, (times, cold, page) in rows.items():
        shown, exact = count_text(page)
        p99 = pct(times, 99)
        worst = max(worst, p99)
        print(f"| {label} | {statistics.median(times):.1f} | {p99:.1f} | "
              f"{'-' if cold is None else f'{cold:.0f}'} | {shown} | {exact} |")
    print()
    print(f"slowest p99: {worst:.1f} ms; over 200 ms p99: "
          f"{sum(1 for t, _, _ in rows.values() if pct(t, 99) > 200)}; over 1 s cold: "
          f"{sum(1 for _, c, _ in rows.values() if c is not None and c > 1000)}")


if __name__ == "__main__":
    main()
