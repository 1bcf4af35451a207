"""Hostile imports: every cap of the reader (rows, columns, a cell's bytes, the text in
all, a workbook's decompressed bytes, its compression ratio, its shared strings, its
unparsed markup) answers 4xx naming it, changes nothing and costs the server a bounded
amount of memory; the file is read off the event loop, so /healthz answers while a
large one is checked, and imports beyond the pool's queue answer 503 busy."""
import functools
import io
import os
import random
import struct
import threading
import time
import zipfile

import pytest

from conftest import Server, error_of
from test_people import id_with_check
from test_xlsx_import import HEADER, LONGJU, SML, XLSX, inline, person, row, workbook

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def longju(server):
    return server.org_id(LONGJU)


def post(client, data, ctype="text/csv", **params):
    return client.post("/api/v1/persons/import", params=params, data=data, headers={"Content-Type": ctype})


def too_large(r, limit, maximum, cell=None):
    assert r.status_code == 413, r.text
    err = error_of(r)
    assert (err["code"], err["field"], err["limit"], err["max"], err.get("cell")) == \
        ("import_too_large", "file", limit, maximum, cell), err
    return err


def people_count(client, longju):
    return client.get(f"/api/v1/orgs/{longju}/stats").json()["people"]


def good_csv(n, start):
    lines = ["姓名,身份证号,组织编码"]
    lines += [f"上限{i},{id_with_check(f'3401041975{i // 1000 % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}')},{LONGJU}"
              for i in range(start, start + n)]
    return ("\n".join(lines) + "\n").encode()


