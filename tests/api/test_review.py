"""述职评议: a session held by a node, secretaries of nodes below it reporting, delegates
grading them by secret ballot from a one-time code (no account), the count under the
norms in force, and the final grade confirmed. Who may do what; ballots that nothing in
the database or the audit log links to their voters; one ballot per delegate and
reporter under 64 concurrent attempts; corrections until the close and none after; the
count on crafted ballots with known answers."""
import json
import re
import threading

import pytest
import requests

import backend
from conftest import Server, error_of

CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI = "3401", "340104", "340104006", "340104005", "340102"
GRADES = ["good", "fairly_good", "average", "poor", "unknown"]


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


_seq = iter(range(100, 999))


def cadre(admin, org, name, post="书记"):
    p = admin.post("/api/v1/persons", json={"org_id": org, "name": name,
                                            "id_card": id_with_check(f"34010419650301{next(_seq):03d}")})
    assert p.status_code == 201, p.text
    r = admin.post("/api/v1/cadres", json={"person_id": p.json()["id"], "org_id": org, "post": post,
                                           "term_start": "2021-01-01"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def server():
    s = Server(extra_args=("--vote-rate", "100000"))
    yield s
    assert s.close() == 0, s.stderr


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI)}
    norms = [(CITY, "review.grade_points", 2024, {"good": 100, "fairly_good": 80, "average": 60, "poor": 0}),
             (CITY, "review.grade_bands", 2024, [{"grade": "good", "min": 90}, {"grade": "fairly_good", "min": 80},
                                                 {"grade": "average", "min": 60}, {"grade": "poor", "min": 0}]),
             (CITY, "review.satisfaction_floor", 2024, 50),
             # The district's own bands and floor from 2025: stricter than the city's.
             (SHUSHAN, "review.grade_bands", 2025, [{"grade": "good", "min": 95}, {"grade": "fairly_good", "min": 85},
                                                    {"grade": "average", "min": 60}, {"grade": "poor", "min": 0}]),
             (SHUSHAN, "review.satisfaction_floor", 2025, 60)]
    for org, key, year, value in norms:
        r = admin.post("/api/v1/norms", json={"org_id": ids[org], "key": key, "year_from": year, "value": value})
        assert r.status_code == 201, r.text
    ids["longju_secretary"] = cadre(admin, ids[LONGJU], "龙居书记")
    ids["nangang_secretary"] = cadre(admin, ids[NANGANG], "南岗书记")
    ids["district_secretary"] = cadre(admin, ids[SHUSHAN], "蜀山书记")
    ids["director"] = cadre(admin, ids[LONGJU], "龙居主任", post="主任")
    ids["yaohai_secretary"] = cadre(admin, ids[YAOHAI], "瑶海书记")
    ids["district"] = server.make_user(admin, "review-district", "org_staff", ids[SHUSHAN])
    ids["street"] = server.make_user(admin, "review-street", "org_staff", ids[LONGJU])
    ids["sibling"] = server.make_user(admin, "review-sibling", "org_staff", ids[YAOHAI])
    return ids


def refused(r, status, code, field=None):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def session(c, city, year=2025, reporters=("longju_secretary",), names=()):
    r = c.post("/api/v1/review-sessions", json={"org_id": city[SHUSHAN], "year": year, "held_on": f"{year}-12-20",
                                                "title": f"{year}年度蜀山区基层党组织书记述职评议会"})
    assert r.status_code == 201, r.text
    s = r.json()
    for who in reporters:
        r = c.post(f"/api/v1/review-sessions/{s['id']}/reporters", json={"cadre_id": city[who]})
        assert r.status_code == 201, r.text
    codes = []
    if names:
        r = c.post(f"/api/v1/review-sessions/{s['id']}/delegates", json={"names": list(names)})
        assert r.status_code == 201, r.text
        codes = [d["code"] for d in r.json()["delegates"]]
        assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", c) for c in codes) and len(set(codes)) == len(codes)
    s = c.get(f"/api/v1/review-sessions/{s['id']}").json()
    return s, [r["id"] for r in s["reporter_list"]], codes


def box(stored):
    """A reporter's stored ballots as [(token, grade)]: 33-character records, a token of 32
    hex characters and the grade's digit."""
    assert len(stored) % 33 == 0, stored
    return [(stored[i:i + 32], GRADES[int(stored[i + 32])]) for i in range(0, len(stored), 33)]


