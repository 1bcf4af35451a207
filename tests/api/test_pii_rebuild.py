"""Issue #13, item 1: a masked ID number cannot be rebuilt. For sample residents, everything a user
without pii.reveal can get (get, list, search, masked CSV and XLSX exports, the party members'
list, the audit log, the dashboard) and everything the database files hold without the key (the SQLite file and its WAL or
a pg_dump, the PostgreSQL data directory, a backup) is read; every 18-character number with a valid
check character consistent with all of it is enumerated, the 6-digit region taken as known (the
worst case); at least 10,000 must remain, the true number among them (docs/people.md, "What a
masked number tells")."""
import csv
import datetime
import io
import os
import re
import time

import pytest

import backend
import conftest
from conftest import Server, error_of, run_cli
from test_openapi import xlsx_rows

LONGJU = "340104006006"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
BOUND = 10_000
SEARCH_LIMIT = 3


def check_char(first17):
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def id_with_check(first17):
    return first17 + check_char(first17)


# Men and women, a leap-year birthday, an X check character, New Year's Eve and Day.
SAMPLES = {
    "样本闰日": id_with_check("34010419800229013"),
    "样本女X": "11010519491231002X",
    "样本新年": id_with_check("34010220000101556"),
    "样本夏": id_with_check("34011119920715247"),
}
assert SAMPLES["样本女X"][-1] == "X"


def today():
    return datetime.datetime.fromtimestamp(time.time() + 8 * 3600, datetime.timezone.utc).date()


class Knowledge:
    """What one observer has learned about one resident's number: fixed characters by position, the gender,
    the possible birth years, and the birth date when something showed it."""

    def __init__(self, true_id):
        self.true = true_id
        self.fixed = {i: true_id[i] for i in range(6)}  # the region: assumed known
        self.gender = None
        self.years = None
        self.date = None
        self.sources = []

    def fix(self, position, char, source):
        assert self.fixed.get(position, char) == char, (position, char, source)
        self.fixed[position] = char
        self.sources.append(source)

    def year_in(self, years, source):
        self.years = set(years) if self.years is None else self.years & set(years)
        self.sources.append(source)

    def learn_text(self, text, source):
        """Anything shown about the resident: a mask-like string fixes the characters it keeps; then learn_raw."""
        text = str(text)
        for m in re.finditer(r"(?<![0-9A-Za-z*])[0-9X*]{18}(?![0-9A-Za-z*])", text):
            for i, c in enumerate(m.group(0)):
                if c != "*":
                    self.fix(i, c, source)
        self.learn_raw(text, source)

    def learn_raw(self, text, source):
        """Bytes that hold many residents: the birth date in either form, or the number from its month on, found
        anywhere counts as learned (the conservative reading: the attacker is assumed to tell whose it is)."""
        birth = self.true[6:14]
        dashed = f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"
        if birth in text or dashed in text:
            self.date = birth
            self.sources.append(source)
        if self.true[10:] in text:  # the month, day, sequence and check character
            for i in range(10, 18):
                self.fix(i, self.true[i], source)

    def learn_record(self, record, source):
        """A record (a dict of an answer, or a spreadsheet row keyed by its header)."""
        for key, value in record.items():
            if value is None:
                continue
            if key in ("gender", "性别"):
                self.gender = {"M": "M", "男": "M", "F": "F", "女": "F"}[str(value)]
            elif key in ("birth_year", "出生年份") and str(value):
                self.year_in([int(value)], source)
            elif key == "age":  # whatever the rounding, one of two years
                self.year_in([today().year - int(value), today().year - int(value) - 1], source)
            elif key in ("birth_date", "出生日期") and str(value):
                self.date = str(value).replace("-", "")
            if isinstance(value, dict):
                self.learn_record(value, source)
            self.learn_text(value if not isinstance(value, (dict, list)) else repr(value), source)

    def candidates(self):
        """Every number consistent with what was learned (region fixed), counted exhaustively over the possible
        years (the true year's neighbours when no year was shown: enough to pass the bound, which is all the
        count is for then)."""
        first = self.true[:6]
        years = sorted(self.years) if self.years is not None else range(int(self.true[6:10]) - 1,
                                                                         int(self.true[6:10]) + 2)
        count, true_found = 0, False
        for year in years:
            day = datetime.date(year, 1, 1)
            while day.year == year and day <= today():
                birth = day.strftime("%Y%m%d")
                day += datetime.timedelta(days=1)
                if self.date and birth != self.date:
                    continue
                if any(self.fixed.get(6 + i, c) != c for i, c in enumerate(birth)):
                    continue
                for seq in range(1000):
                    if self.gender and (seq % 2 == 1) != (self.gender == "M"):
                        continue
                    s = f"{seq:03d}"
                    if any(self.fixed.get(14 + i, c) != c for i, c in enumerate(s)):
                        continue
                    body = first + birth + s
                    c = check_char(body)
                    if self.fixed.get(17, c) != c:
                        continue
                    count += 1
                    true_found = true_found or body + c == self.true
        return count, true_found


