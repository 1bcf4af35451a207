"""`jiceng import persons` and `jiceng export persons`: the API's import and export
from the command line (same checks, same audit), with a progress bar on a terminal
and a line per stage elsewhere."""
import os
import pty
import re
import select
import sqlite3
import stat
import subprocess
import time

import pytest

import backend
from conftest import BIN, assert_clean, DIVISIONS, PASSWORD, Server, assert_no_leaks, run_cli
from test_demo import fresh_db as new_db  # a database with the real divisions
from test_people import id_with_check

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"
HEADER = "姓名,身份证号,手机号,组织编码,户地址,与户主关系,标签"


@pytest.fixture()
def db():
    started = time.time()
    path = new_db()
    yield path
    try:
        assert_no_leaks(path, started)  # what the imports were given is nowhere in clear
    finally:
        subprocess.run(["rm", "-rf", os.path.dirname(path)])


def person_id(i):
    """A valid ID number, different for each i below 12 * 28 * 1000."""
    month, day, seq = 1 + i // 28000 % 12, 1 + i // 1000 % 28, i % 1000
    return id_with_check(f"3401041990{month:02d}{day:02d}{seq:03d}")


def rows(n, start=0, org=LONGJU):
    return [f"命令{i},{person_id(i)},1385678{i % 10000:04d},{org},龙居小区 {i // 3 + 1} 栋,"
            f"{'户主' if i % 3 == 0 else '子女'},独居老人" for i in range(start, start + n)]


def write_csv(dirpath, name, lines, encoding="utf-8"):
    path = os.path.join(dirpath, name)
    with open(path, "wb") as f:
        f.write(("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding))
    return path


def count(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def audit_rows(db, action):
    con = backend.connect(db)
    try:
        return con.execute("SELECT actor_name, source, summary FROM audit_log WHERE action = ? ORDER BY id",
                           (action,)).fetchall()
    finally:
        con.close()


def test_all_or_nothing_reports_the_bad_rows_and_writes_nothing(db):
    bad = rows(4) + ["坏行,340104199001010000,,340104006006,,,"]
    path = write_csv(os.path.dirname(db), "bad.csv", bad)
    audit_before = count(db, "SELECT COUNT(*) FROM audit_log")
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, "--lang", "en", path, check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "import_rejected" in p.stderr
    assert re.search(r"^5\s+id_card\s+validation_failed\s+the ID number's check character is wrong$", p.stdout, re.M), \
        p.stdout
    assert "5 rows: 4 valid, 1 with errors (nothing imported)" in p.stdout
    assert count(db, "SELECT COUNT(*) FROM person") == 0
    assert count(db, "SELECT COUNT(*) FROM household") == 0
    assert count(db, "SELECT COUNT(*) FROM audit_log") == audit_before
    # The report in Chinese, by LANG.
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, path, env={"LANG": "zh_CN.UTF-8"}, check=False)
    assert p.returncode == 1 and "身份证号校验位错误" in p.stdout and "共 5 行" in p.stdout
    # A dry run of a good file writes nothing and succeeds; of a bad one it fails.
    good = write_csv(os.path.dirname(db), "good.csv", rows(3))
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, "--dry-run", good)
    assert "3 valid, 0 with errors" in p.stdout and count(db, "SELECT COUNT(*) FROM person") == 0


def test_partial_imports_the_good_rows_and_again_changes_nothing(db):
    lines = rows(6)
    lines.insert(2, "没有号码,,,340104006006,,,")
    path = write_csv(os.path.dirname(db), "mixed.csv", lines)
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, "--partial", "--lang", "en", path)
    assert "7 rows: 6 imported, 0 already registered (unchanged), 1 with errors" in p.stdout, p.stdout
    assert re.search(r"^3\s+id_card\s+validation_failed\s", p.stdout, re.M), p.stdout
    assert count(db, "SELECT COUNT(*) FROM person") == 6
    assert count(db, "SELECT COUNT(*) FROM household") == 2
    # Stored like the API stores them: encrypted, hashed, masked.
    assert count(db, "SELECT COUNT(*) FROM person WHERE id_card_enc LIKE '3401%' OR id_card_masked NOT LIKE '%****%'") == 0
    households, audited = count(db, "SELECT COUNT(*) FROM audit_log"), audit_rows(db, "persons.imported")
    assert len(audited) == 1 and audited[0][0] == "cli" and '"imported":6' in audited[0][2].replace(" ", "")
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, "--partial", "--lang", "en", path)
    assert "0 imported, 6 already registered (unchanged)" in p.stdout
    assert count(db, "SELECT COUNT(*) FROM person") == 6 and count(db, "SELECT COUNT(*) FROM household") == 2
    assert count(db, "SELECT COUNT(*) FROM audit_log") == households + 1  # only the import's own row
    # A new resident at a known address joins that household, whichever run made it.
    run_cli("import", "persons", "--db", db, "--org", LONGJU, write_csv(os.path.dirname(db), "one.csv", rows(1, 7)))
    assert count(db, "SELECT COUNT(*) FROM household") == 3  # 命令7 makes 龙居小区 3 栋 ...
    # ... and 命令8, imported by another run, joins it
    run_cli("import", "persons", "--db", db, "--org", LONGJU, write_csv(os.path.dirname(db), "two.csv", rows(1, 8)))
    assert count(db, "SELECT COUNT(*) FROM household") == 3
    assert count(db, "SELECT COUNT(DISTINCT household_id) FROM person WHERE name IN ('命令7', '命令8')") == 1
    run_cli("audit", "verify", "--db", db)


