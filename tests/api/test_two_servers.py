"""Two server processes on one database (two machines behind a proxy, on PostgreSQL;
two processes on one file, on SQLite): writes are serialised across the processes,
so of two claims one wins, no update is lost, the audit chain stays one chain, and
each server's read cache sees the other's commits."""
import threading

from conftest import Server, run_cli


def race(calls):
    """Run the calls at the same moment; their answers' status codes, sorted."""
    start = threading.Barrier(len(calls))
    codes = []

    def go(call):
        start.wait()
        codes.append(call().status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


def test_two_servers_one_database():
    a = Server()
    b = Server(db=a.db)
    try:
        on = {"a": [a.admin(), a.admin()], "b": [b.admin(), b.admin()]}
        clients = on["a"] + on["b"]
        comm = a.org_id("340104006006")
        before = on["b"][0].get(f"/api/v1/orgs/{comm}/stats").json()["people"].get("households", 0)
        # No double claim: the same accept sent through both servers at once wins once.
        for i in range(5):
            c = on["a"][0].post("/api/v1/cases", json={"category": "other", "title": f"并发{i}",
                                                       "description": "两台服务器", "org_id": comm}).json()
            body = {"action": "accept", "version": c["version"]}
            path = f"/api/v1/cases/{c['id']}/actions"
            assert race([lambda cl=cl: cl.post(path, json=body) for cl in clients]) == [200, 409, 409, 409]
            got = on["b"][1].get(f"/api/v1/cases/{c['id']}").json()
            assert [e["action"] for e in got["events"]] == ["report", "accept"]
        # No lost update: households created through both servers at once all count.
        per = 10

        def create(cl, k):
            def call():
                last = None
                for j in range(per):
                    last = cl.post("/api/v1/households", json={"org_id": comm, "address": f"并发楼 {k}-{j}"})
                    assert last.status_code == 201, last.text
                return last
            return call

        assert race([create(cl, k) for k, cl in enumerate(clients)]) == [201] * 4
        # Each server's cached dashboard follows the other's commits.
        for cl in clients:
            stats = cl.get(f"/api/v1/orgs/{comm}/stats").json()
            assert stats["people"]["households"] == before + 4 * per
        assert b.stop() == 0 and a.stop() == 0
        run_cli("audit", "verify", "--db", a.db)
    finally:
        b.stop()
        a.close()
        b.close()