def assert_not_rebuilt(knowledge, who):
    count, true_found = knowledge.candidates()
    assert true_found, f"{who}: the enumeration lost the true number ({knowledge.true}): {knowledge.sources}"
    assert count >= BOUND, f"{who}: {count} numbers fit what {sorted(set(knowledge.sources))} show, fewer than {BOUND}"
    return count


@pytest.fixture(scope="module")
def server():
    s = Server(extra_args=["--id-search-limit", str(SEARCH_LIMIT)])
    yield s
    assert s.close() == 0, s.stderr


@pytest.fixture(scope="module")
def city(server):
    admin = server.admin()
    org = server.org_id(LONGJU)
    people = {}
    hh = admin.post("/api/v1/households", json={"org_id": org, "address": "样本小区 1 栋"}).json()
    for k, (name, idc) in enumerate(SAMPLES.items()):
        r = admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": idc, "household_id": hh["id"],
                                                "phone": f"1390000{k:04d}", "tags": ["veteran"]})
        assert r.status_code == 201, r.text
        people[name] = r.json()
    # A party member: the membership list shows the person too.
    po = admin.post("/api/v1/party-orgs", json={"org_id": org, "kind": "党支部", "name": "样本党支部"}).json()
    r = admin.post("/api/v1/party-members", json={"person_id": people["样本夏"]["id"], "party_org_id": po["id"],
                                                  "status": "正式", "joined_on": "2015-07-01"})
    assert r.status_code == 201, r.text
    # A change too: its audit row is part of what an auditor reads.
    first = people["样本闰日"]
    r = admin.patch(f"/api/v1/persons/{first['id']}", json={"id_card": SAMPLES["样本闰日"].lower()})
    assert r.status_code == 200, r.text
    auditor = server.make_user(admin, "rebuild-auditor", "auditor", 1)
    return {"admin": admin, "auditor": auditor, "org": org, "people": people}


def sheet_records(rows):
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


def test_what_a_user_without_reveal_sees_leaves_ten_thousand(server, city):
    viewer, org = city["auditor"], city["org"]
    counts = {}
    listed = viewer.get("/api/v1/persons", params={"org": org, "limit": 200}).json()["items"]
    export_csv = viewer.get("/api/v1/persons/export", params={"org": org})
    export_xlsx = viewer.get("/api/v1/persons/export", params={"org": org, "format": "xlsx"})
    assert export_csv.status_code == 200 and export_xlsx.status_code == 200
    csv_rows = sheet_records(list(csv.reader(io.StringIO(export_csv.content.decode("utf-8-sig")))))
    xlsx_records = sheet_records(xlsx_rows(export_xlsx.content))
    stats = viewer.get(f"/api/v1/orgs/{org}/stats").text
    members = viewer.get("/api/v1/party-members", params={"org": org, "limit": 200}).json()["items"]
    assert city["people"]["样本夏"]["id"] in [m["person_id"] for m in members]
    for name, idc in SAMPLES.items():
        pid = city["people"][name]["id"]
        k = Knowledge(idc)
        k.learn_record(viewer.get(f"/api/v1/persons/{pid}").json(), "get")
        k.learn_record(next(p for p in listed if p["id"] == pid), "list")
        found = viewer.get("/api/v1/persons", params={"q": name}).json()["items"]
        k.learn_record(next(p for p in found if p["id"] == pid), "search by name")
        k.learn_record(next(r for r in csv_rows if r["姓名"] == name), "export csv")
        k.learn_record(next(r for r in xlsx_records if r["姓名"] == name), "export xlsx")
        for row in viewer.get("/api/v1/audit", params={"entity": "person", "entity_id": pid}).json()["items"]:
            k.learn_record(row, "audit log")
        k.learn_text(stats, "stats")
        for m in members:
            if m["person_id"] == pid:
                k.learn_record(m, "party members")
        # The search by tail would answer what the mask hides: refused, naming id_tail.
        r = viewer.get("/api/v1/persons", params={"org": org, "id_tail": idc[-4:]})
        assert r.status_code == 403 and error_of(r)["field"] == "id_tail"
        counts[name] = assert_not_rebuilt(k, f"auditor on {name}")
    print("candidates per resident, for a user without pii.reveal:", counts)


