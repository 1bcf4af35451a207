"""Anonymous reports stay anonymous: a browser that happens to be signed in, or a
client that sends its API token, is not credited with the report, and public
routes never replay an Idempotency-Key."""
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
