"""Exports: the same rows as the list they come from (every filter of the list
applies), a file name to save under, and no copy of personal data in /tmp (the
server runs here with a read-only, empty /tmp of its own); party members listed
by the community they registered with (报到)."""
import csv
import io
import os
import re
import zipfile

import pytest

from conftest import ROOT, Server, error_of
from test_people import id_with_check

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def city():
    # A private mount namespace (unprivileged, via a user namespace) whose /tmp is an empty read-only
    # tmpfs: any attempt of the server to write a file there fails the export. A checkout that itself
    # lies under /tmp (the binary, the data directory) stays visible, bound back in over the tmpfs.
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    keep = ROOT if os.path.realpath(ROOT).startswith("/tmp/") else ""
    script = ('set -e; keep="$JICENG_TEST_KEEP"; [ -z "$keep" ] || mount --bind "$keep" /mnt;'
              ' mount -t tmpfs -o size=64k tmpfs /tmp;'
              ' [ -z "$keep" ] || { mkdir -p "$keep"; mount --bind /mnt "$keep"; };'
              ' mount -o remount,ro /tmp; exec "$0" "$@"')
    s = Server(parent_dir=os.path.join(ROOT, "build"),
               wrap=["env", f"JICENG_TEST_KEEP={os.path.realpath(keep) if keep else ''}",
                     "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script])
    admin = s.admin()
    longju, tianhai = s.org_id(LONGJU), s.org_id(TIANHAIXIANG)
    people = []
    for i, (name, org, tags) in enumerate([("导出甲", longju, ["veteran"]), ("导出乙", longju, []),
                                           ("另名丙", longju, ["veteran"]), ("导出丁", tianhai, ["veteran"])]):
        body = {"org_id": org, "name": name, "id_card": id_with_check(f"34010419700101{i:03d}"),
                "phone": f"1385678{i:04d}", "tags": tags}
        r = admin.post("/api/v1/persons", json=body)
        assert r.status_code == 201, r.text
        people.append(r.json())
    yield {"s": s, "admin": admin, "longju": longju, "tianhai": tianhai, "people": people}
    assert s.close() == 0, s.stderr


def export_names(client, **params):
    r = client.get("/api/v1/persons/export", params=params)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    return sorted(row[0] for row in rows[1:])


def list_names(client, **params):
    names, after = [], None
    while True:
        page = client.get("/api/v1/persons", params={**params, "limit": 200, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        names += [p["name"] for p in page.json()["items"]]
        after = page.json()["next"]
        if after is None:
            return sorted(names)


def test_export_honours_the_list_filters(city):
    admin, longju = city["admin"], city["longju"]
    household = admin.post("/api/v1/households", json={"org_id": longju, "address": "导出小区 1 栋"}).json()["id"]
    assert admin.patch(f"/api/v1/persons/{city['people'][1]['id']}",
                       json={"household_id": household}).status_code == 200
    cases = [{"org": longju, "q": "导出"}, {"q": "导出"}, {"org": longju, "tag": "veteran"}, {"tag": "veteran"},
             {"household": household}, {"phone_tail": "0002"}, {"id_tail": id_with_check("34010419700101000")[-4:]},
             {"id_card": id_with_check("34010419700101003")}, {"org": city["tianhai"]}]
    for params in cases:
        want = list_names(admin, **params)
        assert want, params
        assert export_names(admin, **params) == want, params
    assert export_names(admin, org=longju, q="导出") == ["导出乙", "导出甲"]
    # Bad filters are refused as the list refuses them, naming the parameter.
    for params, field in [({"phone_tail": "12"}, "phone_tail"), ({"household": "x"}, "household"),
                          ({"org": "0"}, "org")]:
        r = admin.get("/api/v1/persons/export", params=params)
        assert r.status_code == 400 and error_of(r)["field"] == field, (params, r.text)
    # The audit row keeps the filters the rows were chosen by: which personal ones were
    # used, never their values (the export by ID number was a few exports ago).
    audit = admin.get("/api/v1/audit", params={"action": "persons.exported", "limit": 20}).json()["items"]
    queries = [a["summary"]["query"] for a in audit]
    assert {"org": city["tianhai"]} in queries and {"id_card": True} in queries, queries
    assert {"phone_tail": True} in queries and {"id_tail": True} in queries, queries
    assert all(q.get("org") != 0 for q in queries), queries  # the refused export wrote no row


def test_downloads_have_a_file_name(city):
    admin, longju = city["admin"], city["longju"]
    for fmt in ("csv", "xlsx"):
        r = admin.get("/api/v1/persons/export", params={"org": longju, "format": fmt})
        assert r.status_code == 200
        assert re.fullmatch(rf'attachment; filename="persons-{LONGJU}-20\d{{6}}\.{fmt}"',
                            r.headers["Content-Disposition"]), r.headers
        t = admin.get("/api/v1/persons/import-template", params={"format": fmt})
        assert t.headers["Content-Disposition"] == f'attachment; filename="persons-import-template.{fmt}"'
    whole = admin.get("/api/v1/persons/export")
    assert re.fullmatch(r'attachment; filename="persons-all-20\d{6}\.csv"', whole.headers["Content-Disposition"])
    # Errors are no downloads.
    assert "Content-Disposition" not in admin.get("/api/v1/persons/export", params={"format": "pdf"}).headers


def test_full_xlsx_export_writes_nothing_to_tmp(city):
    admin = city["admin"]
    r = admin.get("/api/v1/persons/export", params={"reveal": 1, "reason": "导出核对", "format": "xlsx"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == XLSX
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        strings = z.read("xl/sharedStrings.xml").decode()
    assert city["people"][0]["name"] in strings and id_with_check("34010419700101000") in strings
    t = admin.get("/api/v1/persons/import-template", params={"format": "xlsx"})
    assert t.status_code == 200 and zipfile.ZipFile(io.BytesIO(t.content)).namelist()
    # Nothing is left beside the database either.
    assert sorted(os.listdir(city["s"].dir)) == sorted(x for x in os.listdir(city["s"].dir)
                                                       if x.startswith("test.db") or x.endswith(".key")
                                                       or x == "server.log")  # the tests' copy of its stderr


def test_party_members_by_registered_community(city):
    s, admin, longju, tianhai = city["s"], city["admin"], city["longju"], city["tianhai"]
    # An agency member: membership in a party branch at Tianhaixiang, registered (报到) at Longju.
    po = admin.post("/api/v1/party-orgs", json={"org_id": tianhai, "kind": "党支部", "name": "机关党支部"}).json()
    home = admin.post("/api/v1/party-orgs", json={"org_id": longju, "kind": "党支部", "name": "社区党支部"}).json()
    away, local = city["people"][3], city["people"][0]
    for person, party_org, registered in ((away, po["id"], longju), (local, home["id"], None)):
        body = {"person_id": person["id"], "party_org_id": party_org, "status": "正式", "joined_on": "2001-07-01",
                "in_service": registered is not None}
        if registered:
            body["registered_org_id"] = registered
        r = admin.post("/api/v1/party-members", json=body)
        assert r.status_code == 201, r.text
    staff = s.make_user(admin, "export-longju-staff", "org_staff", longju)
    mine = [m["person_id"] for m in staff.get("/api/v1/party-members").json()["items"]]
    assert mine == [local["id"]]  # by membership: only the community's own branch
    reg = staff.get("/api/v1/party-members", params={"registered_org": longju})
    assert reg.status_code == 200, reg.text
    assert [(m["person_id"], m["registered_org_id"]) for m in reg.json()["items"]] == [(away["id"], longju)]
    both = admin.get("/api/v1/party-members", params={"registered_org": longju, "org": tianhai}).json()["items"]
    assert [m["person_id"] for m in both] == [away["id"]]
    assert admin.get("/api/v1/party-members", params={"registered_org": longju, "org": longju}).json()["items"] == []
    # Another community's staff: Longju is out of scope (404 naming the parameter); a bad id is 400.
    other = s.make_user(admin, "export-tianhai-staff", "org_staff", tianhai)
    r = other.get("/api/v1/party-members", params={"registered_org": longju})
    assert r.status_code == 404 and error_of(r)["field"] == "registered_org"
    r = other.get("/api/v1/party-members", params={"registered_org": "x"})
    assert r.status_code == 400 and error_of(r)["field"] == "registered_org"