def test_gbk_and_xlsx_files(db):
    d = os.path.dirname(db)
    gbk = write_csv(d, "gbk.csv", ["国标编码,%s,,,,," % person_id(900)], encoding="gbk")
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, "--lang", "en", gbk)
    assert "1 imported" in p.stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT name FROM person").fetchall() == [("国标编码",)]
    con.close()
    # An .xlsx: the revealed export of one database imports into another.
    run_cli("import", "persons", "--db", db, "--org", LONGJU, write_csv(d, "more.csv", rows(5)))
    xlsx = os.path.join(d, "all.xlsx")
    run_cli("export", "persons", "--db", db, "--org", LONGJU, "--reveal", "--reason", "迁移核对", "-o", xlsx)
    assert open(xlsx, "rb").read(4) == b"PK\x03\x04"
    other = new_db()
    try:
        p = run_cli("import", "persons", "--db", other, "--org", LONGJU, "--lang", "en", xlsx)
        assert "6 rows: 6 imported" in p.stdout, p.stdout
        src, dst = sqlite3.connect(db), sqlite3.connect(other)
        q = "SELECT name, gender, birth_year, id_card_masked, phone_masked FROM person ORDER BY name"
        assert src.execute(q).fetchall() == dst.execute(q).fetchall()
    finally:
        subprocess.run(["rm", "-rf", os.path.dirname(other)])


def test_export_masked_by_default_revealed_on_request_and_audited(db):
    d = os.path.dirname(db)
    run_cli("import", "persons", "--db", db, "--org", LONGJU, write_csv(d, "in.csv", rows(4)))
    out = os.path.join(d, "out", "persons.csv")
    os.mkdir(os.path.dirname(out))
    p = run_cli("export", "persons", "--db", db, "--org", LONGJU, "-o", out)
    assert "4 residents, masked" in p.stdout
    text = open(out, encoding="utf-8-sig").read()
    assert person_id(0) not in text and "3401*************" + person_id(0)[-1] in text and "138****0000" in text
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    p = run_cli("export", "persons", "--db", db, "--org", LONGJU, "--reveal", "--reason", "导出核对", "--q", "命令1", "--output", out)
    text = open(out, encoding="utf-8-sig").read()
    assert person_id(1) in text and "13856780001" in text and person_id(0) not in text
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert os.listdir(os.path.dirname(out)) == ["persons.csv"]  # no temp file left beside it
    exports = audit_rows(db, "persons.exported")
    assert [('"revealed": true' in s or '"revealed":true' in s) for _, _, s in exports] == [False, True]
    assert all(a == "cli" and src == "cli" for a, src, _ in exports)
    run_cli("audit", "verify", "--db", db)


