"""The web app's files: content types, compression, caching, ETags and the SPA
fallback, without ever swallowing API paths."""
import gzip
import os
import tempfile

import pytest
import requests

from conftest import Server

INDEX = "<!doctype html><html><head><title>基层</title></head><body><div id=app></div></body></html>"
SCRIPT = "console.log('jiceng');\n" * 200


@pytest.fixture(scope="module")
def web():
    root = tempfile.mkdtemp(prefix="jiceng-web-")
    os.makedirs(os.path.join(root, "assets"))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(INDEX)
    with open(os.path.join(root, "assets", "index-3f9a1c.js"), "w") as f:
        f.write(SCRIPT)
    with gzip.open(os.path.join(root, "assets", "index-3f9a1c.js.gz"), "wt") as f:
        f.write(SCRIPT)
    with open(os.path.join(root, "assets", "index-77aa.css"), "w") as f:
        f.write("body{margin:0}")
    with open(os.path.join(root, "favicon.svg"), "w") as f:
        f.write("<svg xmlns='http://www.w3.org/2000/svg'/>")
    s = Server(extra_args=["--web", root], divisions=False)
    yield s
    assert s.close() == 0
    subprocess_rm(root)


def subprocess_rm(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def test_index_and_types(web):
    r = requests.get(web.base + "/")
    assert r.status_code == 200 and r.text == INDEX
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    r = requests.get(web.base + "/assets/index-77aa.css")
    assert r.headers["Content-Type"].startswith("text/css")
    r = requests.get(web.base + "/favicon.svg")
    assert r.headers["Content-Type"].startswith("image/svg+xml")


def test_hashed_assets_cached_long_and_compressed(web):
    r = requests.get(web.base + "/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.text == SCRIPT
    assert r.headers["Content-Encoding"] == "gzip"
    assert int(r.headers["Content-Length"]) < len(SCRIPT) // 4
    assert "immutable" in r.headers["Cache-Control"] and "max-age=31536000" in r.headers["Cache-Control"]
    assert r.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    plain = requests.get(web.base + "/assets/index-3f9a1c.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.text == SCRIPT


def test_etag_304(web):
    r = requests.get(web.base + "/favicon.svg")
    etag = r.headers["ETag"]
    r2 = requests.get(web.base + "/favicon.svg", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""


def test_spa_fallback_for_client_routes(web):
    for path in ("/login", "/orgs/218", "/orgs/218/detail?x=1", "/audit"):
        r = requests.get(web.base + path)
        assert r.status_code == 200 and r.text == INDEX, path
        assert r.headers["Content-Type"].startswith("text/html")


def test_fallback_never_swallows_api_or_missing_files(web):
    r = requests.get(web.base + "/api/v1/nothing")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/json")
    r = requests.get(web.base + "/api/v1/auth/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    assert r.headers["Cache-Control"] == "no-store"
    assert requests.get(web.base + "/healthz").json() == {"status": "ok", "writes": "ok"}
    assert "jiceng_http_requests_total" in requests.get(web.base + "/metrics").text
    r = requests.get(web.base + "/open311/v2/services.json")
    assert not r.headers.get("Content-Type", "").startswith("text/html")
    assert requests.get(web.base + "/assets/missing-123.js").status_code == 404
    assert requests.get(web.base + "/robots.txt").status_code == 404
    r = requests.post(web.base + "/orgs/1")
    assert r.status_code in (404, 405)


def test_no_path_traversal(web):
    import socket
    with socket.create_connection(("127.0.0.1", web.port)) as s:
        s.sendall(b"GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    assert b"root:" not in data
