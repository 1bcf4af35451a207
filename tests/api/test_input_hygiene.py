"""Input hygiene (issue #13's items): a malformed query value is refused naming its
parameter instead of being dropped (which widened the answer to the caller's whole
scope), and the refusal never echoes the value."""
import http.client
import json
import os
import stat
import subprocess

from conftest import BIN, assert_clean, DIVISIONS, Server, error_of, run_cli
from test_people import id_with_check

# Raw query strings, sent as they are (requests would re-encode a params dict).
MALFORMED = [
    ("%FF", "not UTF-8"),
    ("%00", "a NUL"),
    ("34010419%0A", "a line break"),
    ("%C2%85", "a C1 control"),
    ("%E4%B8", "a cut UTF-8 sequence"),
    ("%zz", "a bad escape"),
    ("%4", "a short escape"),
    ("%7F", "DEL"),
]


class Raw:
    """An answer to a request sent byte for byte (requests would re-encode a bad escape)."""

    def __init__(self, status, text):
        self.status_code, self.text = status, text

    def json(self):
        return json.loads(self.text)


def raw_get(c, path, query, headers=None):
    port = int(c.base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie = "; ".join(f"{k}={v}" for k, v in c.s.cookies.items())
    conn.request("GET", path + "?" + query, headers={"Cookie": cookie, **(headers or {})})
    r = conn.getresponse()
    out = Raw(r.status, r.read().decode())
    conn.close()
    return out


def test_malformed_query_values_answer_400_naming_the_parameter(server, admin):
    routes = [("/api/v1/persons", "id_card"), ("/api/v1/persons", "q"), ("/api/v1/persons/export", "id_card"),
              ("/api/v1/persons/export", "phone_tail"), ("/api/v1/orgs", "q"), ("/api/v1/cases", "state"),
              ("/api/v1/audit", "action"), ("/api/v1/households", "q")]
    for path, name in routes:
        for value, what in MALFORMED:
            r = raw_get(admin, path, f"limit=5&{name}={value}")
            assert r.status_code == 400, (path, name, what, r.status_code, r.text[:200])
            err = error_of(r)
            assert (err["code"], err["field"]) == ("invalid_query", name), (path, name, what, err)
            assert value not in r.text
    # A well-formed value of the same parameter is still served.
    assert raw_get(admin, "/api/v1/persons", "id_card=%E4%B8%AD").status_code == 200
    assert raw_get(admin, "/api/v1/orgs", "q=%E5%90%88%E8%82%A5&limit=5").status_code == 200


def test_malformed_names_and_english(server, admin):
    r = raw_get(admin, "/api/v1/persons", "%FF=1", headers={"Accept-Language": "en"})
    err = error_of(r)
    assert (r.status_code, err["code"], err["field"]) == (400, "invalid_query", "query"), r.text
    assert "malformed" in err["message"]
    # A name that is not a plain identifier is not echoed either.
    r = raw_get(admin, "/api/v1/persons", "13856780000=%FF")
    assert error_of(r)["field"] == "query" and "13856780000" not in r.text


def test_open311_refuses_malformed_query(server):
    anonymous = server.client()
    for query in ("status=%FF", "service_code=a%00b", "status=%zz"):
        r = raw_get(anonymous, "/open311/v2/requests.json", query)
        assert r.status_code == 400, (query, r.text)
        body = r.json()
        assert isinstance(body, list) and body[0]["code"] == 400, body


# ---- files the program writes are 0600 (issue #13's item 5), on SQLite whatever the suite's backend ----

def run_022(*args):
    """jiceng ARGS under the usual permissive umask (022): the program must not rely on the caller's."""
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    assert_clean(p.stderr, f"jiceng {' '.join(args)}")
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_the_program_writes_are_0600(tmp_path):
    d = str(tmp_path)
    db = os.path.join(d, "t.db")
    run_022("init", "--db", db, "--password-file", os.path.join(d, "admin-password.txt"))
    run_022("import-divisions", "--db", db, DIVISIONS)
    for f in ("t.db", "t.db.key", "admin-password.txt"):
        assert mode(os.path.join(d, f)) == 0o600, (f, oct(mode(os.path.join(d, f))))
    pw = open(os.path.join(d, "admin-password.txt")).read().strip()
    s = Server(db=db)
    try:
        admin = s.client()
        admin.login("admin", pw)
        r = admin.get("/api/v1/orgs", params={"q": "340104006006"})
        org = [o for o in r.json()["items"] if o["code"] == "340104006006"][0]["id"]
        r = admin.post("/api/v1/persons", json={"org_id": org, "name": "权限甲", "id_card": "11010519491231002X"})
        assert r.status_code == 201, r.text
        # While serving, with writes made: the WAL and the shared-memory index exist, 0600.
        for f in ("t.db", "t.db-wal", "t.db-shm"):
            assert os.path.exists(os.path.join(d, f)) and mode(os.path.join(d, f)) == 0o600, f
        # An export answered over HTTP leaves no file; the CLI's are 0600 (CSV and XLSX).
        run_022("export", "persons", "--db", db, "--org", "340104006006", "-o", os.path.join(d, "p.csv"))
        run_022("export", "persons", "--db", db, "--org", "340104006006", "-o", os.path.join(d, "p.xlsx"))
        run_022("backup", "--db", db, os.path.join(d, "backup.db"))
        for f in ("p.csv", "p.xlsx", "backup.db"):
            assert mode(os.path.join(d, f)) == 0o600, (f, oct(mode(os.path.join(d, f))))
    finally:
        assert s.stop() == 0, s.stderr
    # A database made 0644 by an older version (its WAL too) is made 0600 when next opened to write.
    for f in ("t.db", "t.db-wal"):
        if os.path.exists(os.path.join(d, f)):
            os.chmod(os.path.join(d, f), 0o644)
    p = run_022("migrate", "--db", db)
    assert mode(db) == 0o600 and "readable by others" in p.stderr, p.stderr
    assert not os.path.exists(db + "-wal") or mode(db + "-wal") == 0o600


# ---- no personal number in an audit summary (issue #13's item 2) ----

def test_audit_summaries_carry_facts_not_personal_numbers(server, admin):
    org = server.org_id("340104006006")
    idc, phone = id_with_check("34010419800101057"), "13956781234"
    r = admin.post("/api/v1/persons", json={"org_id": org, "name": "审计甲", "id_card": idc, "phone": phone})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    # The export of one resident found by ID number: the row says a filter by ID number was used.
    r = admin.get("/api/v1/persons/export", params={"org": org, "id_card": idc, "phone_tail": "1234"})
    assert r.status_code == 200, r.text
    # A rename whose address carries a landline.
    # A reveal whose reason quotes the phone is refused (the reason goes into the audit row).
    r = admin.post(f"/api/v1/persons/{pid}/reveal", json={"field": "phone", "reason": f"回拨 {phone} 核实"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "reason_personal_data", r.text
    r = admin.post(f"/api/v1/persons/{pid}/reveal", json={"field": "phone", "reason": "回拨核实"})
    assert r.status_code == 200, r.text
    r = admin.patch(f"/api/v1/persons/{pid}", json={"phone": None})
    assert r.status_code == 200, r.text
    r = admin.post("/api/v1/households", json={"org_id": org, "address": "龙居小区 1 栋 电话0551-62345678"})
    assert r.status_code == 201, r.text
    rows = admin.get("/api/v1/audit", params={"limit": 10}).json()["items"]
    by = {}
    for a in rows:
        by.setdefault(a["action"], a["summary"])
    assert by["persons.exported"]["query"] == {"org": org, "id_card": True, "phone_tail": True}, by
    assert by["person.created"]["id_card"] == "(changed)" and by["person.created"]["phone"] == "(changed)", by
    assert by["person.updated"]["phone"] == "(removed)", by
    assert by["person.revealed"]["reason"] == "回拨核实", by
    assert "0551-62345678" not in by["household.created"]["address"], by
    text = json.dumps(rows, ensure_ascii=False)
    for v in (idc, phone, "0551-62345678", "62345678", "1234\""):
        assert v not in text, v


# ---- names without invisible format characters, dates within sane bounds (issue #13's "also") ----

BAD_NAMES = [("\u202e丽王", "a right-to-left override"), ("王\u200b丽", "a zero-width space"),
             ("王\u200d丽", "a zero-width joiner"), ("\u2066王丽\u2069", "an isolate"), ("\ufeff王丽", "a BOM"),
             ("王\u00ad丽", "a soft hyphen"), ("\u3000", "only an ideographic space"),
             ("\u3000 \u3000", "only blanks"), ("\u00a0\u2003", "a no-break and an em space"), ("\u3164", "a filler")]


def test_names_refuse_format_characters_and_blank_text(server, admin):
    org = server.org_id("340104006006")
    routes = [
        ("POST", "/api/v1/persons", {"org_id": org, "id_card": id_with_check("34010419800101066")}, "name"),
        ("POST", "/api/v1/orgs", {"parent_id": org, "level": "grid"}, "name"),
        ("POST", "/api/v1/units", {"org_id": org, "type": "enterprise"}, "name"),
        ("POST", "/api/v1/party-orgs", {"org_id": org, "kind": "党支部"}, "name"),
        ("POST", "/api/v1/party-orgs", {"org_id": org, "kind": "党支部", "name": "名称核对支部"}, "secretary"),
        ("POST", "/api/v1/users", {"username": "name.check", "password": "Str0ng-Password"}, "display_name"),
        ("POST", "/api/v1/cases", {"category": "sanitation", "description": "详情", "org_id": org}, "title"),
        ("POST", "/api/v1/auth/tokens", {}, "name"),
    ]
    for method, path, body, field in routes:
        for value, what in BAD_NAMES:
            r = admin.request(method, path, json={**body, field: value})
            assert r.status_code == 400, (path, field, what, r.status_code, r.text)
            err = error_of(r)
            assert (err["code"], err["field"]) == ("validation_failed", field), (path, field, what, err)
    # Names people really have stay welcome: a middle dot, a hyphen, Latin letters with accents.
    for i, name in enumerate(("阿依古丽·买买提", "Jean-Luc", "Zoë")):
        r = admin.post("/api/v1/persons", json={"org_id": org, "name": name,
                                                "id_card": id_with_check(f"3401041980010107{i}")})
        assert r.status_code == 201, (name, r.text)
    r = admin.post("/api/v1/orgs", json={"parent_id": org, "level": "grid", "name": "\u202e网格"},
                   headers={"Accept-Language": "en"})
    assert "format characters" in error_of(r)["message"]


def test_dates_within_sane_bounds(server, admin):
    org = server.org_id("340104006006")
    person = admin.post("/api/v1/persons", json={"org_id": org, "name": "日期甲",
                                                 "id_card": id_with_check("34010419800101090")}).json()["id"]
    po = admin.post("/api/v1/party-orgs", json={"org_id": org, "kind": "党支部", "name": "日期支部"})
    assert po.status_code == 201, po.text
    po = po.json()["id"]
    cases = [
        ("/api/v1/persons", {"org_id": org, "name": "日期乙", "id_card": id_with_check("34010419800101104")},
         "birth_date", ["1899-12-31", "2999-01-01"], "1980-01-01"),
        ("/api/v1/party-orgs", {"org_id": org, "kind": "党支部", "name": "日期丙支部"},
         "founded_on", ["1921-06-30", "1900-01-01", "2999-01-01"], "1921-07-01"),
        ("/api/v1/party-members", {"person_id": person, "party_org_id": po, "status": "正式"},
         "joined_on", ["1921-06-30", "2999-01-01"], "1990-07-01"),
        ("/api/v1/cadres", {"person_id": person, "org_id": org, "post": "书记"},
         "term_start", ["1949-09-30", "2999-01-01"], "2024-01-01"),
        ("/api/v1/cadres", {"person_id": person, "org_id": org, "post": "主任", "term_start": "2024-01-01"},
         "term_end", ["1949-09-30", "2999-01-01"], "2030-12-31"),
    ]
    for path, body, field, bad, good in cases:
        for value in bad:
            r = admin.post(path, json={**body, field: value})
            assert r.status_code == 400, (path, field, value, r.text)
            assert (error_of(r)["code"], error_of(r)["field"]) == ("validation_failed", field), (path, value, r.text)
        r = admin.post(path, json={**body, field: good})
        assert r.status_code == 201, (path, field, good, r.text)


def test_cli_refusals_do_not_echo_personal_numbers(server):
    idc = id_with_check("34010419800101112")
    for args in (["export", "persons", "--db", server.db, f"--idcard={idc}"],
                 ["export", "persons", "--db", server.db, "--org", "340104006006", "-o", "x.csv", "13856781111"]):
        p = run_cli(*args, check=False)
        assert p.returncode == 2 and ("unknown option" in p.stderr or "unexpected argument" in p.stderr), p.stderr
        assert idc not in p.stderr + p.stdout and "13856781111" not in p.stderr + p.stdout, p.stderr


def test_unknown_body_keys_are_named_only_when_they_read_as_names(server, admin):
    r = admin.post("/api/v1/orgs", json={"name": "x", "level": "grid", "parentId": 1})
    assert (r.status_code, error_of(r)["field"]) == (400, "parentId"), r.text
    r = admin.post("/api/v1/orgs", json={"name": "x", "level": "grid", "13856782222": 1})
    assert (r.status_code, error_of(r)["field"]) == (400, "body"), r.text
    assert "13856782222" not in r.text


def test_query_parameters_are_what_the_operation_declares(server, admin):
    """The operation table declares every query parameter: an undeclared one is refused naming it (it was
    silently dropped, which widened a list to the caller's whole scope), a declared one of the wrong type or
    value is refused, a required one must be there; Open311 routes ignore what they do not know."""
    cases = [
        ("/api/v1/orgs", "parent_id=1", "parent_id"),            # not a filter of this list
        ("/api/v1/units", "typ=school", "typ"),                  # a misspelt filter
        ("/api/v1/persons/export", "limit=5", "limit"),          # not a paged operation
        ("/api/v1/units", "org=abc", "org"),                     # an id that is not one
        ("/api/v1/units", "type=bank", "type"),                  # not one of the enum
        ("/api/v1/cases", "mine=2", "mine"),                     # a flag is 0 or 1
        ("/api/v1/locate", "lat=31.8", "lng"),                   # required, missing
        ("/api/v1/locate", "lat=91&lng=117", "lat"),             # out of its range
    ]
    for path, query, field in cases:
        r = raw_get(admin, path, query)
        err = error_of(r)
        assert (r.status_code, err["code"], err["field"]) == (400, "validation_failed", field), (path, query, r.text)
    assert raw_get(admin, "/api/v1/units", "type=school&limit=5").status_code == 200
    anonymous = server.client()
    r = raw_get(anonymous, "/open311/v2/services.json", "jurisdiction_id=hefei")
    assert r.status_code == 200, r.text