def test_acting_as_a_user_and_refusals(db):
    d = os.path.dirname(db)
    path = write_csv(d, "in.csv", rows(2))
    run_cli("user", "add", "--db", db, "longju_staff", "--org", LONGJU, "--role", "org_staff",
            env={"JICENG_PASSWORD": PASSWORD})
    run_cli("user", "add", "--db", db, "other_staff", "--org", TIANHAIXIANG, "--role", "org_staff",
            env={"JICENG_PASSWORD": PASSWORD})
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, "--as", "other_staff", path, check=False)
    assert p.returncode == 1 and "not_found" in p.stderr and count(db, "SELECT COUNT(*) FROM person") == 0
    run_cli("import", "persons", "--db", db, "--org", LONGJU, "--as", "longju_staff", path)
    assert [a for a, _, _ in audit_rows(db, "persons.imported")] == ["longju_staff"]
    # An auditor reads, never in clear.
    run_cli("user", "add", "--db", db, "auditor_x", "--org", LONGJU, "--role", "auditor",
            env={"JICENG_PASSWORD": PASSWORD})
    p = run_cli("export", "persons", "--db", db, "--org", LONGJU, "--as", "auditor_x", "--reveal", "-o",
                os.path.join(d, "x.csv"), check=False)
    assert p.returncode == 1 and "forbidden" in p.stderr and not os.path.exists(os.path.join(d, "x.csv"))
    run_cli("export", "persons", "--db", db, "--org", LONGJU, "--as", "auditor_x", "-o", os.path.join(d, "x.csv"))
    assert [a for a, _, _ in audit_rows(db, "persons.exported")] == ["auditor_x"]
    for args in (["--org", "999999"], ["--org", LONGJU, "--as", "nobody"]):
        p = run_cli("import", "persons", "--db", db, *args, path, check=False)
        assert p.returncode == 1 and ("no organisation" in p.stderr or "no user" in p.stderr), p.stderr
    assert run_cli("import", "persons", "--db", db, path, check=False).returncode == 2  # no --org
    assert run_cli("import", "households", "--db", db, "--org", LONGJU, path, check=False).returncode == 2
    assert "--partial" in run_cli("import", "--help").stdout and "--reveal" in run_cli("export", "--help").stdout
    assert count(db, "SELECT COUNT(*) FROM person") == 2


def test_progress_is_a_line_per_stage_off_a_terminal(db):
    path = write_csv(os.path.dirname(db), "big.csv", rows(1500))
    p = run_cli("import", "persons", "--db", db, "--org", LONGJU, path)
    stages = [line.split(":")[0] for line in p.stderr.splitlines()]
    assert stages == ["read", "check", "write"], p.stderr
    assert re.search(r"^write: 1500 in \d+\.\ds \(\d+/s\)$", p.stderr, re.M), p.stderr
    assert "\r" not in p.stderr
    p = run_cli("export", "persons", "--db", db, "--org", LONGJU, "-o", os.path.join(os.path.dirname(db), "o.csv"))
    assert [line.split(":")[0] for line in p.stderr.splitlines()] == ["read", "file"], p.stderr


