"""bench/claims.sh's client: API tokens of the bench's members, and the 10,000 claim attempts
from 64 threads (keep-alive connections, loopback only). Prints what it counted."""
import http.client
import json
import random
import sys
import threading
import time


def request(conn, method, path, body=None, headers=None):
    h = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    return r.status, r.read(), r


def tokens(port, users, password):
    """A Bearer token per user name (a session, then POST /auth/tokens)."""
    out = []
    for u in users:
        c = http.client.HTTPConnection("127.0.0.1", port)
        status, body, r = request(c, "POST", "/api/v1/auth/login", {"username": u, "password": password})
        assert status == 200, body
        cookie = r.getheader("Set-Cookie").split(";")[0]
        csrf = json.loads(body)["csrf_token"]
        status, body, _ = request(c, "POST", "/api/v1/auth/tokens", {"name": "bench"},
                                  {"Cookie": cookie, "X-CSRF-Token": csrf})
        assert status == 201, body
        out.append(json.loads(body)["token"])
        c.close()
    return out


def attempts(port, toks, posts, wishes, n, conns):
    """n claim attempts from conns threads, each attempt a random member and a random post or wish."""
    rnd = random.Random(1)
    plan = [(rnd.choice(toks), ("p", rnd.choice(posts)) if rnd.random() < 0.5 else ("w", rnd.choice(wishes)))
            for _ in range(n)]
    counts = {}
    lock = threading.Lock()
    nxt = [0]

    def run():
        c = http.client.HTTPConnection("127.0.0.1", port)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                break
            tok, (kind, target) = plan[i]
            path = f"/api/v1/service-posts/{target}/claims" if kind == "p" else f"/api/v1/wishes/{target}/claims"
            status, body, _ = request(c, "POST", path, None, {"Authorization": f"Bearer {tok}"})
            code = json.loads(body)["error"]["code"] if status >= 400 else ""
            with lock:
                counts[(kind, status, code)] = counts.get((kind, status, code), 0) + 1
        c.close()

    start = time.time()
    threads = [threading.Thread(target=run) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts, time.time() - start


def setup(db, template, n_members, n_posts, capacity, n_wishes, served_on, now):
    """In the SQLite city (before it is copied to PostgreSQL): the community with the most households, n_members
    in-service party members reported there, each with an account like template's (its password and grant), n_posts
    posts of capacity places on served_on, n_wishes published wishes of as many of its households (none of a member's).
    Prints the community's id and code, the members' user names, the posts' and the wishes' ids."""
    import sqlite3
    con = sqlite3.connect(db)
    x = con.execute
    comm, code, path = x("SELECT o.id, o.code, o.path FROM org o WHERE o.level = 'community' ORDER BY"
                         " (SELECT COUNT(*) FROM household h JOIN org g ON g.id = h.org_id"
                         " WHERE g.path >= o.path AND g.path < o.path || '~') DESC, o.id LIMIT 1").fetchone()
    hhs = x("SELECT h.id, h.org_id, (SELECT MIN(p.id) FROM person p WHERE p.household_id = h.id) FROM household h"
            " JOIN org g ON g.id = h.org_id WHERE g.path >= ? AND g.path < ? || '~'"
            " AND NOT EXISTS (SELECT 1 FROM wish w WHERE w.household_id = h.id) ORDER BY h.id", (path, path)).fetchall()
    hhs = [h for h in hhs if h[2]][:n_wishes]
    assert len(hhs) == n_wishes, f"{len(hhs)} households at the busiest community: make a bigger city"
    taken = {h[0] for h in hhs}
    members = [r[0] for r in x("SELECT id FROM person WHERE household_id IS NULL OR household_id NOT IN (%s)"
                               " ORDER BY id DESC LIMIT ?" % ",".join("?" * len(taken)), (*taken, n_members))]
    branch = x("SELECT MIN(id) FROM party_org").fetchone()[0]
    for p in members:
        x("DELETE FROM party_member WHERE person_id = ?", (p,))
        x("INSERT INTO party_member (person_id, party_org_id, status, joined_on, in_service, registered_org_id,"
          " created_at, updated_at) VALUES (?, ?, '正式', '2010-07-01', 1, ?, ?, ?)", (p, branch, comm, now, now))
    tid, thash = x("SELECT id, password_hash FROM app_user WHERE username = ?", (template,)).fetchone()
    users = []
    for i, p in enumerate(members):
        name = template if i == 0 else f"{template}{i}"
        if i:
            x("INSERT INTO app_user (username, display_name, org_id, password_hash, created_at, updated_at,"
              " password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)", (name, f"压测党员{i}", comm, thash, now, now, now))
            uid = x("SELECT id FROM app_user WHERE username = ?", (name,)).fetchone()[0]
            x("INSERT INTO user_grant (user_id, role, org_id, created_at) VALUES (?, 'party_member', ?, ?)",
              (uid, comm, now))
        users.append(name)
        # app_user.person_id is set after copy-data (its copy of app_user comes before person): the statements
        with open(db + ".persons.sql", "a") as f:
            f.write(f"UPDATE app_user SET person_id = {int(p)} WHERE username = '{name}';\n")
    posts = []
    for i in range(n_posts):
        x("INSERT INTO service_post (org_id, category, title, served_on, start_min, end_min, capacity, created_at,"
          " updated_at) VALUES (?, '社区治理', ?, ?, 540, 660, ?, ?, ?)", (comm, f"压测岗位{i}", served_on, capacity, now, now))
        posts.append(x("SELECT MAX(id) FROM service_post").fetchone()[0])
    wishes = []
    for i, (hh, org, person) in enumerate(hhs):
        x("INSERT INTO wish (org_id, household_id, beneficiary_id, kind, value_fen, content, state, published_at,"
          " created_at, updated_at) VALUES (?, ?, ?, '实物', 5000, ?, 'published', ?, ?, ?)",
          (org, hh, person, f"压测心愿{i}", now - i, now, now))
        wishes.append(x("SELECT MAX(id) FROM wish").fetchone()[0])
    con.commit()
    con.close()
    print(comm, code, ",".join(map(str, posts)), ",".join(map(str, wishes)), " ".join(users))


if __name__ == "__main__":
    if sys.argv[1] == "setup":  # setup DB TEMPLATE_USER SERVED_ON NOW
        setup(sys.argv[2], sys.argv[3], 64, 10, 5, 100, sys.argv[4], int(sys.argv[5]))
        sys.exit(0)
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "tokens":  # tokens PORT PASSWORD USER...
        print(json.dumps(tokens(port, sys.argv[4:], sys.argv[3])))
    else:  # attempts PORT TOKENS_FILE POSTS WISHES N CONNS
        toks = json.load(open(sys.argv[3]))
        posts = [int(x) for x in sys.argv[4].split(",")]
        wishes = [int(x) for x in sys.argv[5].split(",")]
        counts, secs = attempts(port, toks, posts, wishes, int(sys.argv[6]), int(sys.argv[7]))
        won_p = counts.get(("p", 201, ""), 0)
        won_w = counts.get(("w", 201, ""), 0)
        print(json.dumps({"post_claims": won_p, "wish_claims": won_w, "seconds": round(secs, 2),
                          "attempts_per_s": round(int(sys.argv[6]) / secs),
                          "answers": {f"{k[0]} {k[1]} {k[2]}".strip(): v for k, v in sorted(counts.items())}}))