def vote(server, code, reporter, grade):
    return requests.post(server.base + "/api/v1/public/review-ballots",
                         json={"code": code, "reporter_id": reporter, "grade": grade}, timeout=30)


def sheet(server, code):
    return requests.post(server.base + "/api/v1/public/review-sheet", json={"code": code}, timeout=30)


def test_workflow_by_role_scope_and_state(server, city):
    district, street, sibling = city["district"], city["street"], city["sibling"]
    s, (rep,), codes = session(district, city, names=["代表甲"])
    # Reporters: secretaries of nodes below the holding org only; once each.
    add = lambda who: district.post(f"/api/v1/review-sessions/{s['id']}/reporters", json={"cadre_id": city[who]})  # noqa: E731
    refused(add("district_secretary"), 400, "validation_failed", "cadre_id")
    refused(add("director"), 400, "validation_failed", "cadre_id")
    refused(add("yaohai_secretary"), 400, "validation_failed", "cadre_id")
    refused(add("longju_secretary"), 409, "conflict", "cadre_id")
    # Outside the session's subtree: 404 as for a missing one; below it: no session writes.
    refused(sibling.get(f"/api/v1/review-sessions/{s['id']}"), 404, "not_found")
    refused(street.post(f"/api/v1/review-sessions/{s['id']}/reporters", json={"cadre_id": city["nangang_secretary"]}),
            404, "not_found")
    refused(sibling.patch(f"/api/v1/review-reporters/{rep}", json={"report": "越权"}), 404, "not_found")
    # The secretary's node files the report; only the holding org comments and records questions.
    r = street.patch(f"/api/v1/review-reporters/{rep}", json={"report": "一年来抓党建工作情况……", "rectification": "去年3个问题已整改2个"})
    assert r.status_code == 200, r.text
    assert (r.json()["report"], r.json()["rectification"]) == ("一年来抓党建工作情况……", "去年3个问题已整改2个")
    refused(street.patch(f"/api/v1/review-reporters/{rep}", json={"comment": "自评"}), 403, "forbidden")
    refused(street.post(f"/api/v1/review-reporters/{rep}/questions", json={"text": "问"}), 403, "forbidden")
    r = district.post(f"/api/v1/review-reporters/{rep}/questions", json={"text": "软弱涣散党组织整顿进展如何？"})
    assert r.status_code == 201, r.text
    q = r.json()["questions"][0]
    r = street.post(f"/api/v1/review-questions/{q['id']}/answer", json={"text": "已完成整顿并通过验收。"})
    assert r.status_code == 200 and r.json()["questions"][0]["answer"] == "已完成整顿并通过验收。", r.text
    r = district.patch(f"/api/v1/review-reporters/{rep}", json={"comment": "基础工作扎实，整改需加快。"})
    assert r.status_code == 200 and r.json()["comment"] == "基础工作扎实，整改需加快。", r.text
    # A grade is confirmed only once the session is closed, by the holding org.
    refused(district.post(f"/api/v1/review-reporters/{rep}/confirm", json={"grade": "good"}), 409, "invalid_transition")
    refused(street.post(f"/api/v1/review-sessions/{s['id']}/close"), 404, "not_found")
    assert vote(server, codes[0], rep, "good").status_code == 200
    r = district.post(f"/api/v1/review-sessions/{s['id']}/close")
    assert r.status_code == 200 and r.json()["state"] == "closed", r.text
    # Closed: no more reports, questions, answers, reporters, delegates or closing again.
    refused(street.patch(f"/api/v1/review-reporters/{rep}", json={"report": "改"}), 409, "invalid_transition")
    refused(district.post(f"/api/v1/review-reporters/{rep}/questions", json={"text": "问"}), 409, "invalid_transition")
    refused(street.post(f"/api/v1/review-questions/{q['id']}/answer", json={"text": "改"}), 409, "invalid_transition")
    refused(district.post(f"/api/v1/review-sessions/{s['id']}/delegates", json={"names": ["迟到"]}), 409,
            "invalid_transition")
    refused(district.post(f"/api/v1/review-sessions/{s['id']}/close"), 409, "invalid_transition")
    refused(street.post(f"/api/v1/review-reporters/{rep}/confirm", json={"grade": "good"}), 403, "forbidden")
    # The list: the district sees it, the sibling district does not.
    assert s["id"] in [x["id"] for x in district.get("/api/v1/review-sessions", params={"state": "closed"}).json()["items"]]
    assert s["id"] not in [x["id"] for x in sibling.get("/api/v1/review-sessions").json()["items"]]


