"""Service posts (认领服务岗位) and 微心愿: who may create, claim, withdraw, confirm and move
what, in which state; capacity and the one live claim under concurrent requests; expiry
returning a wish to the pool; the public board without personal data (every field of every
item); the service records attendance and confirmation add."""
import datetime
import json
import threading

import pytest

import backend
from conftest import ADMIN_PASSWORD, error_of, xlsx_rows

STREET, COMMUNITY, OTHER = "340104006", "340104006001", "340104006002"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
DAY = 86400
_seq = iter(range(1, 400))


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def refused(r, status, code, field=None):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


class City:
    """The module's people, accounts and the days the test clock was moved by."""
    days = 0

    def date(self, ahead):
        return (TODAY + datetime.timedelta(days=self.days + ahead)).isoformat()


def person(admin, org, name, born="19860307", household=None):
    body = {"org_id": org, "name": name, "id_card": id_with_check(f"340104{born}{next(_seq):03d}")}
    if household:
        body.update(household_id=household, relation="其他")
    return ok(admin.post("/api/v1/persons", json=body), 201)["id"]


def account(server, admin, username, role, org, person_id=None):
    """A user with one grant (and, given, the person they are), signed in."""
    uid = ok(admin.post("/api/v1/users", json={"username": username, "display_name": username,
                                                "password": "Quiet-Harbor-42!", "org_id": org}), 201)["id"]
    ok(admin.post(f"/api/v1/users/{uid}/grants", json={"role": role, "org_id": org}), 201)
    if person_id:
        ok(admin.patch(f"/api/v1/users/{uid}", json={"person_id": person_id}))
    c = server.client()
    c.login(username, "Quiet-Harbor-42!")
    c.person_id = person_id
    c.username = username
    return c


@pytest.fixture(scope="module")
def city(server, admin):
    c = City()
    c.street, c.a, c.b = (server.org_id(x) for x in (STREET, COMMUNITY, OTHER))
    branch = ok(admin.post("/api/v1/party-orgs", json={"org_id": c.a, "kind": "党支部", "name": "认领测试党支部"}), 201)["id"]

    def member(name, registered, in_service=True):
        p = person(admin, c.a, name)
        ok(admin.post("/api/v1/party-members", json={"person_id": p, "party_org_id": branch, "status": "正式",
                                                      "joined_on": "2010-07-01", "in_service": in_service,
                                                      "registered_org_id": registered}), 201)
        return account(server, admin, f"claims-m{p}", "party_member", c.a, p)

    c.members = [member(f"认领党员{i}", c.a) for i in range(8)]
    c.elsewhere = member("外社区党员", c.b)
    c.retired = member("退休党员", c.a, in_service=False)
    c.staff = account(server, admin, "claims-staff", "org_staff", c.a)
    c.staff_b = account(server, admin, "claims-staff-b", "org_staff", c.b)
    c.grid = account(server, admin, "claims-grid", "grid_worker", c.a)
    # Households: an adult beneficiary who has an account; a child's household; a spare one.
    c.hh = ok(admin.post("/api/v1/households", json={"org_id": c.a, "address": "青阳路18号3栋502室"}), 201)["id"]
    c.old = person(admin, c.a, "钱秀英", born="19420511", household=c.hh)
    c.resident = account(server, admin, "claims-resident", "resident", c.a, c.old)
    c.hh_child = ok(admin.post("/api/v1/households", json={"org_id": c.a, "address": "团安村7组12号"}), 201)["id"]
    c.child = person(admin, c.a, "孙小雨", born="20150307", household=c.hh_child)
    c.parent = person(admin, c.a, "孙建国", born="19850307", household=c.hh_child)
    c.hh_b = ok(admin.post("/api/v1/households", json={"org_id": c.b, "address": "青阳路99号"}), 201)["id"]
    c.neighbour = person(admin, c.b, "李大海", born="19600101", household=c.hh_b)
    return c


def advance(server, admin, city, days):
    """Move the server's clock; the sessions it ends are opened again."""
    ok(admin.post("/api/v1/_test/clock", json={"advance_seconds": days * DAY}))
    city.days += days
    admin.login("admin", ADMIN_PASSWORD)
    for c in [*city.members, city.elsewhere, city.retired, city.staff, city.staff_b, city.grid, city.resident]:
        c.login(c.username, "Quiet-Harbor-42!")


