"""The HTTP edge (issue #13 items 16-18): client addresses behind trusted proxies, connection
limits per address and the time to a complete request, a JSON 413 for every body over the limit,
request smuggling refused, /metrics only on loopback or its own listener."""
import http.client
import json
import re
import resource
import socket
import threading
import time

import pytest
import requests

from conftest import ADMIN_PASSWORD, Server, error_of

BOGUS = {"username": "nobody-here", "password": "wrong-password-1"}


def post_json(port, path, body, headers=None, source="127.0.0.1"):
    """A POST from the loopback address source; (status, parsed body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        c.request("POST", path, body=json.dumps(body),
                  headers={"Content-Type": "application/json", **(headers or {})})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def as_admin(port, method, path, body=None, source="127.0.0.3"):
    """method path as admin, signed in from source (a loopback address of its own, so the limits
    the test drives on other addresses do not apply to it); the parsed answer."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        c.request("POST", "/api/v1/auth/login", body=json.dumps({"username": "admin", "password": ADMIN_PASSWORD}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        login = json.loads(r.read())
        assert r.status == 200
        headers = {"Cookie": r.getheader("Set-Cookie").split(";")[0], "X-CSRF-Token": login["csrf_token"]}
        if body is not None:
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        r = c.getresponse()
        assert r.status == 200
        return json.loads(r.read())
    finally:
        c.close()


def audit_sources(port, action):
    return [row["source"] for row in as_admin(port, "GET", f"/api/v1/audit?action={action}&limit=100")["items"]]


def fresh_minute(port):
    """Move the server's clock to the start of a minute: the login limit counts per clock minute,
    and a test's attempts must not straddle two."""
    now = int(time.time()) + as_admin(port, "POST", "/api/v1/_test/clock", {"advance_seconds": 0}, "127.0.0.4")["offset"]
    as_admin(port, "POST", "/api/v1/_test/clock", {"advance_seconds": 60 - now % 60}, "127.0.0.4")


# ---------------------------------------------------------------- #16 trusted proxies

def test_trusted_proxy_limits_each_forwarded_client_apart():
    # Repeatable: the loopback proxy is neither the first nor the last given.
    s = Server(extra_args=["--trusted-proxy", "::1/128", "--trusted-proxy=127.0.0.1/32", "--trusted-proxy", "10.0.0.0/8"],
               login_rate=3)
    try:
        fresh_minute(s.port)
        one = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}
        for _ in range(3):
            assert post_json(s.port, "/api/v1/auth/login", BOGUS, one)[0] == 401
        status, body = post_json(s.port, "/api/v1/auth/login", BOGUS, one)
        assert status == 429 and body["error"]["code"] == "rate_limited"
        # Another client behind the same proxy is not held back by the first one's failures...
        status, _ = post_json(s.port, "/api/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD},
                              {"X-Forwarded-For": "203.0.113.2"})
        assert status == 200
        # ...and X-Real-IP names the client when there is no X-Forwarded-For.
        assert post_json(s.port, "/api/v1/auth/login", BOGUS, {"X-Real-IP": "2001:db8::9"})[0] == 401
        # A malformed header is not believed: the proxy's own address counts.
        assert post_json(s.port, "/api/v1/auth/login", BOGUS, {"X-Forwarded-For": "203.0.113.1, junk"})[0] == 401
        failed = audit_sources(s.port, "auth.login_failed")
        assert failed.count("203.0.113.1") == 3
        assert "2001:db8::9" in failed and "127.0.0.1" in failed
        assert "198.51.100.7" not in failed  # left of the client: what the client claimed, not trusted
        assert "203.0.113.2" in audit_sources(s.port, "auth.login")
    finally:
        assert s.close() == 0


