"""Volunteer and service teams (docs/teams.md): teams and members kept by staff, activities
with sign-up and check-in/out by the activity's token, verified hours and stars from the norm,
the certificate of hours, and the service teams' monthly visits to non-public enterprises
(the figure, the unvisited, a problem becoming a case)."""
import datetime
import subprocess
import tempfile
import time

import pytest

from conftest import ADMIN_PASSWORD, PASSWORD, error_of, xlsx_rows

SHUSHAN, LONGJU, NANGANG, YAOHAI = "340104", "340104006", "340104005", "340102"
HOUR = 3600


def id_card(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def refused(r, status, code, field=None):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def at(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


MOVED = [0]  # how far this module moved the server's test clock


def server_now(admin):
    """The server's clock: this machine's, plus what the test clock was moved."""
    return int(time.time()) + MOVED[0]


SIGNED_IN = []  # (client, username, password): signed in again once the clock has moved past their sessions


def advance(admin, seconds):
    ok(admin.post("/api/v1/_test/clock", json={"advance_seconds": seconds}))
    MOVED[0] += seconds
    admin.login("admin", ADMIN_PASSWORD)
    for client, username, password in SIGNED_IN:
        client.login(username, password)


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (SHUSHAN, LONGJU, NANGANG, YAOHAI)}
    for key, user, role, org in (("street", "team-street", "org_staff", LONGJU),
                                 ("sibling", "team-sibling", "org_staff", NANGANG),
                                 ("auditor", "team-auditor", "auditor", LONGJU)):
        ids[key] = server.make_user(admin, user, role, ids[org])
        SIGNED_IN.append((ids[key], user, PASSWORD))
    people = {}
    for i, name in enumerate(("志愿甲", "志愿乙", "志愿丙", "退休丁")):
        p = ok(admin.post("/api/v1/persons", json={"org_id": ids[LONGJU], "name": name,
                                                   "id_card": id_card(f"34010419800716{i + 610:03d}")}), 201)
        people[name] = p["id"]
    ids["people"] = people
    # The volunteers sign in as themselves: accounts linked to their person (migration 027).
    for name, user in (("志愿甲", "team-vol-a"), ("志愿乙", "team-vol-b"), ("志愿丙", "team-vol-c")):
        c = server.make_user(admin, user, "resident", ids[LONGJU])
        ok(admin.patch(f"/api/v1/users/{c.user_id}", json={"person_id": people[name]}))
        c = server.client()
        c.login(user, PASSWORD)
        ids[name] = c
        SIGNED_IN.append((c, user, PASSWORD))
    return ids


def team(client, city, kind="volunteer", org=LONGJU, name="帮你忙志愿联盟"):
    return client.post("/api/v1/teams", json={"org_id": city[org], "kind": kind, "name": name,
                                              "leader_name": "王队长"})


def test_teams_and_members_by_role_and_scope(server, admin, city):
    s = city["street"]
    refused(city["sibling"].post("/api/v1/teams", json={"org_id": city[LONGJU], "kind": "volunteer", "name": "x"}),
            404, "not_found", "org_id")
    refused(city["auditor"].post("/api/v1/teams", json={"org_id": city[LONGJU], "kind": "volunteer", "name": "x"}),
            403, "forbidden")
    refused(s.post("/api/v1/teams", json={"org_id": city[LONGJU], "kind": "club", "name": "x"}),
            400, "validation_failed", "kind")
    t = ok(team(s, city), 201)
    assert (t["kind"], t["members"]) == ("volunteer", 0)
    refused(city["sibling"].get(f"/api/v1/teams/{t['id']}"), 404, "not_found")
    refused(city["志愿甲"].post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"]["志愿甲"]}),
            403, "forbidden")
    m = ok(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"]["志愿甲"]}), 201)
    assert m["person_name"] == "志愿甲" and m["party_member"] is False
    refused(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"]["志愿甲"]}),
            409, "conflict", "person_id")
    refused(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": 10 ** 9}), 404, "not_found", "person_id")
    # Only a service team's member names the enterprise they retired from.
    unit = ok(admin.post("/api/v1/units", json={"org_id": city[LONGJU], "name": "退休前企业",
                                                "type": "non_public_enterprise"}), 201)
    refused(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"]["退休丁"],
                                                             "retired_from_unit_id": unit["id"]}),
            400, "validation_failed", "retired_from_unit_id")
    svc = ok(team(s, city, kind="service", name="云起龙骧党建服务队"), 201)
    m2 = ok(s.post(f"/api/v1/teams/{svc['id']}/members", json={"person_id": city["people"]["退休丁"],
                                                               "retired_from_unit_id": unit["id"]}), 201)
    assert m2["retired_from_unit_name"] == "退休前企业"
    page = ok(s.get("/api/v1/team-members", params={"team": svc["id"]}))
    assert page["total"] == 1
    refused(city["sibling"].delete(f"/api/v1/team-members/{m2['id']}"), 404, "not_found")
    assert s.delete(f"/api/v1/team-members/{m2['id']}").status_code == 204
    assert ok(s.get(f"/api/v1/teams/{svc['id']}"))["members"] == 0
    listed = ok(s.get("/api/v1/teams", params={"org": city[LONGJU], "kind": "service"}))
    assert [x["id"] for x in listed["items"]] == [svc["id"]] and listed["total"] == 1


@pytest.fixture(scope="module")
def activity(server, admin, city):
    """A team of 志愿甲 and 志愿乙 (not 志愿丙) and an activity from now for two hours, capacity 2."""
    s = city["street"]
    t = ok(team(s, city, name="活动志愿队"), 201)
    for name in ("志愿甲", "志愿乙"):
        ok(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"][name]}), 201)
    now = server_now(admin)
    a = ok(s.post("/api/v1/volunteer-activities", json={"team_id": t["id"], "title": "社区环境整治", "place": "龙居社区广场",
                                                       "starts_at": at(now), "ends_at": at(now + 2 * HOUR),
                                                       "capacity": 2}), 201)
    return {"team": t, "activity": a, "start": now}


def test_activity_input_and_scope(server, admin, city, activity):
    s, t = city["street"], activity["team"]
    now = server_now(admin)
    body = {"team_id": t["id"], "title": "x", "place": "y", "starts_at": at(now), "ends_at": at(now), "capacity": 5}
    refused(s.post("/api/v1/volunteer-activities", json=body), 400, "validation_failed", "ends_at")
    refused(s.post("/api/v1/volunteer-activities", json={**body, "starts_at": "tomorrow"}), 400, "validation_failed",
            "starts_at")
    refused(city["sibling"].post("/api/v1/volunteer-activities", json={**body, "ends_at": at(now + HOUR)}),
            404, "not_found", "team_id")
    a = activity["activity"]
    token = a["token"]
    assert len(token) == 32 and token != str(a["id"])
    # The token is staff's (the QR code): a member reading the activity does not get it.
    assert ok(s.get(f"/api/v1/volunteer-activities/{a['id']}"))["token"] == token
    assert "token" not in ok(city["auditor"].get(f"/api/v1/volunteer-activities/{a['id']}"))
    refused(city["sibling"].get(f"/api/v1/volunteer-activities/{a['id']}"), 404, "not_found")


def test_sign_up_check_in_and_out_by_token(server, admin, city, activity):
    a, token = activity["activity"], activity["activity"]["token"]
    vol_a, vol_b, vol_c = city["志愿甲"], city["志愿乙"], city["志愿丙"]
    # A wrong token names nothing; a non-member is refused.
    refused(vol_a.get("/api/v1/activity-checkin", params={"token": "0" * 32}), 404, "not_found", "token")
    refused(vol_a.post("/api/v1/activity-checkin", json={"token": "0" * 32}), 404, "not_found", "token")
    refused(vol_c.get("/api/v1/activity-checkin", params={"token": token}), 403, "forbidden", "token")
    refused(vol_c.post("/api/v1/activity-checkin", json={"token": token}), 403, "forbidden", "token")
    refused(vol_c.post(f"/api/v1/volunteer-activities/{a['id']}/signups", json={}), 404, "not_found")
    # A member signs up for themself, not for another.
    refused(vol_a.post(f"/api/v1/volunteer-activities/{a['id']}/signups",
                       json={"person_id": city["people"]["志愿乙"]}), 403, "forbidden", "person_id")
    ok(vol_a.post(f"/api/v1/volunteer-activities/{a['id']}/signups", json={}), 201)
    refused(vol_a.post(f"/api/v1/volunteer-activities/{a['id']}/signups", json={}), 409, "conflict", "person_id")
    state = ok(vol_a.get("/api/v1/activity-checkin", params={"token": token}))
    assert (state["title"], state["next"]) == ("社区环境整治", "check_in")
    # First scan: in; the time is the server's.
    state = ok(vol_a.post("/api/v1/activity-checkin", json={"token": token}))
    assert state["next"] == "check_out" and state["signup"]["checkin_at"] is not None
    # 志愿乙 checks in without signing up first (room for two).
    ok(vol_b.post("/api/v1/activity-checkin", json={"token": token}))
    # 90 minutes later the second scan checks 志愿甲 out.
    advance(admin, 90 * 60)
    state = ok(vol_a.post("/api/v1/activity-checkin", json={"token": token}))
    assert state["next"] == "done" and state["signup"]["minutes"] in (90, 91)
    refused(vol_a.post("/api/v1/activity-checkin", json={"token": token}), 409, "invalid_transition", "token")
    # 志愿乙 leaves an hour after the end: only the activity's times count.
    advance(admin, 90 * 60)
    state = ok(vol_b.post("/api/v1/activity-checkin", json={"token": token}))
    assert state["signup"]["minutes"] in (119, 120)
    # Unverified hours do not count.
    mine = ok(vol_a.get("/api/v1/my-volunteer"))
    assert (mine["minutes"], mine["stars"]) == (0, 0) and mine["unverified_minutes"] in (90, 91)
    refused(vol_a.post(f"/api/v1/volunteer-activities/{a['id']}/verify", json={}), 403, "forbidden")
    s = city["street"]
    v = ok(s.post(f"/api/v1/volunteer-activities/{a['id']}/verify", json={"person_id": city["people"]["志愿甲"]}))
    assert [x["verified_at"] is not None for x in v["signups"]] == [True, False]
    mine = ok(vol_a.get("/api/v1/my-volunteer"))
    assert mine["minutes"] in (90, 91) and mine["unverified_minutes"] == 0
    assert ok(vol_b.get("/api/v1/my-volunteer"))["minutes"] == 0
    ok(s.post(f"/api/v1/volunteer-activities/{a['id']}/verify", json={}))
    refused(s.post(f"/api/v1/volunteer-activities/{a['id']}/verify", json={}), 409, "invalid_transition")
    assert ok(vol_b.get("/api/v1/my-volunteer"))["minutes"] in (119, 120)
    # The activity is over: no more check-ins.
    refused(vol_c.post(f"/api/v1/volunteer-activities/{a['id']}/signups", json={}), 404, "not_found")
    # Staff see the volunteers and their hours.
    page = ok(s.get("/api/v1/volunteers", params={"org": city[LONGJU], "sort": "-minutes"}))
    assert page["items"][0]["person_id"] == city["people"]["志愿乙"]
    assert city["sibling"].get(f"/api/v1/volunteers/{city['people']['志愿甲']}").status_code == 404


def test_full_activity_refuses_a_third(server, admin, city):
    s = city["street"]
    t = ok(team(s, city, name="满员志愿队"), 201)
    for name in ("志愿甲", "志愿乙", "志愿丙"):
        ok(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"][name]}), 201)
    now = server_now(admin)
    a = ok(s.post("/api/v1/volunteer-activities", json={"team_id": t["id"], "title": "敬老", "place": "养老院",
                                                       "starts_at": at(now + 600), "ends_at": at(now + HOUR),
                                                       "capacity": 2}), 201)
    ok(s.post(f"/api/v1/volunteer-activities/{a['id']}/signups", json={"person_id": city["people"]["志愿甲"]}), 201)
    ok(city["志愿乙"].post("/api/v1/activity-checkin", json={"token": a["token"]}))
    refused(city["志愿丙"].post("/api/v1/activity-checkin", json={"token": a["token"]}), 409, "activity_full")
    refused(city["志愿丙"].post(f"/api/v1/volunteer-activities/{a['id']}/signups", json={}), 409, "activity_full")


def test_stars_at_their_edges_from_the_norm(server, admin, city):
    """Stars come from volunteer.star_hours at the person's node: set a small one at 龙居 and
    reach its steps exactly."""
    ok(admin.post("/api/v1/norms", json={"key": "volunteer.star_hours", "org_id": city[LONGJU], "year_from": 2000,
                                         "value": [1, 2, 3, 4, 5]}), 201)
    s, vol_c = city["street"], city["志愿丙"]
    t = ok(team(s, city, name="星级志愿队"), 201)
    ok(s.post(f"/api/v1/teams/{t['id']}/members", json={"person_id": city["people"]["志愿丙"]}), 201)

    def serve(minutes):
        now = server_now(admin)
        a = ok(s.post("/api/v1/volunteer-activities", json={"team_id": t["id"], "title": "巡逻", "place": "小区",
                                                           "starts_at": at(now), "ends_at": at(now + 5 * HOUR),
                                                           "capacity": 5}), 201)
        ok(vol_c.post("/api/v1/activity-checkin", json={"token": a["token"]}))
        advance(admin, minutes * 60)
        out = ok(vol_c.post("/api/v1/activity-checkin", json={"token": a["token"]}))["signup"]["minutes"]
        ok(s.post(f"/api/v1/volunteer-activities/{a['id']}/verify", json={}))
        return out

    got = serve(59)  # 59 minutes: just under the first star (the clock may add one)
    mine = ok(vol_c.get("/api/v1/my-volunteer"))
    assert mine["star_hours"] == [1, 2, 3, 4, 5]
    assert mine["stars"] == (1 if got >= 60 else 0)
    if got < 60:
        serve(60 - got)
        assert ok(vol_c.get("/api/v1/my-volunteer"))["stars"] == 1
    total = ok(vol_c.get("/api/v1/my-volunteer"))["minutes"]
    serve(180 - total)  # exactly 3 hours
    mine = ok(vol_c.get("/api/v1/my-volunteer"))
    if mine["minutes"] == 180:
        assert (mine["stars"], mine["next_star_hours"]) == (3, 4)
    else:  # a second slipped in
        assert mine["minutes"] == 181 and mine["stars"] == 3


def test_certificate_of_hours(server, admin, city):
    vol_a = city["志愿甲"]
    r = vol_a.get(f"/api/v1/volunteers/{city['people']['志愿甲']}/certificate")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/pdf")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(r.content)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True, text=True).stdout
    flat = "".join(text.split())
    for part in ("志愿服务时长证明", "志愿甲", "累计服务时长1小时", "社区环境整治", "帮你忙" if False else "活动志愿队"):
        assert part in flat, (part, text)
    # Another volunteer's certificate is not theirs to read.
    refused(vol_a.get(f"/api/v1/volunteers/{city['people']['志愿乙']}/certificate"), 404, "not_found")
    assert city["street"].get(f"/api/v1/volunteers/{city['people']['志愿乙']}/certificate").status_code == 200


def test_figures_of_volunteers(server, admin, city):
    f = ok(admin.get("/api/v1/volunteer-figures", params={"org": city[LONGJU]}))
    mine = f["figures"] if "figures" in f else f
    assert mine["teams"] >= 3 and mine["volunteers"] >= 3 and mine["activities"] >= 2
    assert mine["verified_minutes"] >= 90 + 119 + 180
    # The volunteers counted are the people the list shows: members of volunteer teams, not of service teams.
    assert mine["volunteers"] == ok(admin.get("/api/v1/volunteers", params={"org": city[LONGJU]}))["total"]


@pytest.fixture(scope="module")
def visits(server, admin, city):
    s = city["street"]
    svc = ok(team(s, city, kind="service", name="走访服务队"), 201)
    units = [ok(admin.post("/api/v1/units", json={"org_id": city[LONGJU], "name": f"走访企业{i}",
                                                  "type": "non_public_enterprise"}), 201)["id"] for i in range(3)]
    school = ok(admin.post("/api/v1/units", json={"org_id": city[LONGJU], "name": "某小学", "type": "school"}), 201)
    far = ok(admin.post("/api/v1/units", json={"org_id": city[NANGANG], "name": "外街企业",
                                               "type": "non_public_enterprise"}), 201)
    return {"team": svc, "units": units, "school": school["id"], "far": far["id"]}


def test_visits_and_the_monthly_figure(server, admin, city, visits):
    s, svc, units = city["street"], visits["team"], visits["units"]
    today = datetime.datetime.fromtimestamp(server_now(admin), datetime.timezone(datetime.timedelta(hours=8))).date()
    body = {"team_id": svc["id"], "unit_id": units[0], "visited_on": today.isoformat(), "branch_state": "not_established",
            "problems": "用工纠纷，员工反映工资拖欠", "help_given": "宣讲政策", "follow_up": "下月回访"}
    volunteer_team = ok(team(s, city, name="非服务队"), 201)
    refused(s.post("/api/v1/enterprise-visits", json={**body, "team_id": volunteer_team["id"]}),
            400, "validation_failed", "team_id")
    refused(s.post("/api/v1/enterprise-visits", json={**body, "unit_id": visits["school"]}),
            400, "validation_failed", "unit_id")
    refused(s.post("/api/v1/enterprise-visits", json={**body, "unit_id": visits["far"]}),
            400, "validation_failed", "unit_id")
    refused(s.post("/api/v1/enterprise-visits", json={**body, "branch_state": "maybe"}),
            400, "validation_failed", "branch_state")
    refused(city["sibling"].post("/api/v1/enterprise-visits", json=body), 404, "not_found", "team_id")
    before = ok(s.get("/api/v1/enterprise-visit-figures", params={"org": city[LONGJU]}))
    v = ok(s.post("/api/v1/enterprise-visits", json=body), 201)
    assert (v["unit_name"], v["month"]) == ("走访企业0", today.isoformat()[:7])
    ok(s.post("/api/v1/enterprise-visits", json={**body, "unit_id": units[0], "problems": None}), 201)  # again: one
    ok(s.post("/api/v1/enterprise-visits", json={**body, "unit_id": units[1], "problems": None}), 201)
    after = ok(s.get("/api/v1/enterprise-visit-figures", params={"org": city[LONGJU]}))
    fb, fa = before.get("figures", before), after.get("figures", after)
    assert fa["enterprises"] == fb["enterprises"]
    assert fa["visited_this_month"] == fb["visited_this_month"] + 2
    assert fa["visits"] == fb["visits"] + 3
    # The unvisited this month: the third enterprise (and not the school); by the team, the same.
    un = ok(s.get("/api/v1/enterprise-visits/unvisited", params={"team": svc["id"]}))
    names = {u["name"] for u in un["items"]}
    assert "走访企业2" in names and "走访企业0" not in names and "走访企业1" not in names and "某小学" not in names
    assert un["total"] == fa["enterprises"] - fa["visited_this_month"]
    refused(s.get("/api/v1/enterprise-visits/unvisited", params={"month": "2026-13"}), 400, "validation_failed",
            "month")
    listed = ok(s.get("/api/v1/enterprise-visits", params={"team": svc["id"], "month": today.isoformat()[:7]}))
    assert listed["total"] == 3
    # A visit's problem becomes a case at the enterprise's node, linked to the visit.
    refused(city["auditor"].post(f"/api/v1/enterprise-visits/{v['id']}/case", json={"category": "sanitation"}),
            403, "forbidden")
    refused(s.post(f"/api/v1/enterprise-visits/{v['id']}/case", json={"category": "nonesuch"}),
            400, "validation_failed", "category")
    c = ok(s.post(f"/api/v1/enterprise-visits/{v['id']}/case", json={"category": "sanitation"}), 201)
    assert c["case_id"] and c["case_state"] == "reported"
    case = ok(s.get(f"/api/v1/cases/{c['case_id']}"))
    assert case["title"] == "非公企业走访：走访企业0" and "工资拖欠" in case["description"]
    refused(s.post(f"/api/v1/enterprise-visits/{v['id']}/case", json={"category": "sanitation"}), 409, "conflict")
    f2 = ok(s.get("/api/v1/enterprise-visit-figures", params={"org": city[LONGJU]}))
    assert f2.get("figures", f2)["cases"] == fa["cases"] + 1


def test_exports_are_the_lists(server, admin, city, visits):
    s = city["street"]
    r = s.get("/api/v1/volunteers/export", params={"org": city[LONGJU]})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0] == ["姓名", "所属组织", "队伍数", "核实时长（分钟）", "核实时长（小时）", "星级"]
    page = ok(s.get("/api/v1/volunteers", params={"org": city[LONGJU], "limit": 200}))
    assert sorted((row[0], row[3]) for row in rows[1:]) == sorted((x["name"], str(x["minutes"])) for x in page["items"])
    r = s.get("/api/v1/enterprise-visits/unvisited/export", params={"team": visits["team"]["id"]})
    rows = xlsx_rows(r.content)
    un = ok(s.get("/api/v1/enterprise-visits/unvisited", params={"team": visits["team"]["id"], "limit": 200}))
    assert [row[0] for row in rows[1:]] == [u["name"] for u in un["items"]]
    audit = ok(admin.get("/api/v1/audit", params={"action": "volunteers.exported"}))["items"]
    assert len(audit) == 1 and audit[0]["summary"]["rows"] == len(page["items"])