def post_body(city, ahead=1, capacity=5, **kw):
    return {"org_id": city.a, "category": "法律咨询与援助", "title": "周末法律咨询", "served_on": city.date(ahead),
            "start_min": 540, "end_min": 660, "capacity": capacity, **kw}


def claim_all(clients, path):
    """Each client POSTs path at once (threads released together); their statuses and answers."""
    out = [None] * len(clients)
    gate = threading.Barrier(len(clients))

    def run(i, c):
        gate.wait()
        r = c.post(path)
        out[i] = (r.status_code, r.json())

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


# ---------------------------------------------------------------- posts

def test_posts_are_made_by_the_communitys_staff_only(server, admin, city):
    refused(city.staff.post("/api/v1/service-posts", json=post_body(city, category="唱歌")), 400, "validation_failed",
            "category")
    refused(city.staff.post("/api/v1/service-posts", json=post_body(city, end_min=500)), 400, "validation_failed",
            "end_min")
    refused(admin.post("/api/v1/service-posts", json={**post_body(city), "org_id": city.street}), 400,
            "validation_failed", "org_id")
    refused(city.staff_b.post("/api/v1/service-posts", json=post_body(city)), 404, "not_found", "org_id")
    refused(city.members[0].post("/api/v1/service-posts", json=post_body(city)), 403, "forbidden")
    p = ok(city.staff.post("/api/v1/service-posts", json=post_body(city)), 201)
    assert (p["claimed"], p["capacity"], p["state"], p["can"]["edit"], p["can"]["claim"]) == (0, 5, "open", True, False)
    assert "post_categories" in ok(city.staff.get("/api/v1/enums"))
    assert "法律咨询与援助" in ok(city.staff.get("/api/v1/enums"))["post_categories"]
    p = ok(city.staff.patch(f"/api/v1/service-posts/{p['id']}", json={"capacity": 3, "version": p["version"]}))
    assert p["capacity"] == 3
    refused(city.staff_b.patch(f"/api/v1/service-posts/{p['id']}", json={"capacity": 4}), 404, "not_found")


def test_claims_never_pass_capacity_under_concurrency(server, admin, city):
    p = ok(city.staff.post("/api/v1/service-posts", json=post_body(city, capacity=5)), 201)
    res = claim_all(city.members, f"/api/v1/service-posts/{p['id']}/claims")
    won = [r for s, r in res if s == 201]
    lost = [r for s, r in res if s != 201]
    assert len(won) == 5 and len(lost) == 3, res
    assert all(r["error"]["code"] == "post_full" for r in lost), lost
    got = ok(city.staff.get(f"/api/v1/service-posts/{p['id']}"))
    assert got["claimed"] == 5 and len([c for c in got["claims"] if c["state"] == "claimed"]) == 5
    listed = ok(city.staff.get("/api/v1/post-claims", params={"post": p["id"]}))
    assert listed["total"] == 5
    # A member whose claim won withdraws; a place opens and one who lost takes it.
    winner = next(c for c, (s, _) in zip(city.members, res) if s == 201)
    loser = next(c for c, (s, _) in zip(city.members, res) if s != 201)
    mine = next(x for x in got["claims"] if x["person_id"] == winner.person_id)
    refused(loser.post(f"/api/v1/post-claims/{mine['id']}/withdraw"), 403, "forbidden")
    assert ok(winner.post(f"/api/v1/post-claims/{mine['id']}/withdraw"))["claimed"] == 4
    refused(winner.post(f"/api/v1/post-claims/{mine['id']}/withdraw"), 409, "invalid_transition", "state")
    assert ok(loser.post(f"/api/v1/service-posts/{p['id']}/claims"), 201)["claimed"] == 5
    refused(loser.post(f"/api/v1/service-posts/{p['id']}/claims"), 409, "conflict")