def test_corrections_until_the_close_and_none_after(server, city):
    district = city["district"]
    s, (rep,), (code, other) = session(district, city, names=["代表乙", "代表丙"])
    refused(vote(server, "ZZZZZZZZZZ", rep, "good"), 404, "not_found", "code")
    refused(vote(server, code, 10**12, "good"), 400, "validation_failed", "reporter_id")
    refused(vote(server, code, rep, "great"), 400, "validation_failed", "grade")
    for grade in ("poor", "average", "fairly_good"):
        r = vote(server, code, rep, grade)
        assert r.status_code == 200, r.text
        assert sheet(server, code).json()["reporters"][0]["my_grade"] == grade
    assert sheet(server, other).json()["reporters"][0]["my_grade"] is None  # another code sees nothing of it
    s = district.get(f"/api/v1/review-sessions/{s['id']}").json()
    assert s["reporter_list"][0]["voted"] == 1 and sorted(d["voted"] for d in s["roster"]) == [0, 1]
    assert district.post(f"/api/v1/review-sessions/{s['id']}/close").status_code == 200
    refused(vote(server, code, rep, "good"), 409, "invalid_transition")
    refused(vote(server, other, rep, "good"), 409, "invalid_transition")
    got = sheet(server, code).json()
    assert got["state"] == "closed" and got["reporters"][0]["my_grade"] == "fairly_good"
    result = district.get(f"/api/v1/review-sessions/{s['id']}").json()["reporter_list"][0]["result"]
    assert result["distribution"] == {"good": 0, "fairly_good": 1, "average": 0, "poor": 0, "unknown": 0}
    assert (result["ballots"], result["roster"], result["turnout"]) == (1, 2, 50)


def test_one_ballot_per_delegate_under_64_concurrent_attempts(server, city):
    district = city["district"]
    s, (rep,), (code,) = session(district, city, names=["代表丁"])
    answers, start = [], threading.Barrier(64)

    def attempt(i):
        start.wait()
        answers.append((GRADES[i % 4], vote(server, code, rep, GRADES[i % 4])))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for _, r in answers] == [200] * 64
    mine = sheet(server, code).json()["reporters"][0]["my_grade"]
    assert mine in GRADES[:4]
    con = backend.connect(server.db)
    try:
        assert con.execute("SELECT COUNT(*) FROM review_voted WHERE reporter_id = ?", (rep,)).fetchone()[0] == 1
        ballots = box(con.execute("SELECT ballots FROM review_reporter WHERE id = ?", (rep,)).fetchone()[0])
    finally:
        con.close()
    assert [g for _, g in ballots] == [mine]
    # A correction after them: the last wins, still one ballot.
    assert vote(server, code, rep, "unknown").status_code == 200
    assert district.post(f"/api/v1/review-sessions/{s['id']}/close").status_code == 200
    result = district.get(f"/api/v1/review-sessions/{s['id']}").json()["reporter_list"][0]["result"]
    assert result["ballots"] == 1 and result["distribution"]["unknown"] == 1 and result["known"] == 0
    assert result["points"] is None and result["proposed"] is None


def cast(server, codes, reporter, grades):
    """Each code votes the grade of the same position (n of each grade, in the order given)."""
    flat = [g for g, n in grades for _ in range(n)]
    assert len(flat) <= len(codes)
    for code, grade in zip(codes, flat):
        r = vote(server, code, reporter, grade)
        assert r.status_code == 200, r.text


