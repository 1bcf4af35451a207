"""Which cases the public sees: Open311 GET requests.json and request/{id}.json list
only public cases (resident and Open311 reports by default; hotline and staff
records never unless staff publish one), staff may withhold or publish a case
(case.write over it, audited), and a public case carries no personal data: no
reporter, no phone, a title with a number in it replaced by the category's
name, the point rounded to about 100 m. Residents' duplicate hints show public
cases only."""
import pytest
import requests

import backend
from conftest import Server, error_of, run_cli
from test_open311 import validate

LNG, LAT, D = 117.33, 31.86, 0.01
PLACE = {"lat": LAT + 0.004321, "lng": LNG + 0.005678}


@pytest.fixture(scope="module")
def world(server, admin):
    comm = server.org_id("340104006006")
    grid = server.square_grid(admin, comm, "公开网格", LNG, LAT, D)
    return {"comm": comm, "grid": grid,
            "resident": server.make_user(admin, "pub-resident", "resident", comm),
            "neighbour": server.make_user(admin, "pub-neighbour", "resident", comm),
            "staff": server.make_user(admin, "pub-staff", "org_staff", comm),
            "worker": server.make_user(admin, "pub-worker", "grid_worker", grid)}


def report(client, title, **extra):
    r = client.post("/api/v1/cases", json={"category": "sanitation", "title": title, "description": f"{title}，详情",
                                           **PLACE, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def o311(server, path, **params):
    return requests.get(server.base + "/open311/v2/" + path, params=params, timeout=30)


def listed(server):
    r = o311(server, "requests.json")
    assert r.status_code == 200, r.text
    validate(r.json(), "requests.json")
    return {x["service_request_id"]: x for x in r.json()}


def test_public_by_source(server, world):
    mine = report(world["resident"], "楼道灯坏了")
    hotline = report(world["staff"], "张三家漏水", source="hotline")
    walk = report(world["worker"], "李四门口堆物", source="grid_worker")
    assert (mine["public"], hotline["public"], walk["public"]) == (True, False, False)
    # The answer built by the writer and the case read back agree.
    assert world["staff"].get(f"/api/v1/cases/{mine['id']}").json()["public"] is True
    assert world["staff"].get(f"/api/v1/cases/{hotline['id']}").json()["public"] is False
    seen = listed(server)
    assert str(mine["id"]) in seen
    assert str(hotline["id"]) not in seen and str(walk["id"]) not in seen
    for private in (hotline, walk):
        r = o311(server, f"requests/{private['id']}.json")
        assert r.status_code == 404, r.text
        assert "张三" not in r.text and "李四" not in r.text
        by_id = o311(server, "requests.json", service_request_id=f"{private['id']},{mine['id']}")
        assert [x["service_request_id"] for x in by_id.json()] == [str(mine["id"])]
    assert "张三" not in o311(server, "requests.xml").text


def test_public_case_carries_nothing_personal(server, world):
    c = report(world["resident"], "垃圾满了 请回电 13912345678")
    one = o311(server, f"requests/{c['id']}.json")
    assert one.status_code == 200, one.text
    validate(one.json(), "requests.json")
    req = one.json()[0]
    assert req["description"] == req["service_name"] and "1391234" not in one.text
    assert (req["lat"], req["long"]) == (round(PLACE["lat"], 3), round(PLACE["lng"], 3))
    assert "pub-resident" not in one.text and "详情" not in one.text
    plain = report(world["resident"], "路灯不亮")
    assert o311(server, f"requests/{plain['id']}.json").json()[0]["description"] == "路灯不亮"


def test_staff_withhold_and_publish_audited(server, admin, world):
    staff, resident = world["staff"], world["resident"]
    mine = report(resident, "小区门口积水")
    hotline = report(staff, "王五家水管爆裂 0551-6512345", source="hotline")
    # A resident, even the reporter, decides nothing; bad bodies change nothing.
    r = resident.post(f"/api/v1/cases/{mine['id']}/publicity", json={"public": False, "version": mine["version"]})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    for body, field in (({"public": "no", "version": mine["version"]}, "public"), ({"version": mine["version"]}, "public"),
                        ({"public": False}, "version")):
        r = staff.post(f"/api/v1/cases/{mine['id']}/publicity", json=body)
        assert r.status_code == 400 and error_of(r)["field"] == field, (body, r.text)
    r = staff.post(f"/api/v1/cases/{mine['id']}/publicity", json={"public": False, "version": mine["version"] + 5})
    assert r.status_code == 409 and error_of(r)["code"] == "version_conflict"
    assert str(mine["id"]) in listed(server)
    # Withheld: gone from Open311.
    r = staff.post(f"/api/v1/cases/{mine['id']}/publicity", json={"public": False, "version": mine["version"]})
    assert r.status_code == 200 and r.json()["public"] is False, r.text
    assert str(mine["id"]) not in listed(server)
    assert o311(server, f"requests/{mine['id']}.json").status_code == 404
    # Published: the hotline case shows, its title (a phone number in it) as the category's name.
    r = staff.post(f"/api/v1/cases/{hotline['id']}/publicity", json={"public": True, "version": hotline["version"]})
    assert r.status_code == 200 and r.json()["public"] is True, r.text
    shown = listed(server)[str(hotline["id"])]
    assert shown["description"] == shown["service_name"]
    audit = admin.get("/api/v1/audit", params={"entity": "case", "limit": 200}).json()["items"]
    rows = [(a["action"], a["entity_id"], a["summary"]) for a in audit if a["action"] in ("case.withheld", "case.published")]
    assert rows == [("case.published", hotline["id"], {"public": True}), ("case.withheld", mine["id"], {"public": False})]
    # Staff elsewhere cannot touch it (404, as for a missing case).
    other = server.make_user(admin, "pub-other-staff", "org_staff", server.org_id("340102001001"))
    r = other.post(f"/api/v1/cases/{hotline['id']}/publicity", json={"public": False, "version": hotline["version"] + 1})
    assert r.status_code == 404


def test_residents_duplicate_hints_show_public_cases_only(world):
    staff, neighbour = world["staff"], world["neighbour"]
    hidden = report(staff, "赵六家下水道堵塞", source="hotline")
    public = report(world["resident"], "下水道堵塞")
    r = neighbour.get("/api/v1/cases/nearby", params={"category": "sanitation", **PLACE})
    assert r.status_code == 200, r.text
    ids = [x["id"] for x in r.json()["items"]]
    assert public["id"] in ids and hidden["id"] not in ids
    assert "赵六" not in r.text
    # Staff see both.
    ids = [x["id"] for x in staff.get("/api/v1/cases/nearby", params={"category": "sanitation", **PLACE}).json()["items"]]
    assert public["id"] in ids and hidden["id"] in ids


def test_migration_015_makes_resident_and_open311_reports_public():
    """Cases stored before 015 take their publicity from their source."""
    s = Server()
    admin = s.admin()
    comm = s.org_id("340104006006")
    s.square_grid(admin, comm, "迁移网格", LNG, LAT, D)
    resident = s.make_user(admin, "mig-resident", "resident", comm)
    made = {src: report(admin if src != "resident" else resident, f"迁移{src}",
                        **({"source": src} if src != "resident" else {}))["id"]
            for src in ("resident", "hotline", "grid_worker")}
    db = s.db
    assert s.stop() == 0, s.stderr
    con = backend.connect(db)
    con.execute("UPDATE casefile SET source = 'open311' WHERE id = ?", (made["grid_worker"],))
    made["open311"] = made.pop("grid_worker")
    con.execute("DROP INDEX casefile_public")
    con.execute("ALTER TABLE casefile DROP COLUMN is_public")
    con.execute("DELETE FROM schema_migrations WHERE version = 15")
    con.commit()
    con.close()
    run_cli("migrate", "--db", db)
    con = backend.connect(db)
    got = {src: con.execute("SELECT is_public FROM casefile WHERE id = ?", (cid,)).fetchone()[0]
           for src, cid in made.items()}
    con.close()
    assert got == {"resident": 1, "hotline": 0, "open311": 1}, got
    # The migrated database serves: Open311 lists the two public cases and not the hotline's.
    s.start()
    seen = set(listed(s))
    assert {str(made["resident"]), str(made["open311"])} <= seen and str(made["hotline"]) not in seen, seen
    assert s.close() == 0, s.stderr
