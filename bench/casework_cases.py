"""Fill a jiceng database with N synthetic cases spread over the past year, each carried
some way along the loop with its log, for the casework indicator benchmark
(bench/casework.sh). Writes casefile and case_event directly (the figures of case_day,
when the schema has them, are made by the migration that follows, or were already).
Usage: casework_cases.py DB N [SEED]"""
import random
import sqlite3
import sys
import time

HOUR = 3600
LOOP = ["reported", "accepted", "dispatched", "handling", "handled", "verified", "closed", "rated"]
ACTIONS = {"accepted": "accept", "dispatched": "dispatch", "handling": "claim", "handled": "handle",
           "verified": "verify", "closed": "close", "rated": "rate"}


def main():
    db, n = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    con = sqlite3.connect(db)
    places = [r[0] for r in con.execute("SELECT id FROM org WHERE level IN ('grid', 'community')")]
    cats = con.execute("SELECT id, accept_hours, dispatch_hours, claim_hours, handle_hours, verify_hours"
                       " FROM case_category").fetchall()
    now = int(time.time())
    con.execute("BEGIN")
    for i in range(n):
        cat = rnd.choice(cats)
        hours = cat[1:]
        created = now - rnd.randint(0, 365 * 24 * HOUR)
        due = created + sum(hours) * HOUR
        # How far along: old cases mostly finished, recent ones anywhere.
        reach = rnd.choice(range(len(LOOP))) if now - created < 30 * 24 * HOUR else rnd.choice([6, 7, 7, 7, 5, 0])
        rejected = rnd.random() < 0.05
        t, events, returns, handled_at, closed_at, rating = created, [(None, "reported", "report", created)], 0, None, None, None
        state = "reported"
        if rejected:
            t += rnd.randint(600, 4 * HOUR)
            events.append(("reported", "rejected", "reject", t))
            state = "rejected"
        else:
            for k in range(1, reach + 1):
                nxt = LOOP[k]
                t += rnd.randint(300, int(hours[min(k - 1, 4)] * HOUR * 1.3))
                if nxt == "verified" and rnd.random() < 0.1:  # sent back once
                    events.append(("handled", "handling", "return", t))
                    returns += 1
                    t += rnd.randint(600, 24 * HOUR)
                    events.append(("handling", "handled", "handle", t))
                    t += rnd.randint(600, 12 * HOUR)
                events.append((state, nxt, ACTIONS[nxt], t))
                state = nxt
                if nxt == "handled":
                    handled_at = t
                if nxt == "closed":
                    closed_at = t
                if nxt == "rated":
                    rating = rnd.choice(["满意", "满意", "基本满意", "不满意"])
        stage = None if state in ("rejected", "closed", "rated") else t + hours[min(LOOP.index(state), 4)] * HOUR
        cur = con.execute(
            "INSERT INTO casefile (tracking_code, category_id, source, title, description, org_id, state,"
            " stage_deadline, close_due_at, returns, rating, created_at, updated_at, handled_at, closed_at)"
            " VALUES (?, ?, 'grid_worker', '压测案件', 'bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("B%010d" % i, cat[0], rnd.choice(places), state, stage, due, returns, rating, created, t, handled_at,
             closed_at))
        cid = cur.lastrowid
        con.executemany("INSERT INTO case_event (case_id, at, actor_id, actor_name, action, from_state, to_state)"
                        " VALUES (?, ?, 1, 'admin', ?, ?, ?)", [(cid, at, a, f, to) for f, to, a, at in events])
    con.commit()


main()