def test_forwarded_headers_ignored_without_trusted_proxy():
    s = Server(login_rate=3)
    try:
        fresh_minute(s.port)
        for i in range(3):
            assert post_json(s.port, "/api/v1/auth/login", BOGUS, {"X-Forwarded-For": f"203.0.113.{i + 1}"})[0] == 401
        # A client cannot take a fresh address by naming one: the fourth is its own fourth.
        status, _ = post_json(s.port, "/api/v1/auth/login", BOGUS,
                              {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.10"})
        assert status == 429
        assert set(audit_sources(s.port, "auth.login_failed")) == {"127.0.0.1"}
    finally:
        assert s.close() == 0


def test_forwarded_headers_ignored_from_untrusted_peer():
    s = Server(extra_args=["--trusted-proxy", "127.0.0.1/32"], login_rate=3)
    try:
        fresh_minute(s.port)
        for i in range(3):
            status, _ = post_json(s.port, "/api/v1/auth/login", BOGUS, {"X-Forwarded-For": f"203.0.113.{i + 1}"},
                                  source="127.0.0.2")
            assert status == 401
        status, _ = post_json(s.port, "/api/v1/auth/login", BOGUS, {"X-Forwarded-For": "203.0.113.9"},
                              source="127.0.0.2")
        assert status == 429
        # The trusted proxy's clients are still let in.
        assert post_json(s.port, "/api/v1/auth/login", BOGUS, {"X-Forwarded-For": "203.0.113.9"})[0] == 401
        failed = audit_sources(s.port, "auth.login_failed")
        assert failed.count("127.0.0.2") == 3 and failed.count("203.0.113.9") == 1
        assert not {"203.0.113.1", "203.0.113.2", "203.0.113.3"} & set(failed)
    finally:
        assert s.close() == 0


def test_bad_trusted_proxy_refused_at_start():
    from conftest import BIN, assert_clean
    import subprocess
    for bad in ("10.0.0.1/8", "10.0.0.0/33", "example.org", "::1/200"):
        p = subprocess.run([BIN, "serve", "--db", "/nonexistent/x.db", "--trusted-proxy", bad], capture_output=True,
                           text=True, timeout=30)
        assert_clean(p.stderr, "jiceng serve")
        assert p.returncode == 2 and "--trusted-proxy" in p.stderr, (bad, p.stderr)


# ---------------------------------------------------------------- #17 slow clients

def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def closed_by_server(sock, timeout):
    """True once the server closes sock (EOF or reset) within timeout seconds."""
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(4096):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def healthz_from(port, source):
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as c:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return c.recv(4096)


def test_connections_capped_per_address():
    s = Server(extra_args=["--max-connections-per-address", "3", "--threads", "1"], divisions=False)
    try:
        held = [socket.create_connection(("127.0.0.1", s.port), source_address=("127.0.0.2", 0)) for _ in range(3)]
        for h in held:
            h.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"200 OK" in h.recv(4096)
        extra = socket.create_connection(("127.0.0.1", s.port), source_address=("127.0.0.2", 0))
        assert closed_by_server(extra, 5)
        assert b"200 OK" in healthz_from(s.port, "127.0.0.3")  # another address is let in
        held[0].close()
        # A closed connection gives its place back (the server sees the close first: wait for it to count).
        deadline = time.monotonic() + 5
        while True:
            with socket.create_connection(("127.0.0.1", s.port), source_address=("127.0.0.2", 0)) as again:
                again.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                again.settimeout(5)
                try:
                    if b"200 OK" in again.recv(4096):
                        break
                except ConnectionResetError:
                    pass
            assert time.monotonic() < deadline, "the closed connection's place was not given back"
        for h in held[1:] + [extra]:
            h.close()
    finally:
        assert s.close() == 0


def test_trickled_request_closed_at_request_timeout():
    s = Server(extra_args=["--idle-timeout-ms", "1000", "--threads", "1"], divisions=False)
    try:
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET /healthz HTTP/1.1\r\n")
        start = time.monotonic()
        closed = False
        c.settimeout(0.2)
        # A byte of header every 0.2 s does not keep the connection: the request must be whole in 1 s.
        while time.monotonic() - start < 5 and not closed:
            try:
                c.sendall(b"X")
                if c.recv(4096) == b"":
                    closed = True
            except socket.timeout:
                pass
            except (ConnectionResetError, BrokenPipeError):
                closed = True
        took = time.monotonic() - start
        assert closed and took < 3, took
        c.close()
    finally:
        assert s.close() == 0


SLOW = 4200  # more than the default --max-connections (4096)


def open_count(socks):
    """How many of the non-blocking sockets socks the server has not closed."""
    n = 0
    for c in socks:
        try:
            n += c.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


@pytest.mark.timed
def test_slowloris_from_one_address_does_not_starve_others():
    nofile = raise_nofile()
    assert nofile > SLOW + 200, f"the test needs {SLOW + 200} open files, the hard limit is {nofile}"
    # The default limits, but a request timeout longer than the test, so the slow connections stay.
    s = Server(extra_args=["--idle-timeout-ms", "120000"], divisions=False)
    slow = []
    stop = threading.Event()
    try:
        for _ in range(SLOW):
            c = socket.socket()
            c.setblocking(False)
            c.bind(("127.0.0.2", 0))
            c.connect_ex(("127.0.0.1", s.port))
            slow.append(c)
        # Each sends the start of a header, then a byte now and then: never a whole request.
        for c in slow:
            try:
                c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass
        # Wait until the server has taken them all in: those past the per-address cap closed.
        deadline = time.monotonic() + 60
        while open_count(slow) > 256:
            assert time.monotonic() < deadline, open_count(slow)
            time.sleep(0.05)

        def trickle():
            while not stop.wait(0.5):
                for c in slow:
                    try:
                        c.send(b"X")
                    except OSError:
                        pass

        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            assert b"200 OK" in healthz_from(s.port, "127.0.0.3")
            times.append(time.perf_counter() - t0)
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        assert p99 < 0.100, f"p99 {p99 * 1000:.1f} ms"
        # The server still holds exactly its per-address cap of them.
        assert open_count(slow) == 256
    finally:
        stop.set()
        for c in slow:
            c.close()
        assert s.close() == 0


# ---------------------------------------------------------------- #18 bodies, smuggling, /metrics

def exchange(port, data, timeout=5):
    """Send data on one connection; everything the server answers until it closes (or timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    return out, True
                out += chunk
        except socket.timeout:
            return out, False


def answers(raw):
    """The status lines in a stream of answers."""
    return re.findall(rb"HTTP/1\.1 [0-9]{3} [A-Za-z ]+", raw)


def body_of(raw):
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


HIDDEN = b"GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n"  # answered 401 if it were read


def assert_refused_alone(port, entity_headers, body=b""):
    """A login whose header block carries entity_headers, then HIDDEN on the same connection:
    one 400 ambiguous_length, the connection closed, HIDDEN never answered."""
    head = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + \
        b"".join(h + b"\r\n" for h in entity_headers) + b"\r\n"
    raw, closed = exchange(port, head + body + HIDDEN)
    assert closed
    assert answers(raw) == [b"HTTP/1.1 400 Bad Request"], raw
    assert body_of(raw)["error"]["code"] == "ambiguous_length"


def test_differing_content_lengths_refused_and_closed(server):
    n = str(len(HIDDEN)).encode()
    assert_refused_alone(server.port, [b"Content-Length: 0", b"Content-Length: " + n])
    assert_refused_alone(server.port, [b"Content-Length: " + n, b"Content-Length: 0"])


def test_identical_duplicate_content_length_refused(server):
    assert_refused_alone(server.port, [b"Content-Length: 2", b"content-length: 2"], b"{}")


def test_content_length_with_chunked_refused_and_closed(server):
    assert_refused_alone(server.port, [b"Content-Length: 5", b"Transfer-Encoding: chunked"], b"0\r\n\r\n")
    assert_refused_alone(server.port, [b"Transfer-Encoding: chunked", b"Content-Length: 5"], b"0\r\n\r\n")


def test_pipelined_requests_with_one_length_still_served(server):
    one = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    chunked = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    raw, closed = exchange(server.port, one + chunked + last)
    assert closed
    assert answers(raw) == [b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 200 OK"], raw


def test_body_over_the_server_limit_is_json_413(server, admin):
    big = 17 * 1024 * 1024
    for path in ("/api/v1/auth/login", "/api/v1/orgs", "/api/v1/no-such-thing", "/healthz"):
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept-Language: en\r\n"
                f"Content-Length: {big}\r\n\r\n").encode()
        raw, closed = exchange(server.port, head)
        assert closed
        assert answers(raw) == [b"HTTP/1.1 413 Payload Too Large"], raw
        assert b"content-type: application/json" in raw.lower() and b"text/plain" not in raw
        assert b"x-content-type-options: nosniff" in raw.lower()
        e = body_of(raw)["error"]
        assert e["code"] == "payload_too_large" and e["message"].isascii() and "field" not in e
    # Chunked: refused once the body passes the limit, not buffered to the end.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as c:
        c.sendall(b"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
        raw = b""
        try:
            for _ in range(64):
                c.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while True:
                got = c.recv(65536)
                if not got:
                    break
                raw += got
        except ConnectionResetError:
            pass
    assert answers(raw) == [b"HTTP/1.1 413 Payload Too Large"], raw[:300]
    assert body_of(raw)["error"]["code"] == "payload_too_large"
    # Open311 answers keep their own error format.
    raw, _ = exchange(server.port, (f"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\n"
                                    f"Content-Length: {big}\r\n\r\n").encode())
    assert answers(raw) == [b"HTTP/1.1 413 Payload Too Large"], raw
    assert body_of(raw)[0]["code"] == 413
    assert requests.get(server.base + "/healthz").status_code == 200


def test_metrics_only_for_unforwarded_loopback(server):
    assert requests.get(server.base + "/metrics").status_code == 200
    for h in ({"X-Forwarded-For": "203.0.113.5"}, {"X-Real-IP": "203.0.113.5"}):
        r = requests.get(server.base + "/metrics", headers=h)  # through a proxy on this machine: not for them
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_metrics_on_their_own_listener():
    from conftest import free_port
    mport = free_port()
    s = Server(extra_args=["--metrics-listen", f"127.0.0.1:{mport}"], divisions=False)
    try:
        r = requests.get(f"http://127.0.0.1:{mport}/metrics")
        assert r.status_code == 200 and "jiceng_http_requests_total" in r.text
        for path in ("/healthz", "/api/v1/auth/me", "/", "/metrics/x"):
            r = requests.get(f"http://127.0.0.1:{mport}{path}")
            assert r.status_code == 404, path
        r = requests.get(s.base + "/metrics")  # the main listener no longer answers it
        assert r.status_code == 404
        assert requests.get(s.base + "/healthz").status_code == 200
    finally:
        assert s.close() == 0


def test_errors_h2o_answers_itself_are_json(server):
    # (A header block h2o cannot parse at all is answered by a fixed plain-text 400 written straight to
    # the socket, before any request exists: not these.)
    cases = [
        (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
         "malformed_request"),
        (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "malformed_request"),
        (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 2\r\n\r\n{}", 417,
         "expectation_failed"),
    ]
    for data, status, code in cases:
        raw, closed = exchange(server.port, data)
        assert closed, data
        assert re.match(rb"HTTP/1\.1 %d " % status, raw), raw
        assert b"text/plain" not in raw and body_of(raw)["error"]["code"] == code, raw
    assert requests.get(server.base + "/healthz").status_code == 200