def test_counting_on_crafted_ballots(server, city):
    district = city["district"]
    names = [f"计票代表{i}" for i in range(7)]
    s, (a, b), codes = session(district, city, reporters=("longju_secretary", "nangang_secretary"), names=names)
    # a: 3 好, 1 较好, 1 差, 2 不了解: points (300+80+0)/5 = 76 over those who knew (54.29 if 不了解
    # counted), satisfaction 4/5 = 80%; the district's 2025 bands: 一般.
    cast(server, codes, a, [("good", 3), ("fairly_good", 1), ("poor", 1), ("unknown", 2)])
    # b: 2 好, 3 一般: points 76 (一般 by the bands) but satisfaction 40% under the district's
    # 60% floor: 差.
    cast(server, codes, b, [("good", 2), ("average", 3)])
    assert district.post(f"/api/v1/review-sessions/{s['id']}/close").status_code == 200
    got = {r["id"]: r for r in district.get(f"/api/v1/review-sessions/{s['id']}").json()["reporter_list"]}
    ra, rb = got[a]["result"], got[b]["result"]
    assert (ra["known"], ra["ballots"], ra["points"], ra["satisfaction"], ra["proposed"], ra["floored"]) == \
        (5, 7, 76, 80, "average", False)
    assert ra["distribution"] == {"good": 3, "fairly_good": 1, "average": 0, "poor": 1, "unknown": 2}
    assert (ra["roster"], ra["turnout"], ra["floor"]) == (7, 100, 60)
    assert (rb["known"], rb["points"], rb["satisfaction"], rb["proposed"], rb["floored"]) == (5, 76, 40, "poor", True)
    assert got[a]["proposed_grade"] == "average" and got[b]["proposed_grade"] == "poor"

    # 1 好 + 1 较好 = 90 points: 较好 under the district's 2025 bands (好 from 95), 好 under the
    # city's 2024 bands (from 90), which are the ones in force for a 2024 session.
    for year, want in ((2025, "fairly_good"), (2024, "good")):
        s, (c,), codes = session(district, city, year=year, names=["甲", "乙"])
        cast(server, codes, c, [("good", 1), ("fairly_good", 1)])
        assert district.post(f"/api/v1/review-sessions/{s['id']}/close").status_code == 200
        r = district.get(f"/api/v1/review-sessions/{s['id']}").json()["reporter_list"][0]
        assert (r["result"]["points"], r["proposed_grade"]) == (90, want), (year, r)


def test_confirm_with_a_reason_when_it_differs(server, city, admin):
    district = city["district"]
    s, (rep,), codes = session(district, city, names=["甲", "乙"])
    cast(server, codes, rep, [("good", 2)])
    assert district.post(f"/api/v1/review-sessions/{s['id']}/close").status_code == 200
    refused(district.post(f"/api/v1/review-reporters/{rep}/confirm", json={"grade": "fairly_good"}), 400,
            "validation_failed", "reason")
    r = district.post(f"/api/v1/review-reporters/{rep}/confirm", json={"grade": "good"})
    assert r.status_code == 200 and (r.json()["final_grade"], r.json()["final_reason"]) == ("good", None), r.text
    r = district.post(f"/api/v1/review-reporters/{rep}/confirm",
                      json={"grade": "fairly_good", "reason": "年内发生一起信访事项处置不当，经研究降为较好"})
    assert r.status_code == 200 and r.json()["final_grade"] == "fairly_good", r.text
    audit = admin.get("/api/v1/audit", params={"entity": "review_reporter", "entity_id": rep}).json()["items"]
    confirms = [a for a in audit if a["action"] == "review.grade_confirmed"]
    assert len(confirms) == 2
    assert {c["summary"].get("grade") for c in confirms} == {"good", "fairly_good"}
    assert any(c["summary"].get("reason", "").startswith("年内") for c in confirms)