def test_who_may_claim_a_post(server, admin, city):
    p = ok(city.staff.post("/api/v1/service-posts", json=post_body(city, capacity=2)), 201)
    refused(city.retired.post(f"/api/v1/service-posts/{p['id']}/claims"), 403, "forbidden")
    refused(city.staff.post(f"/api/v1/service-posts/{p['id']}/claims"), 403, "forbidden")
    refused(city.resident.post(f"/api/v1/service-posts/{p['id']}/claims"), 403, "forbidden")
    refused(city.elsewhere.post(f"/api/v1/service-posts/{p['id']}/claims"), 403, "forbidden")
    refused(city.members[0].post("/api/v1/service-posts/999999999/claims"), 404, "not_found")
    c = ok(city.members[0].post(f"/api/v1/service-posts/{p['id']}/claims"), 201)
    assert c["my_claim"]["state"] == "claimed" and c["can"]["withdraw"] is True and c["claimed"] == 1
    mine = ok(city.members[0].get("/api/v1/my/claims"))
    assert mine["member"]["registered_org_id"] == city.a
    assert any(x["id"] == p["id"] and x["mine"] for x in mine["posts"])
    assert ok(city.resident.get("/api/v1/my/claims"))["member"] is None
    # A cancelled post ends its claims and takes no more.
    got = ok(city.staff.get(f"/api/v1/service-posts/{p['id']}"))
    refused(city.staff.post(f"/api/v1/service-posts/{p['id']}/cancel", json={"version": got["version"]}), 400,
            "validation_failed", "reason")
    x = ok(city.staff.post(f"/api/v1/service-posts/{p['id']}/cancel",
                           json={"reason": "场地临时占用", "version": got["version"]}))
    assert x["state"] == "cancelled" and x["claimed"] == 0 and x["claims"][0]["state"] == "withdrawn"
    refused(city.members[1].post(f"/api/v1/service-posts/{p['id']}/claims"), 409, "invalid_transition", "state")


def service_records(server, person_id):
    """The service records of a person, read from the database the server writes."""
    con = backend.connect(server.db)
    try:
        rows = con.execute("SELECT source, served_on, start_min, end_min, minutes,"
                           " CASE WHEN verified_by IS NOT NULL AND verified_at IS NOT NULL THEN 1 ELSE 0 END"
                           " FROM service_record WHERE person_id = ? ORDER BY id", (person_id,)).fetchall()
    finally:
        con.close()
    return [tuple(r) for r in rows]


# ---------------------------------------------------------------- wishes

def wish_body(city, household=None, **kw):
    return {"household_id": household or city.hh, "kind": "实物", "value_fen": 15000, "content": "需要一台助听器", **kw}


def move(client, w, action, **kw):
    return client.post(f"/api/v1/wishes/{w['id']}/moves", json={"action": action, "version": w["version"], **kw})


