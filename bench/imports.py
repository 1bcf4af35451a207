"""Memory and responsiveness of resident imports, good and hostile, against one server.

    python3 bench/imports.py BINARY WORKDIR

For each file, starts BINARY afresh (serve --threads 1: one event loop, so a loop busy
with the file shows in every other request) over a new SQLite database in WORKDIR, on
loopback, and posts it to /api/v1/persons/import as the admin (two at once for the
pair of bombs). For each: the answer, its time, the server's peak RSS
above its idle RSS (VmHWM after the kernel's peak was reset to the current RSS by
writing 5 to /proc/PID/clear_refs; also VmRSS sampled every 5 ms), the RSS left once
it is done, and /healthz answered over a separate connection while the import runs
(median and worst). Prints Markdown lines; exits 1 if a peak reaches the ceiling."""
import datetime
import io
import os
import statistics
import subprocess
import sys
import threading
import time
import zipfile
import zlib

import requests

CEILING_MIB = 64
ADMIN_PASSWORD = "Bench-Passw0rd!"
LONGJU = "340104006006"
SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_card(first17):
    s = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return first17 + "10X98765432"[s % 11]


def rows(n, start):
    out = [["姓名", "身份证号", "手机号", "组织编码", "户地址", "与户主关系"]]
    for i in range(start, start + n):
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 1000)
        out.append([f"压测{i}", id_card(f"340104{born:%Y%m%d}{i % 1000:03d}"),
                    f"139{i:08d}", LONGJU, f"龙居小区 {i // 4 + 1} 栋", "户主" if i % 4 == 0 else "子女"])
    return out


def csv_bytes(table):
    return ("\r\n".join(",".join(r) for r in table) + "\r\n").encode()


def package(sheet_xml, shared_xml=None):
    """An .xlsx around the given worksheet XML (bytes or an iterable of byte chunks)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/'
                                  'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{SML}" xmlns:r="{REL}"><sheets><sheet name="s" '
                                      'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                                 f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                                                 '</Relationships>')
        if shared_xml is not None:
            z.writestr("xl/sharedStrings.xml", shared_xml)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for chunk in ([sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml):
                f.write(chunk)
    return out.getvalue()


def xlsx_bytes(table):
    from xml.sax.saxutils import escape
    body = "".join(f'<row r="{r + 1}">' + "".join(f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>' for v in row)
                   + "</row>" for r, row in enumerate(table))
    return package(f'<worksheet xmlns="{SML}"><sheetData>{body}</sheetData></worksheet>'.encode())


def bomb(cells):
    """A sheet of `cells` repeated cells (the same shared string), 7 to a row."""
    def chunks():
        yield f'<worksheet xmlns="{SML}"><sheetData>'.encode()
        line = b'<row>' + b'<c t="s"><v>0</v></c>' * 7 + b'</row>'
        block = line * 10000
        for _ in range(cells // 70000):
            yield block
        yield b'</sheetData></worksheet>'
    return package(chunks(), f'<sst xmlns="{SML}"><si><t>炸</t></si></sst>')


class Server:
    def __init__(self, binary, work):
        self.db = os.path.join(work, f"imports-{time.monotonic_ns()}.db")
        env = dict(os.environ, JICENG_ADMIN_PASSWORD=ADMIN_PASSWORD)
        subprocess.run([binary, "init", "--db", self.db], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([binary, "import-divisions", "--db", self.db, "data/divisions/hefei.csv"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([binary, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
                                      "--threads", "1", "--login-rate", "1000"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert "listening on" in self.proc.stdout.readline()
        self.base = f"http://127.0.0.1:{self.port}"
        self.s = requests.Session()
        r = self.s.post(self.base + "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        r.raise_for_status()
        self.csrf = r.json()["csrf_token"]
        r = self.s.get(self.base + "/api/v1/orgs", params={"q": LONGJU, "limit": 200})
        self.org = next(o["id"] for o in r.json()["items"] if o["code"] == LONGJU)

    def status(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # KiB
        raise KeyError(key)

    def reset_peak(self):
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")

    def post(self, body, ctype):
        s = requests.Session()
        s.cookies.update(self.s.cookies)
        r = s.post(self.base + "/api/v1/persons/import", params={"org": self.org}, data=body,
                   headers={"Content-Type": ctype, "X-CSRF-Token": self.csrf})
        return r

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def measure(srv, label, bodies):
    """Post bodies at once; a Markdown line of the figures; the peak above idle in KiB."""
    idle = srv.status("VmRSS")
    srv.reset_peak()
    done = threading.Event()
    sampled = [idle]
    lat = []

    def sample():
        while not done.is_set():
            sampled.append(srv.status("VmRSS"))
            time.sleep(0.005)

    def health():
        h = requests.Session()
        while not done.is_set():
            t = time.monotonic()
            h.get(srv.base + "/healthz", timeout=60)
            lat.append((time.monotonic() - t) * 1000)

    answers = [None] * len(bodies)

    def post(i, body, ctype):
        answers[i] = srv.post(body, ctype)

    workers = [threading.Thread(target=post, args=(i, b, c)) for i, (b, c) in enumerate(bodies)]
    aux = [threading.Thread(target=sample), threading.Thread(target=health)]
    for t in aux:
        t.start()
    t0 = time.monotonic()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    took = time.monotonic() - t0
    done.set()
    for t in aux:
        t.join()
    peak = max(srv.status("VmHWM"), max(sampled)) - idle
    after = srv.status("VmRSS") - idle
    what = "; ".join(f"{a.status_code} {a.json().get('error', {}).get('code', '') or 'imported=%s' % a.json().get('imported')}"
                     + (f" limit={a.json()['error'].get('limit')}" if 'limit' in a.json().get('error', {}) else "")
                     for a in answers)
    size = "+".join(f"{len(b) / 1048576:.2f} MiB" for b, _ in bodies)
    print(f"- {label} ({size}): {what}; {took:.2f} s; peak RSS +{peak / 1024:.1f} MiB above idle "
          f"({idle / 1024:.1f} MiB), +{after / 1024:.1f} MiB left after; /healthz during it: "
          f"{len(lat)} answers, median {statistics.median(lat) if lat else 0:.1f} ms, "
          f"worst {max(lat) if lat else 0:.1f} ms", flush=True)
    return peak


def main():
    binary, work = sys.argv[1], sys.argv[2]
    good = rows(10000, 0)
    cases = [
        ("good CSV, 10,000 rows", [(csv_bytes(good), "text/csv")]),
        ("good XLSX, 10,000 rows (inline strings)", [(xlsx_bytes(rows(10000, 20000)), XLSX)]),
        ("good CSV, 100,000 rows (the cap)", [(csv_bytes(rows(100000, 40000)), "text/csv")]),
        ("CSV of 5,000,000 one-character lines", [(b"a\n" * 5000000, "text/csv")]),
        # Its sheet stays under the 64 MiB the old reader took whole: the old one parsed it all.
        ("XLSX bomb, 2,940,000 repeated cells (a 63 MB sheet)", [(bomb(2940000), XLSX)]),
    ]
    two = bomb(2940000)
    cases.append(("two XLSX bombs at once", [(two, XLSX), (two, XLSX)]))
    worst = 0
    for label, bodies in cases:
        srv = Server(binary, work)
        try:
            worst = max(worst, measure(srv, label, bodies))
        finally:
            srv.stop()
    print(f"- worst peak +{worst / 1024:.1f} MiB above idle; ceiling {CEILING_MIB} MiB: "
          f"{'under' if worst < CEILING_MIB * 1024 else 'OVER'}")
    return 0 if worst < CEILING_MIB * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
