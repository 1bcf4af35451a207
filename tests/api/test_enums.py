"""GET /api/v1/enums: the fixed vocabularies, each exactly what the API accepts.

Every listed value gets past the field's check (the request then fails, or not, on
something else: a stale version, a missing entity), and a value not listed is
refused with 400 naming the field. No request here changes anything."""
import pytest

from conftest import error_of

LONGJU = "340104006006"
MISSING = 10**12  # an id nothing has
STALE = 10**9  # a version nothing has reached


@pytest.fixture(scope="module")
def setting(server, admin):
    org = server.org_id(LONGJU)
    unit = admin.post("/api/v1/units", json={"org_id": org, "name": "词表单位", "type": "school"}).json()
    party = admin.post("/api/v1/party-orgs", json={"org_id": org, "kind": "党支部", "name": "词表党支部"}).json()
    me = admin.get("/api/v1/auth/me").json()["user"]
    return org, unit, party, me


def probes(org, unit, party, me):
    """For each vocabulary: how to send one value of it (method, path, body or query)."""
    body = lambda path, field, rest, method="POST": (method, path, field, rest)  # noqa: E731
    return {
        "levels": body("/api/v1/orgs", "level", {"parent_id": MISSING, "name": "词表节点"}),
        "unit_types": body(f"/api/v1/units/{unit['id']}", "type", {"version": STALE}, "PATCH"),
        "party_org_types": body(f"/api/v1/party-orgs/{party['id']}", "kind", {"version": STALE}, "PATCH"),
        "party_member_statuses": body("/api/v1/party-members", "status",
                                      {"person_id": MISSING, "party_org_id": party["id"], "joined_on": "2000-07-01"}),
        "cadre_posts": body("/api/v1/cadres", "post", {"person_id": MISSING, "org_id": org, "term_start": "2021-01-01"}),
        "relations": body("/api/v1/persons", "relation", {"org_id": org, "name": "词表", "id_card": "0"}),
        "genders": body("/api/v1/persons", "gender", {"org_id": org, "name": "词表", "id_card": "0"}),
        "case_sources": body("/api/v1/cases", "source",
                             {"category": "no_such_category", "title": "词表", "description": "词表", "org_id": org}),
        "case_ratings": body(f"/api/v1/cases/{MISSING}/actions", "rating", {"action": "rate", "version": STALE}),
        "case_states": ("GET", "/api/v1/cases", "state", None),
        "audit_actions": ("GET", "/api/v1/audit", "action", None),
        "langs": body(f"/api/v1/users/{me['id']}", "lang", {"version": STALE}, "PATCH"),
        "transfer_boxes": ("GET", "/api/v1/person-transfers", "box", None),
        "transfer_statuses": ("GET", "/api/v1/person-transfers", "status", None),
        "norm_keys": ("GET", "/api/v1/norms", "key", None),
        # ---- duty lists (责任清单) ----
        "duty_states": ("GET", "/api/v1/duty-lists", "state", None),
        "duty_actions": body(f"/api/v1/duty-lists/{MISSING}/moves", "action", {"version": STALE}),
        "duty_ratings": body(f"/api/v1/duty-lists/{MISSING}/reviews", "rating", {"quarter": 1, "comment": "词表"}),
        # notices (调度通报)
        "notice_kinds": ("GET", "/api/v1/notices", "kind", None),
        "notice_boxes": ("GET", "/api/v1/notices", "box", None),
        "notice_receipt_states": ("GET", f"/api/v1/notices/{MISSING}/receipts", "state", None),
        # ---- 述职评议 ----
        "review_grades": body("/api/v1/public/review-ballots", "grade", {"code": "ZZZZZZZZZZ", "reporter_id": MISSING}),
        "review_session_states": ("GET", "/api/v1/review-sessions", "state", None),
        # ---- end 述职评议 ----
        # ---- rectification problems (问题清单) ----
        "problem_sources": ("GET", "/api/v1/problems", "source", None),
        "problem_severities": body("/api/v1/problems", "severity",
                                   {"org_id": MISSING, "raised_org_id": MISSING, "year": 2026, "source": "patrol",
                                    "description": "词表", "measure": "词表", "deadline": "2026-12-31"}),
        "problem_states": ("GET", "/api/v1/problems", "state", None),
        "problem_actions": body(f"/api/v1/problems/{MISSING}/moves", "action", {"version": STALE}),
        "inspection_types": ("GET", "/api/v1/inspections", "type", None),
        "inspection_results": body(f"/api/v1/inspection-items/{MISSING}/result", "result", {}),
        # ---- end rectification problems ----
        # annual assessment (年度综合考核)
        "assessment_classes": ("GET", "/api/v1/assessment-plans", "class", None),
        "assessment_methods": body(f"/api/v1/assessment-plans/{MISSING}/indicators", "method",
                                   {"code": "词表", "name": "词表", "max_points": 1}),
        "assessment_halves": body(f"/api/v1/assessment-plans/{MISSING}/indicators", "half",
                                  {"code": "词表", "name": "词表", "max_points": 1}),
        "assessment_run_states": ("GET", f"/api/v1/assessment-plans/{MISSING}/runs", "state", None),
        "assessment_grades": ("GET", f"/api/v1/assessment-runs/{MISSING}/results", "grade", None),
        # ---- 结对共建 and purchased services ----
        "pairing_item_states": ("GET", "/api/v1/pairings", "item_state", None),
        "contract_services": ("GET", "/api/v1/service-contracts", "service", None),
        # volunteer and service teams
        "team_kinds": ("GET", "/api/v1/teams", "kind", None),
        "enterprise_branch_states": ("GET", "/api/v1/enterprise-visits", "branch_state", None),
        # ---- 双报到 ----
        "member_report_states": ("GET", "/api/v1/member-reports", "state", None),
        "member_report_actions": body(f"/api/v1/member-reports/{MISSING}/moves", "action", {"version": STALE}),
        "service_record_sources": ("GET", "/api/v1/service-records", "source", None),
        "service_grades": body("/api/v1/service-cards", "grade", {"report_id": MISSING, "year": 2026, "quarter": 1}),
        "unit_report_states": ("GET", "/api/v1/unit-reports", "state", None),
        # service posts and 微心愿
        "post_categories": ("GET", "/api/v1/service-posts", "category", None),
        "wish_kinds": ("GET", "/api/v1/wishes", "kind", None),
        "wish_states": ("GET", "/api/v1/wishes", "state", None),
        # 党建品牌 and 荣誉
        "honour_levels": ("GET", "/api/v1/honours", "level", None),
        # 民主评议党员
        "member_eval_grades": body(f"/api/v1/member-evaluation-entries/{MISSING}/steps", "grade",
                                   {"step": "decision", "version": 1}),
        "member_eval_steps": body(f"/api/v1/member-evaluation-entries/{MISSING}/steps", "step", {"version": 1}),
        "member_eval_follow_ups": body(f"/api/v1/member-evaluation-entries/{MISSING}/steps", "follow_up",
                                       {"step": "follow_up", "version": 1}),
        "member_eval_round_states": ("GET", "/api/v1/member-evaluations", "state", None),
        # 三会一课
        "party_meeting_kinds": ("GET", "/api/v1/party-meetings", "kind", None),
        "party_meeting_attendance": body(f"/api/v1/party-meetings/{MISSING}/attendance", "status",
                                         {"person_id": MISSING}),
    }