def test_a_wish_from_posting_to_archive(server, admin, city):
    r = city.resident
    refused(r.post("/api/v1/wishes", json=wish_body(city, value_fen=500001)), 400, "validation_failed", "value_fen")
    refused(r.post("/api/v1/wishes", json=wish_body(city, content="请联系13912345678")), 400, "validation_failed",
            "content")
    refused(r.post("/api/v1/wishes", json=wish_body(city, content="钱秀英老人需要助听器")), 400, "validation_failed",
            "content")
    refused(r.post("/api/v1/wishes", json=wish_body(city, household=city.hh_b)), 404, "not_found", "household_id")
    refused(city.staff.post("/api/v1/wishes", json=wish_body(city)), 400, "validation_failed", "beneficiary_id")
    refused(city.members[0].post("/api/v1/wishes", json=wish_body(city)), 404, "not_found", "household_id")
    w = ok(r.post("/api/v1/wishes", json=wish_body(city)), 201)
    assert (w["state"], w["beneficiary_id"], w["by_staff"], w["can"]["moves"]) == ("collecting", city.old, False,
                                                                                    ["submit", "cancel"])
    refused(r.post("/api/v1/wishes", json=wish_body(city, kind="服务")), 409, "conflict", "household_id")
    w = ok(move(r, w, "submit"))
    refused(move(r, w, "publish"), 403, "forbidden", "action")
    refused(move(city.staff_b, w, "publish"), 404, "not_found")
    refused(move(city.staff, w, "return"), 400, "validation_failed", "reason")
    w = ok(move(city.staff, w, "return", reason="请写明助听器型号需求"))
    assert w["state"] == "collecting" and w["return_reason"] == "请写明助听器型号需求"
    w = ok(r.patch(f"/api/v1/wishes/{w['id']}", json={"content": "需要一台耳背式助听器", "version": w["version"]}))
    w = ok(move(r, w, "submit"))
    refused(move(r, w, "archive"), 409, "invalid_transition", "action")
    w = ok(move(city.staff, w, "publish"))
    assert w["state"] == "published" and w["published_at"]
    refused(r.patch(f"/api/v1/wishes/{w['id']}", json={"content": "改一下"}), 409, "invalid_transition", "state")
    # Claims: not by the non-member, one winner among concurrent members.
    refused(city.retired.post(f"/api/v1/wishes/{w['id']}/claims"), 403, "forbidden")
    res = claim_all(city.members, f"/api/v1/wishes/{w['id']}/claims")
    assert sorted(s for s, _ in res) == [201] + [409] * 7, res
    assert all(b["error"]["code"] == "wish_taken" for s, b in res if s == 409)
    holder = next(c for c, (s, _) in zip(city.members, res) if s == 201)
    other = next(c for c, (s, _) in zip(city.members, res) if s != 201)
    w = ok(holder.get(f"/api/v1/wishes/{w['id']}"))
    assert w["state"] == "claimed" and w["claimant_id"] == holder.person_id
    assert w["beneficiary_name"] == "钱*" and "household_id" not in w  # the claimant sees no personal side
    assert w["can"]["moves"] == ["withdraw", "fulfil"]
    refused(move(other, w, "fulfil", served_on=city.date(0), start_min=600, end_min=660), 404, "not_found")
    refused(move(holder, w, "fulfil", start_min=600, end_min=660), 400, "validation_failed", "served_on")
    refused(move(holder, w, "fulfil", served_on=city.date(1), start_min=600, end_min=660), 400, "validation_failed",
            "served_on")
    refused(move(holder, w, "cancel", reason="x"), 409, "invalid_transition", "action")
    w = ok(move(holder, w, "fulfil", served_on=city.date(0), start_min=600, end_min=645, note="已送到"))
    assert w["state"] == "fulfilled"
    refused(move(holder, w, "confirm"), 403, "forbidden", "action")
    refused(move(city.members[0] if city.members[0] is not holder else city.members[1], w, "confirm"), 404, "not_found")
    w = ok(move(r, w, "confirm"))
    assert w["state"] == "confirmed" and w["confirmed_for"] is False and w["record_id"]
    w = ok(move(city.staff, w, "archive"))
    assert [h["action"] for h in w["history"]] == ["submit", "return", "submit", "publish", "claim", "fulfil",
                                                   "confirm", "archive"]
    assert service_records(server, holder.person_id) == [("wish", city.date(0), 600, 645, 45, 1)]
    # The household may post again once the wish is done.
    w2 = ok(r.post("/api/v1/wishes", json=wish_body(city, kind="服务", content="每周陪同去医院复查")), 201)
    mine = ok(r.get("/api/v1/my/wishes"))
    assert mine["household_id"] == city.hh and [x["id"] for x in mine["wishes"]][:1] == [w2["id"]]
    ok(move(r, w2, "cancel", reason="已由亲属解决"))


