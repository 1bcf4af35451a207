"""Open311 GeoReport v2: answers validated against the public JSON Schemas in
shared/conformance, XML variants, errors as the spec words them, and creating a
request with an API key."""
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import requests

import backend
from conftest import ROOT

SCHEMAS = os.path.join(os.path.dirname(ROOT), "shared", "conformance", "open311-georeport-v2")
LNG, LAT, D = 117.31, 31.88, 0.01


def schema(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def validate(instance, name):
    store = {n: schema(n) for n in ("service.json", "request.json", "services.json", "requests.json",
                                     "service-definition.json")}
    resolver = jsonschema.RefResolver(base_uri="file://" + SCHEMAS + "/", referrer=store[name],
                                      store={"file://" + SCHEMAS + "/" + k: v for k, v in store.items()})
    jsonschema.validate(instance, store[name], resolver=resolver,
                        format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def setup(server, admin):
    comm = server.org_id("340104006006")
    grid = server.square_grid(admin, comm, "311网格", LNG, LAT, D)
    gateway = server.make_user(admin, "open311-gateway", "resident", comm)
    key = gateway.post("/api/v1/auth/tokens", json={"name": "open311"}).json()["token"]
    return {"grid": grid, "key": key}


def url(server, path):
    return server.base + "/open311/v2/" + path


def test_services(server, setup):
    r = requests.get(url(server, "services.json"))
    assert r.status_code == 200
    validate(r.json(), "services.json")
    codes = [s["service_code"] for s in r.json()]
    assert "sanitation" in codes
    x = requests.get(url(server, "services.xml"))
    assert x.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(x.content)
    assert root.tag == "services" and [e.findtext("service_code") for e in root.findall("service")] == codes
    d = requests.get(url(server, "services/sanitation.json"))
    validate(d.json(), "service-definition.json")
    assert requests.get(url(server, "services/nope.json")).status_code == 404
    disc = requests.get(url(server, "discovery.json")).json()
    assert disc["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_create_and_read_requests(server, setup):
    form = {"api_key": setup["key"], "service_code": "sanitation", "lat": LAT + D / 2, "long": LNG + D / 2,
            "description": "垃圾桶满了\n第二行不进标题", "email": "x@example.org"}
    r = requests.post(url(server, "requests.json"), data=form)
    assert r.status_code == 201, r.text
    created = r.json()
    assert len(created) == 1 and created[0]["service_request_id"]
    rid = created[0]["service_request_id"]
    one = requests.get(url(server, f"requests/{rid}.json"))
    assert one.status_code == 200
    validate(one.json(), "requests.json")
    req = one.json()[0]
    assert (req["status"], req["status_notes"], req["service_code"]) == ("open", "reported", "sanitation")
    assert req["description"] == "垃圾桶满了" and abs(req["lat"] - (LAT + D / 2)) < 1e-9
    listing = requests.get(url(server, "requests.json"), params={"service_code": "sanitation", "status": "open"})
    validate(listing.json(), "requests.json")
    assert rid in [x["service_request_id"] for x in listing.json()]
    closed = requests.get(url(server, "requests.json"), params={"status": "closed"}).json()
    assert rid not in [x["service_request_id"] for x in closed]
    xml = ET.fromstring(requests.get(url(server, f"requests/{rid}.xml")).content)
    assert xml.tag == "service_requests" and xml.find("request").findtext("service_request_id") == rid
    # Nothing personal leaks: no reporter, no email.
    assert "example.org" not in one.text and "gateway" not in one.text


def test_errors_as_the_spec_says(server, setup):
    base = {"service_code": "sanitation", "lat": LAT + D / 2, "long": LNG + D / 2, "description": "x"}
    for form, status in [(base, 403), ({**base, "api_key": "x" * 43}, 403),
                         ({**base, "api_key": setup["key"], "service_code": "nope"}, 400),
                         ({**base, "api_key": setup["key"], "lat": "abc"}, 400),
                         ({**base, "api_key": setup["key"], "lat": LAT + 1, "long": LNG + 1}, 400),
                         ({**base, "api_key": setup["key"], "description": ""}, 400)]:
        r = requests.post(url(server, "requests.json"), data=form)
        assert r.status_code == status, (form, r.text)
        body = r.json()
        assert isinstance(body, list) and set(body[0]) == {"code", "description"} and body[0]["code"] == status
    assert requests.get(url(server, "requests/999999.json")).status_code == 404
    assert requests.get(url(server, "requests.json"), params={"start_date": "yesterday"}).status_code == 400
    assert requests.get(url(server, "tokens/abc.json")).status_code == 404
    assert requests.get(url(server, "services.html")).status_code == 404
    x = requests.get(url(server, "requests/999999.xml"))
    assert x.status_code == 404 and ET.fromstring(x.content).tag == "errors"


def test_strict_coordinates_and_titles(server, setup):
    base = {"api_key": setup["key"], "service_code": "sanitation", "lat": LAT + D / 2, "long": LNG + D / 2}
    for bad in ({"lat": f"{LAT + D / 2}garbage"}, {"long": "abc"}, {"lat": "0x1F"}):
        r = requests.post(url(server, "requests.json"), data={**base, "description": "x", **bad})
        assert r.status_code == 400, bad
    r = requests.post(url(server, "requests.json"), data={**base, "description": "\n\n  路面塌陷\n详情"})
    assert r.status_code == 201
    rid = r.json()[0]["service_request_id"]
    assert requests.get(url(server, f"requests/{rid}.json")).json()[0]["description"] == "路面塌陷"
    r = requests.post(url(server, "requests.json"), data=json.dumps({**base, "description": "x"}),
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    # Asked by id, a request is found whatever the other filters say.
    both = requests.get(url(server, "requests.json"), params={"service_request_id": f"{rid},999999",
                                                              "status": "closed", "start_date": "2000-01-01",
                                                              "end_date": "2000-01-02"}).json()
    assert [x["service_request_id"] for x in both] == [rid]


def test_descriptions_are_trimmed(server, setup, admin):
    base = {"api_key": setup["key"], "service_code": "sanitation", "lat": LAT + D / 2, "long": LNG + D / 2}
    r = requests.post(url(server, "requests.json"), data={**base, "description": " \u3000 井盖松动  \n 详情 \t\n\n"})
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    assert requests.get(url(server, f"requests/{rid}.json")).json()[0]["description"] == "井盖松动"
    case = admin.get(f"/api/v1/cases/{rid}").json()
    assert (case["title"], case["description"]) == ("井盖松动", "井盖松动  \n 详情")
    for blank in (" \n\t ", "\u3000\u3000"):
        r = requests.post(url(server, "requests.json"), data={**base, "description": blank})
        assert r.status_code == 400 and r.json()[0]["code"] == 400, (blank, r.text)


def test_request_id_lists(server, setup):
    base = {"api_key": setup["key"], "service_code": "sanitation", "lat": LAT + D / 2, "long": LNG + D / 2,
            "description": "列表"}
    rid = requests.post(url(server, "requests.json"), data=base).json()[0]["service_request_id"]
    twice = requests.get(url(server, "requests.json"), params={"service_request_id": f"{rid},{rid},999999,{rid}"})
    assert twice.status_code == 200
    validate(twice.json(), "requests.json")
    assert [x["service_request_id"] for x in twice.json()] == [rid]
    hundred = ",".join(str(i) for i in range(1, 101))
    assert requests.get(url(server, "requests.json"), params={"service_request_id": hundred}).status_code == 200
    for bad in ("", ",", "0", "abc", f"{rid},", f",{rid}", f"{rid},,{rid}", "007", "1 2", "-1",
                "99999999999999999999", hundred + ",101"):
        r = requests.get(url(server, "requests.json"), params={"service_request_id": bad})
        assert r.status_code == 400, (bad, r.text)
        body = r.json()
        assert isinstance(body, list) and set(body[0]) == {"code", "description"} and body[0]["code"] == 400
    x = requests.get(url(server, "requests.xml"), params={"service_request_id": "0"})
    assert x.status_code == 400 and ET.fromstring(x.content).tag == "errors"


def test_busy_database_answers_503_in_open311_format(server, setup):
    form = {"api_key": setup["key"], "service_code": "sanitation", "lat": LAT + D / 2, "long": LNG + D / 2,
            "description": "数据库忙时"}
    before = len(requests.get(url(server, "requests.json")).json())
    with backend.hold_write_lock(server.db):  # the writer waits its busy timeout, then gives up
        r = requests.post(url(server, "requests.json"), data=form, timeout=60)
        x = requests.post(url(server, "requests.xml"), data=form, timeout=60)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1", r.text
    body = r.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"} and body[0]["code"] == 503
    assert x.status_code == 503 and ET.fromstring(x.content).tag == "errors"
    assert x.headers["Content-Type"].startswith("text/xml")
    # Nothing was stored; once the lock is gone the same request goes through.
    assert len(requests.get(url(server, "requests.json")).json()) == before
    assert requests.post(url(server, "requests.json"), data=form).status_code == 201