def send(admin, probe, value):
    method, path, field, rest = probe
    if rest is None:
        return admin.get(path, params={field: value})
    return admin.request(method, path, json={**rest, field: value})


def refused_on(r, field):
    return r.status_code == 400 and error_of(r)["field"] == field


def test_each_enum_is_what_the_api_accepts(server, admin, setting):
    enums = admin.get("/api/v1/enums")
    assert enums.status_code == 200, enums.text
    enums = enums.json()
    table = probes(*setting)
    assert set(enums) == set(table)  # a new vocabulary needs its probe here
    for name, values in enums.items():
        probe = table[name]
        assert values and len(set(values)) == len(values), name
        for v in values:
            r = send(admin, probe, v)
            assert not refused_on(r, probe[2]), (name, v, r.text)
        for v in (values[0] + "x", values[-1].upper() + "_", "none"):
            if v in values:
                continue
            r = send(admin, probe, v)
            assert refused_on(r, probe[2]), (name, v, r.text)
            assert error_of(r)["code"] == "validation_failed"
    # Nothing was written by the probes.
    org = setting[0]
    assert admin.get(f"/api/v1/units/{setting[1]['id']}").json()["version"] == setting[1]["version"]
    assert admin.get("/api/v1/persons", params={"org": org, "q": "词表"}).json()["items"] == []


def test_enums_need_a_session(server):
    r = server.client().get("/api/v1/enums")
    assert r.status_code == 401


def test_enums_answer_any_signed_in_user(server, admin, setting):
    c = server.make_user(admin, "enumresident", "resident", setting[0])
    assert c.get("/api/v1/enums").json() == admin.get("/api/v1/enums").json()