def test_the_grid_worker_confirms_for_the_beneficiary_and_expiry_returns_a_wish(server, admin, city):
    g = city.grid
    w = ok(g.post("/api/v1/wishes", json=wish_body(city, household=city.hh_child, beneficiary_id=city.child,
                                                   content="需要一个新书包和文具")), 201)
    assert w["by_staff"] is True
    refused(g.post("/api/v1/wishes", json=wish_body(city, household=city.hh_b, beneficiary_id=city.neighbour)), 404,
            "not_found", "household_id")
    w = ok(move(g, w, "submit"))
    w = ok(move(city.staff, w, "publish"))
    m = city.members[2]
    w = ok(m.post(f"/api/v1/wishes/{w['id']}/claims"), 201)
    assert w["beneficiary_name"] is None  # a minor: no name at all
    # Kept past wish.claim_days (14 by default) without fulfilment: the claim expires.
    advance(server, admin, city, 13)
    ok(admin.post("/api/v1/_test/tick"))
    assert ok(g.get(f"/api/v1/wishes/{w['id']}"))["state"] == "claimed"
    advance(server, admin, city, 2)
    ok(admin.post("/api/v1/_test/tick"))
    w = ok(g.get(f"/api/v1/wishes/{w['id']}"))
    assert w["state"] == "published" and w["claimant_id"] is None and w["history"][-1]["action"] == "expire"
    refused(m.get(f"/api/v1/wishes/{w['id']}"), 404, "not_found")
    # Back in the pool: another member claims it, fulfils it; the grid worker confirms for the child.
    m2 = city.members[3]
    w = ok(m2.post(f"/api/v1/wishes/{w['id']}/claims"), 201)
    w = ok(move(m2, w, "withdraw"))
    assert w["state"] == "published"
    w = ok(m2.post(f"/api/v1/wishes/{w['id']}/claims"), 201)
    w = ok(move(m2, w, "fulfil", served_on=city.date(0), start_min=900, end_min=960))
    w = ok(move(g, w, "confirm"))
    assert w["state"] == "confirmed" and w["confirmed_for"] is True
    # (m2 may hold the first test's record too: which member won that race is chance)
    assert service_records(server, m2.person_id)[-1] == ("wish", city.date(0), 900, 960, 60, 1)


def test_one_open_wish_per_household_under_concurrency(server, admin, city):
    hh = ok(admin.post("/api/v1/households", json={"org_id": city.a, "address": "清溪路5号"}), 201)["id"]
    p = person(admin, city.a, "周桂兰", born="19500101", household=hh)
    staff = [account(server, admin, f"claims-grid{i}", "grid_worker", city.a) for i in range(6)]
    out = [None] * 6
    gate = threading.Barrier(6)

    def run(i):
        gate.wait()
        out[i] = staff[i].post("/api/v1/wishes", json=wish_body(city, household=hh, beneficiary_id=p)).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == [201] + [409] * 5, out
    assert ok(city.staff.get("/api/v1/wishes", params={"org": city.a, "state": "collecting"}))["total"] >= 1


# ---------------------------------------------------------------- attendance

def test_attendance_after_the_slot_adds_a_verified_record(server, admin, city):
    p = ok(city.staff.post("/api/v1/service-posts", json=post_body(city, ahead=1, capacity=2, title="政策宣讲")), 201)
    m = city.members[4]
    ok(m.post(f"/api/v1/service-posts/{p['id']}/claims"), 201)
    got = ok(city.staff.get(f"/api/v1/service-posts/{p['id']}"))
    claim = got["claims"][0]["id"]
    refused(city.staff.post(f"/api/v1/post-claims/{claim}/attendance", json={"attended": True}), 409,
            "invalid_transition")
    advance(server, admin, city, 2)
    refused(m.post(f"/api/v1/post-claims/{claim}/withdraw"), 409, "invalid_transition")
    refused(m.post(f"/api/v1/post-claims/{claim}/attendance", json={"attended": True}), 403, "forbidden")
    refused(city.staff_b.post(f"/api/v1/post-claims/{claim}/attendance", json={"attended": True}), 404, "not_found")
    x = ok(city.staff.post(f"/api/v1/post-claims/{claim}/attendance", json={"attended": True}))
    assert x["claims"][0]["state"] == "attended" and x["claims"][0]["record_id"]
    assert service_records(server, m.person_id)[-1] == ("post", p["served_on"], 540, 660, 120, 1)
    refused(city.staff.post(f"/api/v1/post-claims/{claim}/attendance", json={"attended": False}), 409,
            "invalid_transition", "state")
    # The figures count it.
    year = int(p["served_on"][:4])
    f = ok(city.staff.get("/api/v1/claims-figures", params={"org": city.a, "year": year}))
    assert f["post_attended"] == 1 and f["posts"] >= 1 and 0 < f["post_fill_rate"] <= 1
    assert sum(k["posts"] for k in f["children"]) <= f["posts"]
    if year == TODAY.year:  # the two wishes fulfilled earlier in this module, both within a day of publication
        assert f["fulfilled_in_year"] == 2 and f["fulfil_days_median"] is not None


# ---------------------------------------------------------------- the public board

BOARD_KEYS = {"id", "kind", "value_fen", "content", "published_at", "community_name", "beneficiary"}


