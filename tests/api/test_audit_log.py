"""The audit log as auditors read it (issue 18, §4): every action any code writes is
in the list the API serves (GET /api/v1/enums, audit_actions), the only values
?action= takes; each row names its object (a node's name, a resident's masked
name, never a number) and its operator; filters by action, operator and time,
bad values refused naming the field; the export holds the very rows of the list
and is audited itself; a scoped auditor sees only their subtree (docs/audit.md)."""
import datetime
import pathlib
import re

import pytest

from conftest import Server, error_of, id_with_check, refused, xlsx_rows

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"
SRC = pathlib.Path(__file__).resolve().parents[2] / "src"
ID_CARD = id_with_check("34010419700101123")
PHONE = "13955501234"
ID_CARD_2, PHONE_2 = id_with_check("34010419700202123"), "13955505678"


def written_actions():
    """Every action the C sources can write: the literals handed to the audit
    functions (and to `action = "..."`), each generic resource's created, updated
    and deleted, and each list export's "<family>.exported"."""
    literal = re.compile(r'"([a-z_]+\.[a-z_]+)"')
    call = re.compile(r"\b(audit_append(?:_new|_text)?|transfer_audit)\s*\(")
    found = set()
    for f in SRC.rglob("*.c"):
        text = f.read_text()
        for m in call.finditer(text):
            i, depth = m.end(), 1
            while depth and i < len(text):
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            found |= set(literal.findall(text[m.end():i]))
        found |= set(re.findall(r'\baction\s*=\s*"([a-z_]+\.[a-z_]+)"', text))
        # A generic resource writes what its declared operations do: all three through
        # RESOURCE_OPS, or those of res_create, res_update, res_delete it declares alone.
        for var, name in re.findall(r'static const resource_t (\w+) = \{\s*\.name = "(\w+)"', text):
            whole = re.search(rf"RESOURCE_OPS\(\s*{var}\b", text) is not None
            for what, handler in (("created", "res_create"), ("updated", "res_update"), ("deleted", "res_delete")):
                if whole or re.search(rf"{handler}\),\s*\.res = &{var}\b", text):
                    found.add(f"{name}.{what}")
        bodies = dict(re.findall(r"^(?:static )?int (\w+)\(api_req_t \*req, api_reply_t \*rep\)\n\{(.*?)^\}", text,
                                 re.S | re.M))
        for family, handler in re.findall(r'OP\(HTTP_GET,\s*"[^"]+",\s*"(\w+)\.[\w.]+",.*?,\s*(\w+)\)', text, re.S):
            if "api_list_export" in bodies.get(handler, ""):
                found.add(f"{family}.exported")
    return found


@pytest.fixture(scope="module")
def city():
    s = Server()
    admin = s.admin()
    longju, tianhai = s.org_id(LONGJU), s.org_id(TIANHAIXIANG)
    r = admin.post("/api/v1/persons", json={"org_id": longju, "name": "审计甲", "id_card": ID_CARD, "phone": PHONE})
    assert r.status_code == 201, r.text
    person = r.json()
    r = admin.post(f"/api/v1/persons/{person['id']}/reveal", json={"field": "id_card", "reason": "上门核实身份"})
    assert r.status_code == 200, r.text
    grid = admin.post("/api/v1/orgs", json={"parent_id": longju, "level": "grid", "name": "审计网格"})
    assert grid.status_code == 201, grid.text
    other = admin.post("/api/v1/orgs", json={"parent_id": tianhai, "level": "grid", "name": "天海巷审计网格"})
    assert other.status_code == 201, other.text
    staff = s.make_user(admin, "audit-staff", "org_staff", longju)
    auditor = s.make_user(admin, "audit-reader", "auditor", longju)
    r = admin.post("/api/v1/persons", json={"org_id": longju, "name": "审计乙", "id_card": ID_CARD_2, "phone": PHONE_2})
    assert r.status_code == 201, r.text
    r = staff.post(f"/api/v1/persons/{r.json()['id']}/reveal", json={"field": "phone", "reason": "回访核对"})
    assert r.status_code == 200, r.text
    yield {"s": s, "admin": admin, "staff": staff, "auditor": auditor, "longju": longju, "tianhai": tianhai,
           "person": person, "grid": grid.json()["id"], "other": other.json()["id"]}
    assert s.close() == 0, s.stderr


