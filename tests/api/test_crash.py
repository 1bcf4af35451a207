"""kill -9 at random moments while cases are being reported: every case answered
2xx is there after restart, and the database is intact."""
import random
import signal
import threading

import requests

import backend
from conftest import Server, run_cli


def test_kill9_loses_no_answered_case():
    s = Server()
    rnd = random.Random(9)
    try:
        comm = s.org_id("340104006006")
        answered = []
        for round_ in range(4):
            admin = s.admin()
            stop = threading.Event()
            progress = threading.Condition()

            def writer(k):
                c = s.client()
                c.s.cookies.update(admin.s.cookies)
                c.csrf = admin.csrf
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        r = c.post("/api/v1/cases", json={"category": "other", "title": f"r{round_}-{k}-{i}",
                                                          "description": "kill test", "org_id": comm})
                    except requests.RequestException:
                        return
                    if r.status_code == 201:
                        with progress:
                            answered.append(r.json()["tracking_code"])
                            progress.notify_all()

            threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            # Kill once a random number of cases have been answered in this round.
            target = len(answered) + rnd.randint(5, 60)
            with progress:
                assert progress.wait_for(lambda: len(answered) >= target, timeout=60)
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait()
            stop.set()
            for t in threads:
                t.join()
            s.proc = None
            s.start()
        admin = s.admin()
        assert backend.integrity_ok(s.db)
        con = backend.connect(s.db)
        stored = {row[0] for row in con.execute("SELECT tracking_code FROM casefile")}
        con.close()
        assert len(answered) >= 20
        assert set(answered) <= stored
        s.stop()
        run_cli("audit", "verify", "--db", s.db)
    finally:
        s.close()