def test_the_public_board_shows_no_personal_data(server, admin, city):
    # Published wishes of an adult (with an account) and of a child.
    g = city.grid
    hh = ok(admin.post("/api/v1/households", json={"org_id": city.a, "address": "陈村路66号1单元101"}), 201)["id"]
    adult = person(admin, city.a, "欧阳明月", born="19480202", household=hh)
    hh2 = ok(admin.post("/api/v1/households", json={"org_id": city.a, "address": "团安村3组8号"}), 201)["id"]
    kid = person(admin, city.a, "吴天乐", born="20120909", household=hh2)
    made = {}
    for h, b, text in ((hh, adult, "冬天需要一床厚棉被"), (hh2, kid, "想要一套课外读物")):
        w = ok(g.post("/api/v1/wishes", json=wish_body(city, household=h, beneficiary_id=b, content=text)), 201)
        w = ok(move(g, w, "submit"))
        made[b] = ok(move(city.staff, w, "publish"))
    anon = server.client()
    refused(anon.get("/api/v1/public/wishes"), 400, "validation_failed", "code")
    refused(anon.get("/api/v1/public/wishes", params={"code": STREET}), 404, "not_found", "code")
    page = ok(anon.get("/api/v1/public/wishes", params={"code": COMMUNITY, "limit": 200}))
    items = {i["id"]: i for i in page["items"]}
    assert page["total"] == len(page["items"]) and made[adult]["id"] in items and made[kid]["id"] in items
    secrets = ["欧阳明月", "明月", "吴天乐", "天乐", "陈村路66号", "团安村3组8号", "1948", "2012", "19480202",
               "20120909", "陈村路", "团安村3组", "1单元"]
    for item in page["items"]:
        assert set(item) == BOARD_KEYS, item
        assert isinstance(item["id"], int) and item["kind"] in ("实物", "服务")
        assert isinstance(item["value_fen"], int) and isinstance(item["content"], str)
        assert item["community_name"] == "团安村社区"
        b = item["beneficiary"]
        assert b is None or (len(b) == 2 and b.endswith("*")), b
        text = json.dumps({k: v for k, v in item.items() if k != "id"}, ensure_ascii=False)
        for s in secrets:
            assert s not in text, (s, item)
    assert items[made[adult]["id"]]["beneficiary"] == "欧*"
    assert items[made[kid]["id"]]["beneficiary"] is None
    # Claimed posts are listed at the community with the claimants masked.
    posts = ok(anon.get("/api/v1/public/service-posts", params={"code": COMMUNITY}))
    assert posts["items"] and all(set(p) == {"id", "category", "title", "served_on", "start_min", "end_min",
                                             "capacity", "claimed", "claimants"} for p in posts["items"])
    for p in posts["items"]:
        assert p["claimed"] > 0 and all(len(n) == 2 and n.endswith("*") for n in p["claimants"])
        assert "认领党员" not in json.dumps(p, ensure_ascii=False)


# ---------------------------------------------------------------- exports

def test_the_lists_export_what_they_list(server, admin, city):
    for path, params, key in (("/api/v1/service-posts", {"org": city.a, "state": "open"}, "title"),
                              ("/api/v1/post-claims", {"org": city.a, "state": "claimed"}, "name"),
                              ("/api/v1/wishes", {"org": city.a, "kind": "实物"}, "content")):
        listed = ok(city.staff.get(path, params={**params, "limit": 200}))
        r = city.staff.get(path + "/export", params=params)
        assert r.status_code == 200, r.text
        rows = xlsx_rows(r.content)
        assert len(rows) == 1 + listed["total"] and listed["total"] > 0, (path, len(rows), listed["total"])
        assert [int(x[0]) for x in rows[1:]] == sorted(i["id"] for i in listed["items"])
        assert sorted(i[key] for i in listed["items"]) == sorted(x for row in rows[1:] for x in row
                                                               if x in {i[key] for i in listed["items"]})
        refused(city.members[0].get(path + "/export", params={"org": city.b}), *(
            (403, "forbidden") if path == "/api/v1/wishes" else (404, "not_found")))
    audit = ok(admin.get("/api/v1/audit", params={"action": "wishes.exported", "limit": 5}))
    assert audit["items"] and audit["items"][0]["summary"]["rows"] >= 1