def rows(client, **params):
    r = client.get("/api/v1/audit", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def row_path(client, org):
    """The node's path by name, as the audit rows give it: its ancestors' names from the top, then its own."""
    names = []
    while org:
        o = client.get(f"/api/v1/orgs/{org}").json()
        names.insert(0, o["name"])
        org = o.get("parent_id")
    return " / ".join(names)


def test_every_action_written_is_in_the_served_list(city):
    served = city["admin"].get("/api/v1/enums").json()["audit_actions"]
    assert len(served) == len(set(served)) > 150, len(served)
    written = written_actions()
    assert len(written) > 150, len(written)  # the scan found the code's actions
    assert sorted(written - set(served)) == [], "actions written without a word in src/api/audit_actions.def"
    assert sorted(set(served) - written) == [], "actions listed that no code writes"
    # And every action this server has written so far.
    assert {r["action"] for r in rows(city["admin"])} <= set(served)


def test_rows_name_their_object_and_operator(city):
    admin, person = city["admin"], city["person"]
    me = admin.get("/api/v1/auth/me").json()["user"]
    [row] = rows(admin, action="person.revealed", entity_id=person["id"])
    assert (row["entity"], row["entity_name"]) == ("person", "审*"), row
    assert row["summary"] == {"field": "id_card", "reason": "上门核实身份"}
    assert (row["actor_name"], row["actor_display_name"]) == ("admin", me["display_name"]), row
    assert row["org_name"] == "龙居社区", row
    path = row["org_path_names"].split(" / ")
    assert path[:2] == ["合肥市", "蜀山区"] and path[-1] == "龙居社区" and len(path) == 4, row
    login = rows(admin, action="auth.login", actor_id=me["id"])[0]
    assert (login["org_id"], login["org_name"], login["org_path_names"]) == (0, None, None), login
    [created] = rows(admin, action="person.created", entity_id=person["id"])
    assert created["entity_name"] == "审*" and created["summary"]["name"] == "审*", created
    # What the rows show, without their chain hashes (hex: a phone's last four digits may turn up in one by chance).
    text = str([{k: v for k, v in r.items() if k != "hash"} for r in rows(admin)])
    for secret in (ID_CARD, PHONE, ID_CARD_2, PHONE_2, ID_CARD[6:14], PHONE[-4:], "审计甲", "审计乙"):
        assert secret not in text, secret
    [grid] = rows(admin, action="org.created", entity_id=city["grid"])
    assert grid["entity_name"] == "审计网格", grid
    users = rows(admin, action="user.created")
    assert {r["entity_name"] for r in users} >= {"audit-staff", "audit-reader"}


def test_filters_by_action_operator_and_time(city):
    admin, staff = city["admin"], city["staff"]
    for r in rows(admin, action="org.created"):
        assert r["action"] == "org.created"
    # Newest first, a page at a time: the cursor leads to older rows.
    first = admin.get("/api/v1/audit", params={"limit": 3}).json()
    second = admin.get("/api/v1/audit", params={"limit": 3, "after": first["next"]}).json()
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6, ids
    mine = rows(admin, actor_id=staff.user_id)
    assert mine and {r["actor_id"] for r in mine} == {staff.user_id}
    assert [r["action"] for r in mine] == ["person.revealed", "auth.login"]
    row = rows(admin, action="person.revealed", entity_id=city["person"]["id"])[0]
    at = datetime.datetime.fromisoformat(row["at"].replace("Z", "+00:00"))
    around = {"from": (at - datetime.timedelta(seconds=1)).isoformat(), "to": (at + datetime.timedelta(seconds=1)).isoformat()}
    assert row["id"] in [r["id"] for r in rows(admin, action="person.revealed", **around)]
    later = {"from": (at + datetime.timedelta(days=1)).isoformat()}
    assert rows(admin, **later) == []
    earlier = {"to": at.isoformat()}
    assert row["id"] not in [r["id"] for r in rows(admin, **earlier)]
    for params, code, field in (({"action": "person.looked_at"}, "validation_failed", "action"),
                                ({"action": ""}, "validation_failed", "action"),
                                ({"actor_id": "me"}, "validation_failed", "actor_id"),
                                ({"org": "龙居"}, "validation_failed", "org"),
                                ({"entity_id": "0"}, "validation_failed", "entity_id"),
                                ({"from": "yesterday"}, "validation_failed", "from"),
                                ({"to": "2026-13-01"}, "validation_failed", "to"),
                                ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "validation_failed", "to")):
        for path in ("/api/v1/audit", "/api/v1/audit/export"):
            refused(admin.get(path, params=params), 400, code, field)


