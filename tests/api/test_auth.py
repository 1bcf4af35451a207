"""Login, sessions, CSRF, lockout, password changes and API tokens."""
import re
import time

import pytest
import requests

from conftest import ADMIN_PASSWORD, PASSWORD, Server, error_of


def advance(admin, seconds):
    r = admin.post("/api/v1/_test/clock", json={"advance_seconds": seconds})
    assert r.status_code == 200, r.text
    return r.json()["now"]


def test_login_sets_safe_cookie(server):
    c = server.client()
    r = c.login("admin", ADMIN_PASSWORD)
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("jiceng_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    body = r.json()
    assert body["user"]["username"] == "admin"
    assert "password_hash" not in body["user"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["csrf_token"])
    assert c.get("/api/v1/auth/me").json()["user"]["id"] == body["user"]["id"]


def test_wrong_password_and_unknown_user_look_the_same(server):
    c = server.client()
    a = c.login("admin", "wrong-password", expect=401)
    b = c.login("nobody-here", "wrong-password", expect=401)
    assert error_of(a) == error_of(b)
    assert error_of(a)["code"] == "invalid_credentials"


def test_login_validation(server):
    c = server.client()
    r = c.s.post(c.url("/api/v1/auth/login"), json={"username": "admin"})
    assert r.status_code == 400
    assert error_of(r) ["field"] == "password"
    r = c.s.post(c.url("/api/v1/auth/login"), json={"username": 5, "password": "x"})
    assert r.status_code == 400 and error_of(r)["field"] == "username"


def test_csrf_required_for_cookie_changes(server, admin):
    r = admin.post("/api/v1/orgs", csrf=False, json={"parent_id": 1, "level": "district", "name": "无令牌区"})
    assert r.status_code == 403
    assert error_of(r)["code"] == "csrf_failed"
    r = admin.post("/api/v1/orgs", csrf=False, headers={"X-CSRF-Token": "x" * 43},
                   json={"parent_id": 1, "level": "district", "name": "错令牌区"})
    assert r.status_code == 403
    names = [o["name"] for o in admin.get("/api/v1/orgs/1/children").json()["items"]]
    assert "无令牌区" not in names and "错令牌区" not in names


def test_logout_ends_session(server):
    c = server.admin()
    assert c.get("/api/v1/auth/me").status_code == 200
    r = c.post("/api/v1/auth/logout")
    assert r.status_code == 204
    # Even replaying the old cookie by hand no longer works.
    assert c.get("/api/v1/auth/me").status_code == 401


def test_stolen_cookie_after_logout_is_dead(server):
    c = server.admin()
    token = c.s.cookies.get("jiceng_session")
    c.post("/api/v1/auth/logout")
    r = requests.get(server.base + "/api/v1/auth/me", cookies={"jiceng_session": token})
    assert r.status_code == 401


def test_api_tokens(server, admin):
    r = admin.post("/api/v1/auth/tokens", json={"name": "导入脚本", "expires_in_days": 30})
    assert r.status_code == 201, r.text
    tok = r.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", tok["token"])
    h = {"Authorization": "Bearer " + tok["token"]}
    me = requests.get(server.base + "/api/v1/auth/me", headers=h)
    assert me.status_code == 200 and me.json()["user"]["username"] == "admin"
    # Bearer clients need no CSRF header.
    r = requests.post(server.base + "/api/v1/orgs", headers=h,
                      json={"parent_id": 1, "level": "district", "name": "令牌测试区"})
    assert r.status_code == 201, r.text
    listed = admin.get("/api/v1/auth/tokens").json()["items"]
    assert any(t["id"] == tok["id"] and t["name"] == "导入脚本" for t in listed)
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert admin.delete(f"/api/v1/auth/tokens/{tok['id']}").status_code == 204
    assert requests.get(server.base + "/api/v1/auth/me", headers=h).status_code == 401
    assert admin.delete(f"/api/v1/auth/tokens/{tok['id']}").status_code == 404


def test_malformed_bearer_is_401(server):
    for v in ("Bearer", "Bearer x", "Bearer " + "!" * 43, "Basic YWRtaW46eA=="):
        r = requests.get(server.base + "/api/v1/auth/me", headers={"Authorization": v})
        assert r.status_code == 401, v


def test_other_users_token_cannot_be_deleted(server, admin):
    u = server.make_user(admin, "token-owner", "resident", server.org_id("340104006006"))
    t = u.post("/api/v1/auth/tokens", json={"name": "mine"}).json()
    assert admin.delete(f"/api/v1/auth/tokens/{t['id']}").status_code == 404
    assert requests.get(server.base + "/api/v1/auth/me",
                        headers={"Authorization": "Bearer " + t["token"]}).status_code == 200


def test_password_change(server, admin):
    u = server.make_user(admin, "pw-changer", "resident", server.org_id("340104006006"))
    other = server.client()
    other.login("pw-changer", PASSWORD)
    r = u.post("/api/v1/auth/password", json={"current_password": "wrong", "new_password": "N3w-Password!"})
    assert r.status_code == 400 and error_of(r)["field"] == "current_password"
    r = u.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert r.status_code == 400
    assert error_of(r)["code"] == "weak_password" and error_of(r)["field"] == "new_password"
    r = u.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "alllowercaseletters"})
    assert r.status_code == 400 and error_of(r)["code"] == "weak_password"
    r = u.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "N3w-Password!"})
    assert r.status_code == 204, r.text
    # This session lives on; the other session of the same user is ended.
    assert u.get("/api/v1/auth/me").status_code == 200
    assert other.get("/api/v1/auth/me").status_code == 401
    server.client().login("pw-changer", PASSWORD, expect=401)
    server.client().login("pw-changer", "N3w-Password!")