def package(sheet_chunks, shared=None, level=9):
    """A workbook whose first sheet is the concatenation of sheet_chunks (bytes), streamed into the zip
    (deflated at level)."""
    out = io.BytesIO()
    base = zipfile.ZipFile(io.BytesIO(workbook([("s", "worksheets/sheet1.xml", [])])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name in base.namelist():
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, base.read(name))
        if shared is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                for c in shared:
                    f.write(c)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for c in sheet_chunks:
                f.write(c)
    return out.getvalue()


def sheet(*middle):
    return [f'<worksheet xmlns="{SML}"><sheetData>'.encode(), *middle, b"</sheetData></worksheet>"]


@functools.cache
def bomb():
    """2,000,000 rows of 7 shared-string cells: 30 MB of XML in a workbook of little more than 1 MB
    (made once: two tests send it)."""
    line = b"<row>" + b'<c t="s"><v>0</v></c>' * 7 + b"</row>"
    return package(sheet(*[line * 10000] * 200), [f'<sst xmlns="{SML}"><si><t>炸</t></si></sst>'.encode()])


# ---- CSV ----

def test_rows_cap_counts_while_reading(admin, longju):
    # 100,000 data rows are read (then refused for their header); one more is over the cap.
    body = b"a\n" + b"x\n" * 100000
    r = post(admin, body, org=longju)
    assert r.status_code == 400 and error_of(r)["code"] == "validation_failed", r.text
    too_large(post(admin, body + b"x\n", org=longju), "rows", 100000)
    # A 10 MB file of one-character lines stops at the cap.
    too_large(post(admin, b"a\n" * 5000000, org=longju), "rows", 100000)


def test_a_value_beyond_the_columns_is_refused_by_name_empty_ones_are_not(admin, longju):
    head, one = good_csv(1, 10).decode().splitlines()
    r = post(admin, f"{head}\n{one}{',' * 61}x\n".encode(), org=longju, dry_run=1)  # the 64th column
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text
    r = post(admin, f"{head}\n{one}{',' * 62}x\n".encode(), org=longju, dry_run=1)  # the 65th
    err = error_of(r)
    assert (r.status_code, err["code"], err["field"], err["cell"]) == (400, "validation_failed", "file", "BM2"), r.text
    r = post(admin, f"{head}\n{one}{',' * 300}\n".encode(), org=longju, dry_run=1)  # empty, far beyond
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text


def test_cell_cap_in_utf8_and_in_gbk(admin, longju):
    head = "姓名,身份证号\n"
    r = post(admin, (head + "甲," + "1" * 4096 + "\n").encode(), org=longju, dry_run=1)
    assert r.status_code == 200 and r.json()["invalid"] == 1, r.text  # at the cap: read, the row refused
    too_large(post(admin, (head + "甲," + "1" * 4097 + "\n").encode(), org=longju, dry_run=1), "cell", 4096, "B2")
    # GBK: two bytes a character in the file, three once converted; the cap is on the converted value.
    r = post(admin, (head + "甲," + "国" * 1365 + "\n").encode("gbk"), org=longju, dry_run=1)
    assert r.status_code == 200 and r.json()["invalid"] == 1, r.text
    too_large(post(admin, (head + "甲," + "国" * 1366 + "\n").encode("gbk"), org=longju, dry_run=1),
              "cell", 4096, "B2")


def test_cells_cap(admin, longju):
    too_large(post(admin, b"a\n" + b"," * 63 + b"\n" + b"\n".join([b"," * 63] * 40000)), "text", 16 * MiB)


# ---- XLSX ----

def test_xlsx_cell_cap_inline_and_shared(admin, longju):
    r = post(admin, workbook([("s", "worksheets/sheet1.xml", [HEADER, row(2, inline("A2", "名"),
                                                                        inline("B2", "9" * 4097))])]), XLSX,
             org=longju, dry_run=1)
    too_large(r, "cell", 4096, "B2")
    shared = "<si><t>姓名</t></si><si><t>身份证号</t></si><si><t>" + "9" * 4097 + "</t></si>"
    cells = row(1, '<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>')
    r = post(admin, workbook([("s", "worksheets/sheet1.xml", [cells])], shared=shared), XLSX, org=longju)
    too_large(r, "cell", 4096)


def test_xlsx_zip_bomb_of_repeated_cells_stops_at_the_rows_cap(admin, longju):
    body = bomb()
    assert len(body) < 2 * MiB  # 30 MB of XML
    too_large(post(admin, body, XLSX, org=longju), "rows", 100000)


def test_xlsx_ratio_cap(admin, longju):
    # Nothing but empty rows: no row counts, the part expands 500 times.
    body = package(sheet(*[b'<row r="1"/>' * 100000] * 30))
    too_large(post(admin, body, XLSX, org=longju), "ratio", 100)


def test_xlsx_unzipped_cap_counts_the_bytes_as_they_come(admin, longju):
    # Empty rows again, varied enough to expand only ~20 times: 66 MiB of XML in ~3.3 MiB. (Deflate
    # level 5: level 9 packs it to ~2.5 MiB but takes the test client 15 s to 40 s.)
    rnd = random.Random(7)
    tokens = [b'<row x="a"/>', b'<row x="b"/>', b'<row x="c"/>', b'<row x="d"/>']
    chunks = [b"".join(rnd.choices(tokens, k=100000)) for _ in range(58)]
    body = package(sheet(*chunks), level=5)
    assert len(body) < 4 * MiB
    too_large(post(admin, body, XLSX, org=longju), "unzipped", 64 * MiB)
    # The same package declaring the sheet 1,000 bytes long: the bytes are counted as they come.
    lying = bytearray(body)
    at = lying.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", lying, at + 28)[0]
        if lying[at + 46:at + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", lying, at + 24, 1000)  # the central directory's uncompressed size
        at = lying.find(b"PK\x01\x02", at + 4)
    assert lying != body
    too_large(post(admin, bytes(lying), XLSX, org=longju), "unzipped", 64 * MiB)


def test_xlsx_shared_strings_cap(admin, longju):
    strings = [b"".join(b"<si><t>%d</t></si>" % i for i in range(k, k + 100000)) for k in range(0, 1000001, 100000)]
    body = package(sheet(b""), [f'<sst xmlns="{SML}">'.encode(), *strings, b"</sst>"])
    too_large(post(admin, body, XLSX, org=longju), "shared_strings", 1000000)


def test_xlsx_huge_tag_and_doctype_are_unreadable(admin, longju):
    good = [HEADER.encode(), person(2, "标签", id_with_check("34010419800101601")).encode()]
    r = post(admin, package(sheet(*good)), XLSX, org=longju, dry_run=1)
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text  # the same rows, without what is refused
    rnd = random.Random(3)  # a value that does not compress: one tag of 2 MiB, not a bomb
    huge = b'<row r="3" x="' + bytes(rnd.choices(b"abcdefghijklmnopqrstuvwxyz", k=2 * MiB)) + b'"/>'
    tag = package(sheet(*good, huge))
    doctype = package([b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>', *sheet(*good)])
    for body in (tag, doctype):
        r = post(admin, body, XLSX, org=longju, dry_run=1)
        err = error_of(r)
        assert (r.status_code, err["code"], err["field"]) == (400, "validation_failed", "file"), r.text
        assert "XLSX" in err["message"]


def test_hostile_files_change_nothing_and_cost_bounded_memory(server, admin, longju):
    """Each hostile file leaves the people as they were, the server's peak RSS while it is read
    (the kernel's high-water mark, reset before each) stays under 64 MiB above its RSS before, and
    the memory goes back once it is answered."""
    before = people_count(admin, longju)
    pid = server.proc.pid

    def status(key):
        with open(f"/proc/{pid}/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith(key + ":"))
    for body, ctype in ((b"a\n" * 5000000, "text/csv"), (bomb(), XLSX)):
        idle = status("VmRSS")
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        r = post(admin, body, ctype, org=longju)
        peak, left = status("VmHWM") - idle, status("VmRSS") - idle
        assert peak < 64 * 1024, f"peak {peak} KiB above idle"
        # Given back; a sanitized build keeps freed blocks in its quarantine by design.
        assert left < (64 if os.environ.get("JICENG_SANITIZED") else 16) * 1024, f"{left} KiB kept after the answer"
        assert r.status_code == 413, r.text
    assert people_count(admin, longju) == before
    assert admin.get("/healthz").status_code == 200


# ---- off the event loop ----

@pytest.fixture(scope="module")
def one_loop():
    """A server with a single event loop and no queue for imports: one import checked at a time,
    no other waiting."""
    s = Server(extra_args=["--threads", "1", "--import-threads", "1", "--import-queue", "0"])
    yield s
    assert s.close() == 0, s.stderr


@pytest.mark.timed
def test_healthz_answers_while_a_large_import_is_checked(one_loop):
    admin = one_loop.admin()
    longju = one_loop.org_id(LONGJU)
    body = good_csv(20000, 0)
    result, times = {}, []

    def run():
        result["r"] = post(admin.same_session(), body, org=longju, dry_run=1)
    t = threading.Thread(target=run)
    t.start()
    health = one_loop.client()
    while t.is_alive():
        t0 = time.monotonic()
        assert health.get("/healthz").status_code == 200
        times.append(time.monotonic() - t0)
    t.join()
    assert result["r"].status_code == 200 and result["r"].json()["valid"] == 20000, result["r"].text
    # The only loop answered many times while the 20,000 rows were read and checked, each soon.
    assert len(times) >= 20, times
    assert sorted(times)[len(times) // 2] < 0.05, times


def test_imports_beyond_the_queue_answer_busy(one_loop):
    admin = one_loop.admin()
    longju = one_loop.org_id(LONGJU)
    result = {}

    def run():  # refused while one of the small ones below is checked: sent again, as Retry-After says
        client, body = admin.same_session(), good_csv(20000, 0)
        result["r"] = post(client, body, org=longju, dry_run=1)
        while result["r"].status_code == 503:
            result["r"] = post(client, body, org=longju, dry_run=1)
    t = threading.Thread(target=run)
    t.start()
    other, answers = admin.same_session(), []
    small = good_csv(1, 30000)
    while t.is_alive():  # until one is refused, or the long import is answered: each is checked or refused
        r = post(other, small, org=longju, dry_run=1)
        answers.append(r)
        if r.status_code == 503:
            break
    t.join()
    assert result["r"].status_code == 200, result["r"].text
    busy = [r for r in answers if r.status_code == 503]
    assert busy, [r.status_code for r in answers]
    assert error_of(busy[0])["code"] == "busy" and busy[0].headers["Retry-After"] == "1"
    assert all(r.status_code in (200, 503) for r in answers)
    r = post(other, small, org=longju, dry_run=1)
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text
