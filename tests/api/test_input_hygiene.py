"""Input hygiene (issue #13's items): a malformed query value is refused naming its
parameter instead of being dropped (which widened the answer to the caller's whole
scope), and the refusal never echoes the value."""
import http.client
import json

from conftest import error_of

# Raw query strings, sent as they are (requests would re-encode a params dict).
MALFORMED = [
    ("%FF", "not UTF-8"),
    ("%00", "a NUL"),
    ("34010419%0A", "a line break"),
    ("%C2%85", "a C1 control"),
    ("%E4%B8", "a cut UTF-8 sequence"),
    ("%zz", "a bad escape"),
    ("%4", "a short escape"),
    ("%7F", "DEL"),
]


class Raw:
    """An answer to a request sent byte for byte (requests would re-encode a bad escape)."""

    def __init__(self, status, text):
        self.status_code, self.text = status, text

    def json(self):
        return json.loads(self.text)


def raw_get(c, path, query, headers=None):
    port = int(c.base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie = "; ".join(f"{k}={v}" for k, v in c.s.cookies.items())
    conn.request("GET", path + "?" + query, headers={"Cookie": cookie, **(headers or {})})
    r = conn.getresponse()
    out = Raw(r.status, r.read().decode())
    conn.close()
    return out


def test_malformed_query_values_answer_400_naming_the_parameter(server, admin):
    routes = [("/api/v1/persons", "id_card"), ("/api/v1/persons", "q"), ("/api/v1/persons/export", "id_card"),
              ("/api/v1/persons/export", "phone_tail"), ("/api/v1/orgs", "q"), ("/api/v1/cases", "state"),
              ("/api/v1/audit", "action"), ("/api/v1/households", "q")]
    for path, name in routes:
        for value, what in MALFORMED:
            r = raw_get(admin, path, f"limit=5&{name}={value}")
            assert r.status_code == 400, (path, name, what, r.status_code, r.text[:200])
            err = error_of(r)
            assert (err["code"], err["field"]) == ("invalid_query", name), (path, name, what, err)
            assert value not in r.text
    # A well-formed value of the same parameter is still served.
    assert raw_get(admin, "/api/v1/persons", "id_card=%E4%B8%AD").status_code == 200
    assert raw_get(admin, "/api/v1/orgs", "q=%E5%90%88%E8%82%A5&limit=5").status_code == 200


def test_malformed_names_and_english(server, admin):
    r = raw_get(admin, "/api/v1/persons", "%FF=1", headers={"Accept-Language": "en"})
    err = error_of(r)
    assert (r.status_code, err["code"], err["field"]) == (400, "invalid_query", "query"), r.text
    assert "malformed" in err["message"]
    # A name that is not a plain identifier is not echoed either.
    r = raw_get(admin, "/api/v1/persons", "13856780000=%FF")
    assert error_of(r)["field"] == "query" and "13856780000" not in r.text


def test_open311_refuses_malformed_query(server):
    anonymous = server.client()
    for query in ("status=%FF", "service_code=a%00b", "status=%zz"):
        r = raw_get(anonymous, "/open311/v2/requests.json", query)
        assert r.status_code == 400, (query, r.text)
        body = r.json()
        assert isinstance(body, list) and body[0]["code"] == 400, body
