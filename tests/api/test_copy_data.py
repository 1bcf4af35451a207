"""jiceng copy-data: a whole deployment moved into another database (on the
PostgreSQL run: from SQLite to PostgreSQL) serves the same answers, byte for byte;
the copy is refused into a non-empty target and proves itself table by table."""
import json
import os

import backend
from conftest import Server, run_cli
from test_cases import PNG
from test_demo import fresh_db


def sample(s, ids):
    """A sample of read answers over the whole city, as bytes."""
    admin = s.admin()
    paths = ["/api/v1/orgs/1", "/api/v1/orgs/1/stats", "/api/v1/orgs/1/coverage", "/api/v1/orgs?level=district",
             f"/api/v1/orgs/{ids['community']}/stats", f"/api/v1/orgs/{ids['community']}/children?limit=200",
             f"/api/v1/persons?org={ids['community']}&limit=100", "/api/v1/persons?org=1&limit=100",
             "/api/v1/persons?q=%E7%8E%8B&limit=50", f"/api/v1/households?org={ids['community']}&limit=100",
             "/api/v1/party-members?org=1&limit=100", "/api/v1/party-orgs?org=1&limit=100",
             "/api/v1/cadres?org=1&limit=100", "/api/v1/cases?org=1&limit=100",
             f"/api/v1/cases/{ids['case']}", f"/api/v1/cases/{ids['case']}/photos/{ids['photo']}",
             "/api/v1/case-categories", "/api/v1/inbox", "/api/v1/orgs/1/casework?from=2020-01-01&to=2100-01-01", "/api/v1/person-tags",
             f"/api/v1/locate?lng={ids['lng']}&lat={ids['lat']}", "/api/v1/users?limit=100"]
    out = {}
    for p in paths:
        r = admin.get(p)
        assert r.status_code == 200, (p, r.text)
        out[p] = r.content
    return out


# The city's size: small in make check; JICENG_COPY_RESIDENTS=9800000 runs it at full size.
RESIDENTS = os.environ.get("JICENG_COPY_RESIDENTS", "2000")


def test_copied_city_serves_the_same_answers():
    lite = fresh_db()
    # With the demo's own accounts: an account that is a resident's (app_user.person_id) comes before
    # its person in the copy's order, which only a deferred foreign key lets through.
    run_cli("demo", "--db", lite, "--residents", RESIDENTS, "--seed", "11", "--accounts-file",
            os.path.join(os.path.dirname(lite), "demo-accounts.txt"))
    s = Server(db=lite)
    try:
        admin = s.admin()
        community = s.org_id("340104006006")
        grid = admin.get(f"/api/v1/orgs/{community}/children", params={"limit": 1}).json()["items"][0]["id"]
        case = admin.post("/api/v1/cases", json={"category": "sanitation", "title": "垃圾未清运",
                                                 "description": "楼下垃圾三天未清运", "org_id": grid}).json()
        for action, extra in (("accept", {}), ("dispatch", {"org_id": grid})):
            r = admin.post(f"/api/v1/cases/{case['id']}/actions",
                           json={"action": action, "version": case["version"], **extra})
            assert r.status_code == 200, r.text
            case = r.json()
        r = admin.post(f"/api/v1/cases/{case['id']}/photos", data=PNG, headers={"Content-Type": "image/png"})
        assert r.status_code == 201, r.text
        photo = r.json()["id"]
        geo = backend.connect(lite).execute("SELECT g.geojson FROM org_geometry g JOIN org o ON o.id = g.org_id"
                                            " WHERE o.level = 'building' ORDER BY o.id LIMIT 1").fetchone()[0]
        lng, lat = json.loads(geo)["coordinates"]
        ids = {"community": community, "case": case["id"], "photo": photo, "lng": lng, "lat": lat}
        before = sample(s, ids)
        assert s.stop() == 0
        target = backend.new_database(s.dir, "copy")
        out = run_cli("copy-data", "--from", "sqlite:" + lite, "--to", target).stdout
        assert "every table's row count and digest match" in out and "audit chain ok" in out
        # The copy is whole: it refuses to run again into the now non-empty target.
        p = run_cli("copy-data", "--from", "sqlite:" + lite, "--to", target, check=False)
        assert p.returncode == 1 and "the target is not empty" in p.stderr, p.stderr
        copy = Server(db=target)
        try:
            after = sample(copy, ids)
            for path in before:
                assert after[path] == before[path], path
            # New rows continue the ids (the counters came along) and the chain grows.
            r = copy.admin().post("/api/v1/orgs", json={"parent_id": community, "level": "grid", "name": "新网格"})
            assert r.status_code == 201 and r.json()["id"] > grid
            run_cli("audit", "verify", "--db", target)
        finally:
            assert copy.close() == 0
    finally:
        s.close()


def test_copy_refuses_a_different_key_and_bad_arguments():
    lite = fresh_db()
    d = os.path.dirname(lite)
    target = backend.new_database(d, "other")
    with open(backend.key_file(target), "w") as f:
        f.write("11" * 32 + "\n")
    os.chmod(backend.key_file(target), 0o600)
    p = run_cli("copy-data", "--from", "sqlite:" + lite, "--to", target, check=False)
    assert p.returncode == 1 and "holds another key than the source's" in p.stderr, p.stderr
    assert not backend.has_tables(target) or backend.connect(target).execute(
        "SELECT COUNT(*) FROM org").fetchone()[0] == 0
    p = run_cli("copy-data", "--from", "sqlite:" + lite, check=False)
    assert p.returncode == 2 and "--to" in p.stderr