def test_what_the_database_files_hold_leaves_ten_thousand(server, city, tmp_path):
    con = backend.connect(server.db)
    columns = backend.columns(con, "person")
    copy = backend.backup_copy(server.db, str(tmp_path / "backup.db"), run_cli)
    raw = {"database": backend.stored_bytes(server.db), "backup": backend.stored_bytes(copy)}
    if backend.BACKEND == "postgres":
        # The database's own files as they lie on disk (after a checkpoint) and the WAL written since its server
        # started, file by file: the rest of the shared test cluster holds other tests' databases, not these.
        for f in conftest._pg_files(server.db, server.started):
            try:
                with open(f, "rb") as fh:
                    raw[f"data directory: {os.path.basename(f)}"] = fh.read()
            except FileNotFoundError:  # removed since listed (pg_internal.init, a WAL segment recycled)
                pass
    counts = {}
    for name, idc in SAMPLES.items():
        pid = city["people"][name]["id"]
        k = Knowledge(idc)
        row = con.execute(f"SELECT {', '.join(columns)} FROM person WHERE id = ?", (pid,)).fetchone()
        record = dict(zip(columns, row))
        k.learn_record(record, "person row")
        # A stored value of the true tail's characters, whatever its column, counts as the tail.
        for column, value in record.items():
            if isinstance(value, str) and 2 <= len(value) <= 4 and idc.endswith(value):
                for i in range(18 - len(value), 18):
                    k.fix(i, idc[i], f"person.{column}")
        for (summary,) in con.execute("SELECT summary FROM audit_log WHERE entity = 'person' AND entity_id = ?",
                                      (pid,)).fetchall():
            k.learn_text(summary, "audit row")
            if "birth_date" in summary:
                k.date = idc[6:14]
        for what, data in raw.items():
            k.learn_raw(data.decode("latin-1"), what)
        counts[name] = assert_not_rebuilt(k, f"the files on {name}")
    con.close()
    print("candidates per resident, from the database files:", counts)


def test_a_search_by_exact_number_is_audited_and_limited(server, city):
    viewer, org, admin = city["auditor"], city["org"], city["admin"]
    idc = SAMPLES["样本夏"]
    pid = city["people"]["样本夏"]["id"]
    before = len(admin.get("/api/v1/audit", params={"action": "persons.searched_by_id"}).json()["items"])
    # Each search confirms or refutes one guess: answered, audited without the number, and counted.
    for guess, want in ((idc, [pid]), (id_with_check("34011119920715249"), []), (idc, [pid])):
        r = viewer.get("/api/v1/persons", params={"id_card": guess, "org": org})
        assert r.status_code == 200, r.text
        assert [p["id"] for p in r.json()["items"]] == want
    rows = admin.get("/api/v1/audit", params={"action": "persons.searched_by_id"}).json()["items"]
    assert len(rows) == before + SEARCH_LIMIT
    assert all(idc not in str(row) and idc[-4:] not in str(row["summary"]) for row in rows)
    assert [row["summary"]["found"] for row in rows[:SEARCH_LIMIT]] == [1, 0, 1]  # newest first
    # The limit: the next one is refused, changes nothing and leaves no audit row.
    r = viewer.get("/api/v1/persons", params={"id_card": idc, "org": org})
    assert r.status_code == 429 and error_of(r)["code"] == "rate_limited" and error_of(r)["field"] == "id_card"
    assert len(admin.get("/api/v1/audit", params={"action": "persons.searched_by_id"}).json()["items"]) == \
        before + SEARCH_LIMIT
    # An export by number would be a guess outside the limit: refused to who may not reveal.
    r = viewer.get("/api/v1/persons/export", params={"id_card": idc})
    assert r.status_code == 403 and error_of(r)["field"] == "id_card"
    # Who may reveal searches by number and by tail as before, unlimited and unaudited.
    for _ in range(SEARCH_LIMIT + 1):
        assert [p["id"] for p in admin.get("/api/v1/persons", params={"id_card": idc}).json()["items"]] == [pid]
    assert pid in [p["id"] for p in admin.get("/api/v1/persons", params={"id_tail": idc[-4:]}).json()["items"]]
    # An export's audit row keeps its query without the number searched by.
    r = admin.get("/api/v1/persons/export", params={"id_card": idc})
    assert r.status_code == 200 and r.text.count("\n") == 2
    row = admin.get("/api/v1/audit", params={"action": "persons.exported"}).json()["items"][0]
    assert idc not in str(row) and row["summary"]["query"].get("id_card") is True