def test_ballots_cannot_be_linked_to_voters(server, city, admin):
    """The attempt of someone holding the database (without the server key) and the audit
    log: every table, the row order, ids, times and tokens, and the server's log."""
    district = city["district"]
    # 40 delegates, 20 of each grade: a guess from any order matches the truth by chance once in
    # C(40, 20) (about 1.4e11) runs.
    names = [f"保密代表{i:02d}" for i in range(40)]
    s, (rep,), codes = session(district, city, names=names)
    con = backend.connect(server.db)
    tables = [t for (t,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'" if backend.BACKEND == "sqlite"
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
    audit_before = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    truth = {}
    for i, code in enumerate(codes):  # the roster's order is the voting order: 20 好 then 20 差
        truth[code] = "good" if i < 20 else "poor"
        assert vote(server, code, rep, truth[code]).status_code == 200
    # Nothing was audited by the votes (an audit row's time would order them).
    assert con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == audit_before
    stored = con.execute("SELECT ballots FROM review_reporter WHERE id = ?", (rep,)).fetchone()[0]
    ballots = box(stored)
    assert len(ballots) == 40 and sorted(g for _, g in ballots) == sorted(truth.values())
    # The ballots: a token and a grade each, in the tokens' order, whatever the voting order.
    assert [t for t, _ in ballots] == sorted(t for t, _ in ballots)
    assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t, _ in ballots)
    # The voted facts: a delegate and a reporter, nothing else (no grade, no time, no id).
    cols = [d[0] for d in con.execute("SELECT * FROM review_voted WHERE reporter_id = ?", (rep,)).description]
    assert sorted(cols) == ["delegate_id", "reporter_id"]
    voted = [d for (d,) in con.execute("SELECT delegate_id FROM review_voted WHERE reporter_id = ?", (rep,)).fetchall()]
    roster = con.execute("SELECT id, name, code_hash, created_at FROM review_delegate WHERE session_id = ? ORDER BY id",
                         (s["id"],)).fetchall()
    assert sorted(voted) == [r[0] for r in roster]
    # Attempt 1, order: the k-th voted fact (the voting order) with the k-th ballot.
    by_delegate = {r[0]: codes[i] for i, r in enumerate(roster)}
    guess = {by_delegate[d]: ballots[k][1] for k, d in enumerate(voted)}
    assert guess != truth
    # Attempt 2, tokens: no token appears anywhere else in the database (so no roster column
    # and no hash of one is a token), and the codes themselves are stored nowhere.
    dump = []
    for t in tables:
        for row in con.execute(f"SELECT * FROM {t}").fetchall():
            dump.append(" ".join(str(v) for v in row))
    everything = "\n".join(dump)
    for token, _ in ballots:
        assert everything.count(token) == 1, "a token outside its ballot"
    for code in codes:
        assert code not in everything
    # Attempt 3, times and ids: the session's rows carry no time set by a vote.
    times = con.execute("SELECT updated_at, version FROM review_reporter WHERE id = ?", (rep,)).fetchone()
    assert times == tuple(con.execute("SELECT updated_at, version FROM review_reporter WHERE id = ?", (rep,)).fetchone())
    assert [r[3] for r in roster] == [roster[0][3]] * 40  # one write made the roster: its times order nothing
    con.close()
    # The server's log names no code, no token and no grade with a delegate.
    log = server.read_log(whole=True)
    for code in codes:
        assert code not in log
    for token, _ in ballots:
        assert token not in log
    for name in names:
        assert name not in log
    # The audit log: no row about the ballots or naming a delegate.
    items = admin.get("/api/v1/audit", params={"limit": 200}).json()["items"]
    text = json.dumps(items, ensure_ascii=False)
    for name in names:
        assert name not in text
    assert not any("ballot" in a["action"] or "vote" in a["action"] for a in items)


def test_the_phone_calls_are_rate_limited_per_address():
    """Like the public case report: every call counts, a malformed one too, then 429."""
    s = Server(extra_args=("--vote-rate", "3"))
    try:
        url = s.base + "/api/v1/public/review-sheet"
        answers = [requests.post(url, json=body, timeout=30).status_code
                   for body in ({"code": "ZZZZZZZZZZ"}, {"code": 1}, {"code": "ZZZZZZZZZZ"}, {"code": "ZZZZZZZZZZ"})]
        assert answers == [404, 400, 404, 429]
        r = requests.post(s.base + "/api/v1/public/review-ballots",
                          json={"code": "ZZZZZZZZZZ", "reporter_id": 1, "grade": "good"}, timeout=30)
        refused(r, 429, "rate_limited")
    finally:
        assert s.close() == 0, s.stderr


def test_the_comment_raises_problems_and_open_problems_are_reported_again(server, city, admin):
    district, street = city["district"], city["street"]
    s, (rep,), _ = session(district, city, year=2027)
    finding = {"severity": "ordinary", "measure": "建立整改台账，逐月销号", "deadline": "2028-06-30"}
    # The comment comes first; only the holding org lists its problems.
    refused(district.post(f"/api/v1/review-reporters/{rep}/problems", json=finding), 409, "invalid_transition")
    assert district.patch(f"/api/v1/review-reporters/{rep}", json={"comment": "整改推进偏慢。"}).status_code == 200
    refused(street.post(f"/api/v1/review-reporters/{rep}/problems", json=finding), 403, "forbidden")
    refused(city["sibling"].post(f"/api/v1/review-reporters/{rep}/problems", json=finding), 404, "not_found")
    refused(district.post(f"/api/v1/review-reporters/{rep}/problems", json={**finding, "severity": "huge"}), 400,
            "validation_failed", "severity")
    r = district.post(f"/api/v1/review-reporters/{rep}/problems", json=finding)
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["source"], p["org_id"], p["raised_org_id"], p["year"], p["description"], p["category"], p["state"]) == (
        "review_comment", city[LONGJU], city[SHUSHAN], 2028, "整改推进偏慢。", "述职点评", "pending")
    # The street fixes it like any problem raised by the district.
    assert street.get(f"/api/v1/problems/{p['id']}").json()["can"]["moves"] == ["start"]
    # The reporter's page: the problems its comment raised, and the org's problems still open from the year
    # reported on and before (a closed one and one of a later year are not among them).
    old = {"org_id": city[LONGJU], "raised_org_id": city[SHUSHAN], "source": "daily_inspection", "severity": "minor",
           "description": "上年遗留问题", "measure": "继续整改", "deadline": "2028-12-31"}
    kept = admin.post("/api/v1/problems", json={**old, "year": 2026}).json()
    later = admin.post("/api/v1/problems", json={**old, "year": 2028, "description": "下一年的问题"}).json()
    done = admin.post("/api/v1/problems", json={**old, "year": 2027, "description": "已销号的问题"}).json()
    for action in ("start", "apply", "close"):
        done = admin.post(f"/api/v1/problems/{done['id']}/moves", json={"action": action, "version": done["version"]}).json()
    assert done["state"] == "closed"
    reporter = next(r for r in district.get(f"/api/v1/review-sessions/{s['id']}").json()["reporter_list"] if r["id"] == rep)
    assert [x["id"] for x in reporter["problems"]] == [p["id"]]
    listed = [x["id"] for x in reporter["open_problems"]]
    assert kept["id"] in listed and later["id"] not in listed and done["id"] not in listed and p["id"] not in listed
    # Once carried over into the next year, the copy is reported in its place.
    r = admin.post("/api/v1/problem-carry-over", json={"org_id": city[SHUSHAN], "year": 2026})
    assert r.status_code == 200 and r.json()["carried"] >= 1, r.text
    reporter = next(r for r in district.get(f"/api/v1/review-sessions/{s['id']}").json()["reporter_list"] if r["id"] == rep)
    ids = {x["id"]: x for x in reporter["open_problems"]}
    assert kept["id"] not in ids
    assert any(x["source"] == "carried_over" and x["description"] == "上年遗留问题" for x in ids.values())