def test_export_holds_the_filtered_rows_in_words_and_is_audited(city):
    admin, longju = city["admin"], city["longju"]
    before = len(rows(admin, action="audit.exported"))
    params = {"org": longju, "action": "person.revealed"}
    listed = rows(admin, **params)
    r = admin.get("/api/v1/audit/export", params=params)
    assert r.status_code == 200, r.text
    assert "audit-log.xlsx" in r.headers["Content-Disposition"]
    head, *body = xlsx_rows(r.content)
    assert head == ["编号", "时间", "操作人", "来源地址", "动作", "对象", "所属组织", "内容"]
    assert [int(x[0]) for x in body] == [x["id"] for x in listed] and len(body) == 2
    by_id = {int(x[0]): x for x in body}
    mine = by_id[rows(admin, action="person.revealed", entity_id=city["person"]["id"])[0]["id"]]
    assert mine[2].startswith("admin") or "（admin）" in mine[2], mine
    assert mine[4] == "查看身份证号" and mine[5] == f"审* #{city['person']['id']}", mine
    assert mine[6] == row_path(admin, longju) and mine[6].endswith(" / 龙居社区"), mine
    assert mine[7] == "字段：身份证号；事由：上门核实身份", mine
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", mine[1]), mine
    assert {x[4] for x in body} == {"查看身份证号", "查看手机号"}
    for secret in (ID_CARD, PHONE, ID_CARD_2, PHONE_2, "审计甲", "审计乙"):
        assert secret.encode() not in r.content and all(secret not in c for x in body for c in x)
    # The export itself is audited: the filters' names, never their values; no reason asked.
    exported = rows(admin, action="audit.exported")
    assert len(exported) == before + 1
    s = exported[0]["summary"]
    assert (s["rows"], s["format"], sorted(s["params"])) == (2, "xlsx", ["action", "org"]), s
    assert exported[0]["entity_name"] == "龙居社区"
    # A refused export writes nothing.
    admin.get("/api/v1/audit/export", params={"action": "nope"})
    assert len(rows(admin, action="audit.exported")) == before + 1


def test_a_scoped_reader_sees_only_their_subtree(city):
    auditor, longju = city["auditor"], city["longju"]
    got = rows(auditor)
    assert got and all(r["org_id"] for r in got), got[:3]
    ids = {r["entity_id"] for r in got if r["action"] == "org.created"}
    assert city["grid"] in ids and city["other"] not in ids
    assert {r["org_name"] for r in got} <= {"龙居社区", "审计网格"}, {r["org_name"] for r in got}
    refused(auditor.get("/api/v1/audit", params={"org": city["tianhai"]}), 404, "not_found", None)
    refused(auditor.get("/api/v1/audit/export", params={"org": city["tianhai"]}), 404, "not_found", None)
    listed = rows(auditor, org=longju)
    r = auditor.get("/api/v1/audit/export", params={"org": longju})
    assert r.status_code == 200, r.text
    assert [int(x[0]) for x in xlsx_rows(r.content)[1:]] == [x["id"] for x in listed]
    # Staff run their subtree but read no audit log (audit.read is the auditor's and admin's).
    for path in ("/api/v1/audit", "/api/v1/audit/export"):
        refused(city["staff"].get(path, params={"org": longju}), 403, "forbidden", None)


def test_total_matches_the_rows_at_every_depth(city):
    """The total (共 N 条) is counted through the path index and the page is read
    by id at a street and above, through the path index below (docs/decisions.md,
    "Query plans at city scale"): at the city, the district, the street, the
    community (with rows at the node itself) and its grid, with and without a
    filter, the total is the number of rows the pages hold, newest first."""
    admin, longju = city["admin"], city["longju"]
    chain, org = [], longju
    while org:
        chain.insert(0, org)
        org = admin.get(f"/api/v1/orgs/{org}").json().get("parent_id")
    assert len(chain) == 4, chain  # city, district, street, community
    for org in chain + [city["grid"]]:
        for params in ({}, {"action": "person.revealed"}, {"actor_id": city["staff"].user_id}):
            got, after = [], None
            while True:
                r = admin.get("/api/v1/audit", params={"org": org, "limit": 2, **params, **({"after": after} if after else {})})
                assert r.status_code == 200, r.text
                page = r.json()
                got += page["items"]
                after = page["next"]
                if after is None:
                    break
            assert page["total"] == len(got) and not page["total_capped"], (org, params, page["total"], len(got))
            assert [x["id"] for x in got] == sorted((x["id"] for x in got), reverse=True)
            assert all(r["action"] == params.get("action", r["action"]) for r in got)
        assert rows(admin, org=org), org
