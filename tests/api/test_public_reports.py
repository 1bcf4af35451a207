"""Anonymous reports stay anonymous: a browser that happens to be signed in, or a
client that sends its API token, is not credited with the report, and public
routes never replay an Idempotency-Key."""
from datetime import datetime, timedelta

import pytest

from conftest import Server

LNG, LAT, D = 117.27, 31.87, 0.01
BODY = {"category": "safety", "title": "路灯不亮", "description": "小区门口路灯坏了", "lat": LAT + D / 2,
        "lng": LNG + D / 2}


@pytest.fixture(scope="module")
def city():
    s = Server(extra_args=["--public-rate", "1000"])
    admin = s.admin()
    comm = s.org_id("340104006006")
    s.square_grid(admin, comm, "公开网格", LNG, LAT, D)
    resident = s.make_user(admin, "public-resident", "resident", comm)
    staff = s.make_user(admin, "public-staff", "org_staff", comm)
    yield {"s": s, "comm": comm, "resident": resident, "staff": staff}
    assert s.close() == 0, s.stderr


def case_by_code(staff, comm, code):
    items = staff.get("/api/v1/cases", params={"org": comm, "limit": 200}).json()["items"]
    return next(c for c in items if c["tracking_code"] == code)


def test_signed_in_browser_reports_anonymously(city):
    resident, staff = city["resident"], city["staff"]
    r = resident.post("/api/v1/public/cases", json=BODY)
    assert r.status_code == 201, r.text
    code = r.json()["tracking_code"]
    c = case_by_code(staff, city["comm"], code)
    assert c["reporter_id"] is None
    full = staff.get(f"/api/v1/cases/{c['id']}").json()
    assert [e["actor_name"] for e in full["events"]] == ["anonymous"]
    # Not the resident's own report: it is neither in their list nor visible to them.
    mine = resident.get("/api/v1/cases").json()["items"]
    assert code not in [x["tracking_code"] for x in mine]
    assert resident.get(f"/api/v1/cases/{c['id']}").status_code == 404


def test_api_token_reports_anonymously(city):
    token = city["resident"].post("/api/v1/auth/tokens", json={"name": "public"}).json()["token"]
    anon = city["s"].client()
    r = anon.post("/api/v1/public/cases", json=BODY, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    assert case_by_code(city["staff"], city["comm"], r.json()["tracking_code"])["reporter_id"] is None


def test_public_routes_do_not_replay_idempotency_keys(city):
    for client in (city["resident"], city["s"].client()):
        codes = set()
        for _ in range(2):
            r = client.post("/api/v1/public/cases", json=BODY, headers={"Idempotency-Key": "same-key-1"})
            assert r.status_code == 201, r.text
            codes.add(r.json()["tracking_code"])
        assert len(codes) == 2  # two reports, two cases: no stored answer handed to anyone


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def add_photo(client, token, data=PNG, kind="image/png"):
    headers = {"Content-Type": kind}
    if token is not None:
        headers["X-Upload-Token"] = token
    return client.post("/api/v1/public/case-photos", data=data, headers=headers)


def test_a_visitor_adds_photos_with_the_token_of_their_report(city):
    s, staff = city["s"], city["staff"]
    anon = s.client()
    r = anon.post("/api/v1/public/cases", json=BODY)
    assert r.status_code == 201, r.text
    sent = r.json()
    token, code = sent["photo_token"], sent["tracking_code"]
    until = datetime.fromisoformat(sent["photo_until"]) - datetime.fromisoformat(sent["created_at"])
    assert until == timedelta(minutes=30)
    c = case_by_code(staff, city["comm"], code)
    # Bad tokens change nothing: none, malformed, another's, unknown.
    other = anon.post("/api/v1/public/cases", json=BODY).json()
    for bad in (None, "short", "A" * 43):
        r = add_photo(anon, bad)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "photo_token_invalid" and r.json()["error"]["field"] == "X-Upload-Token"
    # Not an image: 415, nothing added.
    r = add_photo(anon, token, b"<svg onload=alert(1)>")
    assert r.status_code == 415 and r.json()["error"]["field"] == "file"
    assert staff.get(f"/api/v1/cases/{c['id']}/photos").json()["items"] == []
    # Three photos, then 409 photo_limit; each lands on this case only.
    for _ in range(3):
        r = add_photo(anon, token)
        assert r.status_code == 201, r.text
        assert r.json()["case_id"] == c["id"] and r.json()["mime"] == "image/png"
    r = add_photo(anon, token)
    assert r.status_code == 409 and r.json()["error"]["code"] == "photo_limit"
    photos = staff.get(f"/api/v1/cases/{c['id']}/photos").json()["items"]
    assert len(photos) == 3
    got = staff.get(f"/api/v1/cases/{c['id']}/photos/{photos[0]['id']}")
    assert got.status_code == 200 and got.content == PNG
    other_case = case_by_code(staff, city["comm"], other["tracking_code"])
    assert staff.get(f"/api/v1/cases/{other_case['id']}/photos").json()["items"] == []
    # Audited as added by nobody; the token is in no audit row and no log line.
    rows = staff.get("/api/v1/audit", params={"action": "case.photo_added", "limit": 50})
    if rows.status_code == 200:
        assert token not in rows.text
    assert token not in s.read_log(whole=True)
    # Thirty minutes on, the other report's token no longer works.
    admin = s.admin()
    assert admin.post("/api/v1/_test/clock", json={"advance_seconds": 30 * 60 + 1}).status_code == 200
    r = add_photo(anon, other["photo_token"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "photo_token_invalid"
    # The follow page (by code) never carries the token.
    assert "photo_token" not in anon.get("/api/v1/public/cases", params={"code": code}).json()
