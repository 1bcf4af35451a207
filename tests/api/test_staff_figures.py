"""Residents, party members and delegates are not staff: no figure of any subtree
(counts of 独居老人, 残疾人, 留守儿童, casework indicators), no residents' records,
no raw tag code. The routes are taken from the operation table the server prints
(`jiceng routes --json`), not from a hand-made list, so a new staff route is covered when it is added."""
import json
import re

import pytest

from conftest import error_of
from test_openapi import ROUTES
from test_people import id_with_check

LONGJU = "340104006006"
NON_STAFF = ("resident", "party_member", "delegate")
STAFF = ("org_staff", "grid_worker", "auditor")
# What only staff hold: figures, residents' records, users, the audit log, full values, every change
# to the tree and its records ("all" is admin's).
STAFF_PERMISSIONS = {"stats.read", "people.read", "user.read", "audit.read", "pii.reveal", "pii.export_bulk",
                     "org.write", "party.write", "unit.write", "user.write", "people.write", "case.write", "all"}
TAG_CODES = ("elderly_alone", "disabled", "left_behind_child")


@pytest.fixture(scope="module")
def world(server, admin):
    comm = server.org_id(LONGJU)
    # Someone in each vulnerable group, so the community's figures have them.
    for i, tag in enumerate(TAG_CODES):
        r = admin.post("/api/v1/persons", json={"org_id": comm, "name": f"图表{i}", "tags": [tag],
                                                "id_card": id_with_check(f"34010419400101{i + 500:03d}")})
        assert r.status_code == 201, r.text
    users = {role: server.make_user(admin, f"figures-{role}", role, comm) for role in NON_STAFF + STAFF}
    return {"comm": comm, "users": users}


def staff_routes():
    return [r for r in ROUTES if r["access"] in STAFF_PERMISSIONS and "test_only" not in r["flags"]]


def path_of(route, org):
    return route["pattern"].replace("{id}", str(org))


def test_figure_routes_are_declared_staff_only():
    figures = {r["name"] for r in ROUTES if r["access"] == "stats.read"}
    assert {"orgs.stats", "orgs.casework", "orgs.casework.trend"} <= figures, figures


def test_non_staff_get_403_on_every_staff_route(world):
    routes = staff_routes()
    assert len(routes) >= 40, [r["name"] for r in routes]
    for role in NON_STAFF:
        client = world["users"][role]
        for route in routes:
            r = client.request(route["method"], path_of(route, world["comm"]),
                               **({"json": {}} if route["method"] in ("POST", "PATCH", "PUT") else {}))
            assert r.status_code == 403, (role, route["name"], r.status_code, r.text[:200])
            assert error_of(r)["code"] == "forbidden", (role, route["name"])


def test_staff_still_see_their_figures(world):
    for role in STAFF:
        r = world["users"][role].get(f"/api/v1/orgs/{world['comm']}/stats")
        assert r.status_code == 200, (role, r.text)
        people = r.json()["people"]
        assert all(people.get(f"tag.{t}", 0) >= 1 for t in TAG_CODES), (role, people)


def test_what_non_staff_reach_shows_no_figure_or_tag(world):
    """Every GET a resident, party member or delegate may make at all (their role's permissions or any
    login), asked about their own community: nothing in it is a figure or a tag code."""
    roles = world["users"]["resident"].get("/api/v1/roles").json()["items"]
    perms = {x["role"]: set(x["permissions"]) for x in roles}
    for role in NON_STAFF:
        assert not perms[role] & STAFF_PERMISSIONS, (role, perms[role])
        client = world["users"][role]
        reachable = [r for r in ROUTES if r["method"] == "GET" and "test_only" not in r["flags"]
                     and "{name}" not in r["pattern"]
                     and (r["access"] == "authenticated" or r["access"] in perms[role])]
        assert any(r["name"] == "orgs.get" for r in reachable)
        for route in reachable:
            # An event stream (the inbox's) stays open: its first event is what it shows.
            with client.s.get(client.url(path_of(route, world["comm"])), stream=True, timeout=30) as r:
                assert r.status_code < 500, (role, route["name"], r.text)
                if r.headers.get("Content-Type", "").startswith("text/event-stream"):
                    text = "\n".join(line for line, _ in zip(r.iter_lines(decode_unicode=True), range(3)))
                    assert "event: inbox" in text, (role, route["name"], text)
                else:
                    text = r.text
            for code in TAG_CODES:  # as a figure's key (tag.x) or a value; "disabled": false is an account's
                assert f"tag.{code}" not in text and not re.search(f'"{code}"(?!\\s*:)', text), (role, route["name"])
            if r.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(text)
                # A node's figures ({"figures": {...}, "people": {...}} of /orgs/{id}/stats): counts by key. (A
                # resident's own household members, /my/wishes' "people", are a list of their names, no figure.)
                assert not (isinstance(body, dict) and any(isinstance(body.get(k), dict) for k in ("figures", "people"))), \
                    (role, route["name"])
