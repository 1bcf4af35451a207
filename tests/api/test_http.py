"""The HTTP layer: routing, limits, content types, security headers, metrics."""
import json
import socket

import requests

from conftest import error_of


def test_healthz(server):
    r = requests.get(server.base + "/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "writes": "ok"}


def test_security_headers(server):
    r = requests.get(server.base + "/healthz")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_unknown_api_route_is_404_json(server):
    r = requests.get(server.base + "/api/v1/no-such-thing")
    assert r.status_code == 404
    assert error_of(r)["code"] == "not_found"


def test_wrong_method_is_405_with_allow(server):
    r = requests.put(server.base + "/api/v1/orgs")
    assert r.status_code == 405
    assert error_of(r)["code"] == "method_not_allowed"
    allow = {m.strip() for m in r.headers["Allow"].split(",")}
    assert allow == {"GET", "POST"}


def test_unauthenticated_is_401(server):
    r = requests.get(server.base + "/api/v1/orgs")
    assert r.status_code == 401
    assert error_of(r)["code"] == "unauthenticated"


def test_english_messages_on_request(server):
    r = requests.get(server.base + "/api/v1/orgs", headers={"Accept-Language": "en-US,en;q=0.9"})
    zh = requests.get(server.base + "/api/v1/orgs")
    assert error_of(r)["code"] == error_of(zh)["code"] == "unauthenticated"
    assert error_of(r)["message"] != error_of(zh)["message"]
    assert error_of(r)["message"].isascii()
    assert not error_of(zh)["message"].isascii()


def test_invalid_json_is_400(server, admin):
    r = admin.post("/api/v1/orgs", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert error_of(r)["code"] == "invalid_json"


def test_duplicate_keys_rejected(server, admin):
    body = '{"parent_id": 1, "level": "district", "name": "A", "name": "B"}'
    r = admin.post("/api/v1/orgs", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert error_of(r)["code"] == "invalid_json"


def test_body_must_be_an_object(server, admin):
    r = admin.post("/api/v1/orgs", json=[1, 2])
    assert r.status_code == 400
    assert error_of(r)["code"] in ("invalid_json", "validation_failed")


def test_wrong_content_type_is_415(server, admin):
    r = admin.post("/api/v1/orgs", data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert error_of(r)["code"] == "unsupported_media_type"


def test_oversized_body_is_413(server, admin):
    big = json.dumps({"name": "x" * (1024 * 1024 + 10)})
    r = admin.post("/api/v1/orgs", data=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    before = admin.get("/api/v1/orgs/1/stats").json()["figures"]
    assert before["districts"] == 12


def test_bad_query_parameters(server, admin):
    for q in ("limit=0", "limit=abc", "limit=100000", "after=-1", "org=x"):
        r = admin.get("/api/v1/orgs?" + q)
        assert r.status_code == 400, q
        e = error_of(r)
        assert e["code"] == "validation_failed"
        assert e["field"] in ("limit", "after", "org")


def test_path_id_not_a_number_is_404(server, admin):
    for p in ("/api/v1/orgs/abc", "/api/v1/orgs/0", "/api/v1/orgs/-1", "/api/v1/orgs/99999999999999999999999"):
        r = admin.get(p)
        assert r.status_code == 404, p


def test_metrics_count_requests(server, admin):
    admin.get("/api/v1/orgs/1")
    admin.get("/api/v1/orgs/1")
    text = requests.get(server.base + "/metrics").text
    assert "# TYPE jiceng_http_requests_total counter" in text
    line = [l for l in text.splitlines() if l.startswith("jiceng_http_requests_total{") and 'route="orgs.get"' in l
            and 'status="200"' in l]
    assert line and int(float(line[0].split()[-1])) >= 2


def test_garbage_request_does_not_kill_server(server):
    for payload in (b"\x00\x01\x02garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET " + b"a" * 70000 + b"\r\n\r\n",
                    b"POST /api/v1/auth/login HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n{"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                s.recv(4096)
            except OSError:
                pass
    assert requests.get(server.base + "/healthz").status_code == 200


def test_static_index_served_or_api_only(server):
    r = requests.get(server.base + "/api")
    assert r.status_code == 404


def _closed_by_server(sock, timeout=10):
    """True once the server closes sock (recv answers EOF or a reset)."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_connection_limit_and_idle_timeout():
    from conftest import Server
    s = Server(extra_args=["--max-connections", "4", "--threads", "1", "--idle-timeout-ms", "500"], divisions=False)
    try:
        held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(4)]
        # Each held connection is served...
        for h in held:
            h.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"200 OK" in h.recv(4096)
        # ...and one more is closed at once.
        extra = socket.create_connection(("127.0.0.1", s.port))
        assert _closed_by_server(extra, timeout=5)
        # Idle connections are closed by the server after the timeout.
        assert all(_closed_by_server(h) for h in held)
        # Slots free again: new connections work.
        assert requests.get(s.base + "/healthz", timeout=5).status_code == 200
        for h in held + [extra]:
            h.close()
    finally:
        assert s.close() == 0