def run_on_terminal(*args):
    """Run jiceng with standard error on a pseudo-terminal; (exit status, what the terminal showed)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([BIN, *args], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, "no output from the terminal in 60 s"
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert_clean(shown.decode(errors="replace"), f"jiceng {' '.join(args)}")
    return p.wait(timeout=60), shown.decode()


def test_progress_bar_with_rate_and_time_left_on_a_terminal(db):
    path = write_csv(os.path.dirname(db), "big.csv", rows(3000))
    code, shown = run_on_terminal("import", "persons", "--db", db, "--org", LONGJU, path)
    assert code == 0, shown
    bars = re.findall(r"(\w+)\s+\[(#*) *\] (\d+)/(\d+)\s+(\d+)/s\s+(\d+)s left", shown)
    assert {b[0] for b in bars} == {"read", "check", "write"}, shown
    ends = [b for b in bars if b[0] == "write" and b[2] == b[3] == "3000"]
    assert ends and len(ends[-1][1]) == 30 and int(ends[-1][4]) > 0, shown
    code, shown = run_on_terminal("import-divisions", "--db", db, DIVISIONS)
    assert code == 0 and re.search(r"divisions\s+\[#{30}\] \d+/\d+\s+\d+/s\s+0s left", shown), shown


def test_cli_import_while_serving_keeps_the_audit_chain():
    """The server's writer keeps the audit head in memory; a CLI import commits in
    between two of its writes, and the chain stays whole."""
    s = Server()
    try:
        admin = s.admin()
        longju = s.org_id(LONGJU)
        r = admin.post("/api/v1/orgs", json={"parent_id": longju, "level": "grid", "name": "导入前网格"})
        assert r.status_code == 201, r.text
        run_cli("import", "persons", "--db", s.db, "--org", LONGJU, write_csv(s.dir, "in.csv", rows(5)))
        r = admin.post("/api/v1/orgs", json={"parent_id": longju, "level": "grid", "name": "导入后网格"})
        assert r.status_code == 201, r.text
        items = admin.get("/api/v1/persons", params={"org": longju, "q": "命令"}).json()["items"]
        assert len(items) == 5 and all("*" in p["id_card"] for p in items)
        assert s.stop() == 0, s.stderr
        p = run_cli("audit", "verify", "--db", s.db)
        assert "audit chain ok" in p.stdout
        assert [a for a, _, _ in audit_rows(s.db, "persons.imported")] == ["cli"]
    finally:
        s.close()


def test_cli_import_runs_the_write_pipeline_like_the_api():
    """A CLI import and an API import of like files in two sibling communities leave the
    same figures, and the CLI's rows sit in the audit chain the server goes on extending:
    both run the one write pipeline (its hooks: the audit head kept and written before
    the commit, the kept state forgotten when another connection wrote)."""
    qingyang, qingxi, wulidun = "340104006002", "340104006003", "340104006"
    s = Server()
    try:
        admin = s.admin()
        a, b, street = s.org_id(qingyang), s.org_id(qingxi), s.org_id(wulidun)

        def stats(org):
            r = admin.get(f"/api/v1/orgs/{org}/stats")
            assert r.status_code == 200, r.text
            return r.json()

        def people_figures(org):
            got = stats(org)
            return got["people"], got["figures"]

        street_before = stats(street)["people"]
        assert people_figures(a) == people_figures(b)  # two empty siblings
        r = admin.post("/api/v1/persons/import", params={"org": a}, headers={"Content-Type": "text/csv"},
                       data=("\r\n".join([HEADER, *rows(5, 41100, qingyang)]) + "\r\n").encode())
        assert r.status_code == 200 and r.json()["imported"] == 5, r.text
        assert people_figures(a) != people_figures(b)
        p = run_cli("import", "persons", "--db", s.db, "--org", qingxi, "--lang", "en",
                    write_csv(s.dir, "b.csv", rows(5, 42000, qingxi)))
        assert "5 imported" in p.stdout, p.stdout
        assert people_figures(a) == people_figures(b)
        people_a = stats(a)["people"]
        assert people_a["residents"] == 5 and people_a["households"] == 2, people_a
        street_after = stats(street)["people"]
        assert street_after["residents"] == street_before.get("residents", 0) + 10, (street_before, street_after)
        # The server's next write follows the CLI's row in the chain, which verifies while it runs.
        r = admin.post("/api/v1/orgs", json={"parent_id": b, "level": "grid", "name": "命令后网格"})
        assert r.status_code == 201, r.text
        assert "audit chain ok" in run_cli("audit", "verify", "--db", s.db).stdout
        con = backend.connect(s.db)
        try:
            chain = con.execute("SELECT action, source FROM audit_log WHERE action IN ('persons.imported', 'org.created')"
                                " ORDER BY id").fetchall()
        finally:
            con.close()
        assert [(act, src == "cli") for act, src in chain[-3:]] == \
            [("persons.imported", False), ("persons.imported", True), ("org.created", False)], chain
    finally:
        s.close()