def test_a_lost_code_is_reissued_and_the_old_one_stops_at_once(server, city, admin):
    district, street = city["district"], city["street"]
    s, (rep, other), (code, bystander) = session(district, city, year=2024, reporters=("longju_secretary", "nangang_secretary"),
                                                 names=["丢码代表", "旁观代表"])
    delegate = s["roster"][0]["id"]
    assert vote(server, code, rep, "poor").status_code == 200
    # Only the holding org reissues: below it or beside it, no such delegate.
    refused(street.post(f"/api/v1/review-delegates/{delegate}/reissue"), 404, "not_found")
    refused(city["sibling"].post(f"/api/v1/review-delegates/{delegate}/reissue"), 404, "not_found")
    r = district.post(f"/api/v1/review-delegates/{delegate}/reissue")
    assert r.status_code == 200, r.text
    new = r.json()["code"]
    assert r.json()["id"] == delegate and re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", new) and new != code
    # The lost code stops at once, for the sheet and for ballots.
    refused(vote(server, code, other, "good"), 404, "not_found", "code")
    refused(sheet(server, code), 404, "not_found", "code")
    # The new code votes for the reporter not voted yet; the ballot cast with the lost code stands as cast and
    # is not doubled (nor changed) by the new code.
    assert vote(server, new, other, "good").status_code == 200
    refused(vote(server, new, rep, "good"), 409, "conflict", "reporter_id")
    assert vote(server, bystander, rep, "good").status_code == 200
    got = district.get(f"/api/v1/review-sessions/{s['id']}").json()
    assert [d["voted"] for d in got["roster"]] == [2, 1]
    r = district.post(f"/api/v1/review-sessions/{s['id']}/close")
    assert r.status_code == 200, r.text
    counted = {x["id"]: x["result"] for x in r.json()["reporter_list"]}
    assert (counted[rep]["ballots"], counted[rep]["distribution"]["poor"], counted[rep]["distribution"]["good"]) == (2, 1, 1)
    assert counted[other]["ballots"] == 1
    # Audited without the code; closed: no more reissues.
    rows = admin.get("/api/v1/audit", params={"entity": "review_session", "entity_id": s["id"]}).json()["items"]
    reissued = [x for x in rows if x["action"] == "review.code_reissued"]
    assert len(reissued) == 1 and code not in json.dumps(reissued) and new not in json.dumps(reissued)
    refused(district.post(f"/api/v1/review-delegates/{delegate}/reissue"), 409, "invalid_transition")