def test_audit_records_logins(server, admin):
    server.client().login("admin", "definitely-wrong", expect=401)
    rows = admin.get("/api/v1/audit", params={"action": "auth.login_failed", "limit": 5}).json()["items"]
    assert rows and rows[0]["action"] == "auth.login_failed"
    assert "definitely-wrong" not in str(rows)


@pytest.fixture(scope="module")
def timed():
    """A server of our own, since these tests move its clock."""
    s = Server(extra_args=["--lockout-threshold", "3", "--lockout-seconds", "600", "--session-idle", "300",
                           "--session-max", "3600"], divisions=False)
    yield s
    assert s.close() == 0, s.stderr


def test_lockout_and_expiry(timed):
    admin = timed.admin()
    timed.make_user(admin, "locky", "resident", None)
    c = timed.client()
    c.login("locky", "bad-1", expect=401)
    c.login("locky", "bad-2", expect=401)
    r = c.login("locky", "bad-3", expect=423)
    e = error_of(r)
    assert e["code"] == "account_locked" and "locked_until" in e
    # Locked: even the right password is refused until the lock runs out.
    c.login("locky", PASSWORD, expect=423)
    advance(admin, 601)
    admin = timed.admin()
    c.login("locky", PASSWORD)


def test_admin_unlocks(timed):
    admin = timed.admin()
    uid = timed.make_user(admin, "locky2", "resident", None).user_id
    c = timed.client()
    for i in range(3):
        c.login("locky2", f"bad-{i}", expect=401 if i < 2 else 423)
    got = admin.get(f"/api/v1/users/{uid}").json()
    assert got["locked_until"] is not None
    r = admin.patch(f"/api/v1/users/{uid}", json={"unlock": True, "version": got["version"]})
    assert r.status_code == 200, r.text
    c.login("locky2", PASSWORD)


def test_session_idle_and_max(timed):
    admin = timed.admin()
    c = timed.admin()
    advance(admin, 200)
    assert c.get("/api/v1/auth/me").status_code == 200  # touched: idle clock restarts
    admin = timed.admin()
    advance(admin, 301)
    assert c.get("/api/v1/auth/me").status_code == 401
    # Kept busy, a session still ends at session-max.
    c = timed.admin()
    for _ in range(13):
        admin = timed.admin()
        advance(admin, 280)
        c.get("/api/v1/auth/me")
    assert c.get("/api/v1/auth/me").status_code == 401


def test_disabled_user_cannot_log_in_and_loses_sessions(timed):
    admin = timed.admin()
    u = timed.make_user(admin, "leaver", "resident", None)
    got = admin.get(f"/api/v1/users/{u.user_id}").json()
    r = admin.patch(f"/api/v1/users/{u.user_id}", json={"disabled": True, "version": got["version"]})
    assert r.status_code == 200
    assert u.get("/api/v1/auth/me").status_code == 401
    r = timed.client().login("leaver", PASSWORD, expect=403)
    assert error_of(r)["code"] == "account_disabled"


def test_login_rate_limit():
    # The limit counts per address in one-minute windows of the server's clock (the
    # test's clock too: same machine). A run whose requests straddle two windows proves
    # nothing either way, so it is run again on a fresh server, up to three times.
    for _ in range(3):
        s = Server(divisions=False, login_rate=5)
        try:
            c = s.client()
            start = time.time()
            codes = [c.s.post(c.url("/api/v1/auth/login"), json={"username": "nobody", "password": "x"}).status_code
                     for _ in range(8)]
            r = c.s.post(c.url("/api/v1/auth/login"), json={"username": "admin", "password": ADMIN_PASSWORD})
            if int(start) // 60 != int(time.time()) // 60:
                continue
            assert codes[:5] == [401] * 5
            assert codes[5:] == [429] * 3
            assert r.status_code == 429
            assert error_of(r)["code"] == "rate_limited"
            return
        finally:
            assert s.close() == 0
    raise AssertionError("three runs each straddled a minute boundary")
