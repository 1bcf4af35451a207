"""The casework indicators (docs/casework.md, Indicators) on a scenario whose every answer is
worked out by hand below: cases closed on time, closed just before their due time (the
boundary), closed an hour late on the due day itself, closed more than a day late, sent back
and redone (返工), left unrated, left open and rejected. The expectations are literal numbers
derived in the comments from the timeline, not a query of the product's: an off-by-a-day in
按期结案 (a case counted on time when closed on its due day but after its due time, or up to
a day late) changes closure_rate's neighbour on_time_closure_rate and fails here."""
import calendar
import time

import pytest

from conftest import Server
from test_casework_recount import bearer

HOUR = 3600
DAY = 86400
MIN = 60


@pytest.fixture(scope="module")
def world():
    s = Server()
    yield s
    assert s.close() == 0, s.stderr


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def test_indicators_equal_the_hand_computed_answers(world):
    s = world
    admin = bearer(s, s.admin())  # tokens: a session would expire as the clock moves days ahead
    # A category of our own: its stages' hours add up to the whole case's due time, 48 h.
    r = admin.post("/api/v1/case-categories", json={
        "code": "hand_count", "name_zh": "手算", "name_en": "counted by hand", "accept_hours": 2,
        "dispatch_hours": 2, "claim_hours": 2, "handle_hours": 20, "verify_hours": 22, "handler_kind": "org"})
    assert r.status_code == 201, r.text
    community = s.org_id("340104006006")   # 龙居社区
    street, city = s.org_id("340104006"), s.org_id("3401")
    staff = bearer(s, s.make_user(admin, "hand-staff", "org_staff", community))      # reports, handles, closes, rates
    checker = bearer(s, s.make_user(admin, "hand-checker", "org_staff", community))  # verifies (not the handler)

    # The timeline starts at 08:00 Shanghai (00:00 UTC), so every due time falls at 08:00 too and
    # a case closed an hour after it is closed on the due day itself.
    offset = admin.post("/api/v1/_test/clock", json={"advance_seconds": 0}).json()["offset"]
    now = time.time() + offset
    admin.post("/api/v1/_test/clock", json={"advance_seconds": int(DAY - now % DAY) + DAY})
    t0 = None
    cases = {}

    def at(hours):
        """Move the clock to t0 + hours."""
        offset = admin.post("/api/v1/_test/clock", json={"advance_seconds": 0}).json()["offset"]
        ahead = t0 + hours * HOUR - (time.time() + offset)
        assert ahead >= 0, f"the timeline went past {hours} h by {-ahead} s"
        admin.post("/api/v1/_test/clock", json={"advance_seconds": int(ahead)})

    def act(who, name, action, **extra):
        for _ in range(5):  # the escalation timer may move the case meanwhile (a version conflict)
            c = who.get(f"/api/v1/cases/{cases[name]}").json()
            r = who.post(f"/api/v1/cases/{cases[name]}/actions", json={"action": action, "version": c["version"], **extra})
            if r.status_code != 409 or r.json()["error"]["code"] != "version_conflict":
                break
        assert r.status_code == 200, (name, action, r.text)
        return r.json()

    for name in "ABCDEFG":
        r = staff.post("/api/v1/cases", json={"category": "hand_count", "title": f"手算{name}", "description": "d",
                                               "org_id": community})
        assert r.status_code == 201, r.text
        cases[name] = r.json()["id"]
        if t0 is None:
            t0 = calendar.timegm(time.strptime(r.json()["created_at"], "%Y-%m-%dT%H:%M:%SZ"))
        assert r.json()["close_due_at"] is not None
    due = staff.get(f"/api/v1/cases/{cases['A']}").json()["close_due_at"]
    assert due == iso(t0 + 48 * HOUR)

    everyone = "ABCDE"
    at(1)
    for n in "ABCDEF":
        act(staff, n, "accept")
    act(staff, "G", "reject", note="不属实")       # rejected: counted nowhere
    at(2)
    for n in everyone:
        act(staff, n, "dispatch", org_id=community)
    at(3)
    for n in everyone:
        act(staff, n, "claim")
    at(5)
    act(staff, "A", "handle")
    act(staff, "E", "handle")
    at(6)
    act(checker, "A", "verify")
    act(checker, "E", "return", note="没修好")     # E: 返工
    at(7)
    act(staff, "A", "close")
    act(staff, "E", "handle")
    at(8)
    act(staff, "A", "rate", rating="满意")
    act(checker, "E", "verify")
    at(9)
    act(staff, "E", "close")
    at(10)
    act(staff, "E", "rate", rating="满意")
    at(40)
    act(staff, "B", "handle")
    act(staff, "C", "handle")
    at(42)
    act(checker, "B", "verify")
    act(checker, "C", "verify")
    at(48 - 10 / 60)
    act(staff, "B", "close")                      # B: ten minutes before its due time: on time
    at(48)
    act(staff, "B", "rate", rating="不满意")
    at(49)
    act(staff, "C", "close")                      # C: an hour late, on the due day itself: late
    at(50)
    act(staff, "C", "rate", rating="基本满意")
    at(72)
    act(staff, "D", "handle")                     # D: handled a day late
    at(73)
    act(checker, "D", "verify")
    at(74)
    act(staff, "D", "close")                      # D: closed 26 h late, never rated
    # F stays accepted (due, open); G was rejected.

    # By hand. Counted: the cases due in the period, not rejected: A B C D E F.
    #   due 6; closed (closed or rated) A B C D E = 5; closed by the due time (t0 + 48 h): A (7 h),
    #   E (9 h), B (47 h 50 min) = 3, not C (49 h) nor D (74 h); handled (handled_at set) A B C D E
    #   = 5, by the due time: A (5 h) B (40 h) C (40 h) E (7 h, its last handling) = 4, not D (72 h);
    #   reworked (sent back at least once): E = 1; rated A B C E = 4, of them 满意 or 基本满意: A C E
    #   = 3.
    want = {"due": 6, "closed": 5, "closed_on_time": 3, "handled": 5, "reworked": 1, "rated": 4, "satisfied": 3,
            "closure_rate": 5 / 6, "on_time_closure_rate": 3 / 6, "on_time_handling_rate": 4 / 6,
            "rework_rate": 1 / 5, "satisfaction_rate": 3 / 4}
    # The stays that ended, per state (hours; the open stays of F in accepted, D in closed, left out):
    #   reported: A B C D E F 1 each -> 6 stays, 6 h, 3600 s each
    #   accepted, dispatched: A B C D E 1 each -> 3600 s
    #   handling: A 2 (3-5), B 37 (3-40), C 37, D 69 (3-72), E 2 (3-5) and 1 (6-7) -> 148 h / 6 = 88800 s
    #   handled: A 1 (5-6), B 2 (40-42), C 2, D 1 (72-73), E 1 (5-6) and 1 (7-8) -> 8 h / 6 = 4800 s
    #   verified: A 1 (6-7), B 5 h 50 min (42-47:50), C 7 (42-49), D 1 (73-74), E 1 (8-9)
    #             -> 15 h 50 min / 5 = 57000 s / 5 = 11400 s
    #   closed: A 1 (7-8), B 10 min (47:50-48), C 1 (49-50), E 1 (9-10) -> 11400 s / 4 = 2850 s
    stays = {"reported": 3600, "accepted": 3600, "dispatched": 3600, "handling": 88800, "handled": 4800,
             "verified": 11400, "closed": 2850}
    period = {"from": iso(t0 - DAY), "to": iso(t0 + 5 * DAY)}
    for node in (community, street, city):    # the figures of a subtree: the same at every ancestor
        got = admin.get(f"/api/v1/orgs/{node}/casework", params=period).json()
        for k, v in want.items():
            assert got[k] == pytest.approx(v), (node, k, got[k], v)
        # Each stay was timed by the test clock give or take the real seconds the requests took (the
        # cases were reported a second or so apart; the clock moves in whole seconds).
        spent = got["avg_seconds_in_state"]
        assert set(spent) == set(stays), (node, spent)
        for state, secs in stays.items():
            assert abs(spent[state] - secs) <= 60, (node, state, spent[state], secs)
        assert got["overdue_now"] == 1, node      # F: past its stage deadline, still open
    # The trend's one bucket holding the due day says the same.
    trend = admin.get(f"/api/v1/orgs/{community}/casework/trend", params={**period, "bucket": "month"}).json()
    buckets = [b for b in trend["buckets"] if b["due"]]
    assert len(buckets) == 1
    for k, v in want.items():
        assert buckets[0][k] == pytest.approx(v), (k, buckets[0][k], v)
    # Reported and closed in the period: 7 reported (G too), 5 closed.
    assert sum(b["reported"] for b in trend["buckets"]) == 7
    assert sum(b["closed_in_bucket"] for b in trend["buckets"]) == 5
