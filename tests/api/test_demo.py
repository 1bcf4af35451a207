"""jiceng demo: a synthetic city that is reproducible, consistent and clean."""
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile

import pytest

import backend
from conftest import ADMIN_PASSWORD, BIN, assert_clean, DIVISIONS, ROOT, Server, run_cli
from test_people import recount


def fresh_db():
    """An SQLite file with the divisions: demo's bulk load is SQLite's on every backend."""
    d = tempfile.mkdtemp(prefix="jiceng-demo-")
    db = os.path.join(d, "demo.db")
    run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
    run_cli("import-divisions", "--db", db, DIVISIONS)
    return db


# ---- the demo city's shape (cmd_demo.c): demo_pick and demo_population (common.c), the grids ----
M64 = (1 << 64) - 1


def demo_pick(seed, k, n):
    z = (seed * 0x9E3779B97F4A7C15 + k * 0xD1B54A32D192ED03 + 23) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return (z ^ (z >> 31)) % n


def demo_population(seed, org_id, village):
    k = (0x5eed * 1000003 + org_id) & M64
    return 1000 + demo_pick(seed, k, 2001) if village else 2500 + demo_pick(seed, k, 11501)


def shape_pick(seed, org, what, i, n):
    return demo_pick(seed, 0xC17E000000000000 ^ ((org << 24) & M64) ^ (what << 16) ^ i, n)


def demo_grids(seed, org_id, village):
    """A community's grids: its households (2.8 persons each) in grids of 300-500."""
    households = (demo_population(seed, org_id, village) * 10 + 14) // 28
    per = 300 + shape_pick(seed, org_id, 1, 0, 201)
    return min(64, max(1, (households + per // 2) // per))


def credit_code_valid(code):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    if len(code) != 18 or any(c not in alphabet for c in code):
        return False
    return alphabet[(31 - sum(alphabet.index(c) * w for c, w in zip(code, weights)) % 31) % 31] == code[17]


def city_shape(db, seed, residents):
    """What a new user noticed in the demo, checked: grids from each community's population (not from --residents),
    exactly 2,844 grid-level party organisations, real-looking buildings and addresses, residents in proportion to
    the populations, households whose ages and relations agree, tags that fit, names that fit the sex, members'
    joined dates, resident units with valid credit codes."""
    import datetime
    con = sqlite3.connect(db)
    one = lambda sql, *a: con.execute(sql, a).fetchone()  # noqa: E731
    year = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).year
    comms = con.execute("SELECT id, kind, path FROM org WHERE level = 'community' ORDER BY id").fetchall()
    grids = dict(con.execute("SELECT parent_id, COUNT(*) FROM org WHERE level = 'grid' GROUP BY parent_id"))
    assert all(grids[c] == demo_grids(seed, c, k == "village") for c, k, _ in comms)
    assert one("SELECT value FROM org_figure WHERE org_id = 1 AND figure = 'party_orgs.at_grid'")[0] == 2844
    kinds = dict(con.execute("SELECT p.kind, COUNT(*) FROM party_org p JOIN org o ON o.id = p.org_id"
                             " WHERE o.level = 'grid' GROUP BY p.kind"))
    assert sum(kinds.values()) == 2844 and kinds["党支部"] > 0 and kinds["党小组"] > 0
    names = [n for (n,) in con.execute("SELECT name FROM org WHERE level = 'grid'")]
    assert len(set(names)) > 20 and any(not n.startswith("第") for n in names)
    assert one("SELECT COUNT(*) FROM (SELECT parent_id, name FROM org WHERE level = 'grid' GROUP BY parent_id, name"
               " HAVING COUNT(*) > 1) x")[0] == 0
    # Buildings numbered across their community (12栋, 3幢, 第2村民组), addresses with units and rooms or 号.
    bnames = [n for (n,) in con.execute("SELECT name FROM org WHERE level = 'building'")]
    assert any(n != "1栋" and n.endswith("栋") for n in bnames) and any(n.endswith("村民组") for n in bnames)
    addresses = [a for (a,) in con.execute("SELECT address FROM household")]
    assert all(("单元" in a and a.endswith("室")) or ("村民组" in a and a.endswith("号")) for a in addresses)
    assert any(int(a.split("单元")[1][:-1]) >= 1001 for a in addresses if "单元" in a)
    # Residents: one a community, the rest in proportion to the populations.
    pops = {c: demo_population(seed, c, k == "village") for c, k, _ in comms}
    total, rest = sum(pops.values()), residents - len(comms)
    have = dict(con.execute("SELECT c.id, COUNT(p.id) FROM org c JOIN org o ON o.path >= c.path"
                            " AND o.path < c.path || '~' JOIN person p ON p.org_id = o.id WHERE c.level = 'community'"
                            " GROUP BY c.id"))
    assert all(abs(have.get(c, 0) - 1 - rest * pops[c] / total) < 1 for c in pops)
    # Households: a head of 20-85, a spouse of about the same age and the other sex, children younger.
    ages = one("SELECT MIN(?1 - birth_year), MAX(?1 - birth_year) FROM person WHERE relation = '户主'", year)
    assert 18 <= ages[0] and ages[1] <= 86
    assert one("SELECT COUNT(*) FROM person s JOIN person h ON h.household_id = s.household_id"
               " AND h.relation = '户主' WHERE s.relation = '配偶' AND (s.gender = h.gender"
               " OR ABS(s.birth_year - h.birth_year) > 5)")[0] == 0
    assert one("SELECT COUNT(*) FROM person c JOIN person h ON h.household_id = c.household_id"
               " AND h.relation IN ('户主', '配偶') WHERE c.relation = '子女' AND c.birth_year < h.birth_year + 20")[0] == 0
    assert one("SELECT COUNT(*) FROM person e JOIN person h ON h.household_id = e.household_id"
               " AND h.relation = '户主' WHERE e.relation = '父母' AND e.birth_year > h.birth_year - 20")[0] == 0
    assert {r for (r,) in con.execute("SELECT DISTINCT relation FROM person")} == {"户主", "配偶", "子女", "父母"}
    # Tags fit: 独居老人 60 and over alone, 空巢老人 60 and over with no child at home, children under 16.
    tagged = lambda tag, cond: one(  # noqa: E731
        "SELECT COUNT(*), SUM(CASE WHEN " + cond + " THEN 0 ELSE 1 END) FROM person p JOIN person_tag t"
        " ON t.person_id = p.id AND t.tag = ?", tag)
    alone = "(SELECT COUNT(*) FROM person x WHERE x.household_id = p.household_id) = 1"
    assert tagged("elderly_alone", f"? - p.birth_year >= 60 AND {alone}".replace("?", str(year)))[1] == 0
    assert tagged("empty_nest", f"{year} - p.birth_year >= 60 AND NOT EXISTS (SELECT 1 FROM person x"
                                " WHERE x.household_id = p.household_id AND x.relation = '子女')")[1] == 0
    assert tagged("left_behind_child", f"{year} - p.birth_year < 16")[1] == 0
    assert tagged("veteran", f"{year} - p.birth_year >= 18")[1] == 0
    assert tagged("elderly_alone", "1")[0] > 0
    # A given name is given to one sex only (the ID number's sex digit gives the gender).
    assert one("SELECT COUNT(*) FROM (SELECT substr(name, 2) g FROM person GROUP BY g"
               " HAVING COUNT(DISTINCT gender) > 1) x")[0] == 0
    # Probationary members joined within the last year (but those whose conversion is voted and awaits the
    # higher committee's approval, 发展党员 step 23); formal ones at 18 or older, more than a year ago.
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    ago = (today - datetime.timedelta(days=366)).isoformat()
    assert one("SELECT COUNT(*), SUM(joined_on < ? OR joined_on > ?) FROM party_member WHERE status = '预备'"
               " AND person_id NOT IN (SELECT person_id FROM party_candidate WHERE step = 23)",
               ago, today.isoformat())[1] == 0
    assert one("SELECT COUNT(*) FROM party_member WHERE status = '预备'")[0] > 0
    assert one("SELECT COUNT(*) FROM party_member m JOIN person p ON p.id = m.person_id WHERE m.status = '正式'"
               " AND (CAST(substr(m.joined_on, 1, 4) AS INTEGER) - p.birth_year < 18 OR m.joined_on >= ?)",
               ago)[0] == 0
    assert one("SELECT COUNT(DISTINCT substr(joined_on, 1, 4)) FROM party_member")[0] > 20
    # Resident units in every community and village, valid credit codes, some with their own 党支部.
    units = dict(con.execute("SELECT org_id, COUNT(*) FROM unit WHERE credit_code IS NOT NULL GROUP BY org_id"))
    assert all(units.get(c, 0) >= 2 for c in pops)
    assert all(credit_code_valid(c) for (c,) in con.execute("SELECT credit_code FROM unit WHERE credit_code IS NOT NULL"))
    assert {t for (t,) in con.execute("SELECT DISTINCT type FROM unit")} == {
        "agency", "enterprise", "non_public_enterprise", "school", "social_organisation"}
    assert one("SELECT COUNT(*) FROM party_org WHERE unit_id IS NOT NULL")[0] > len(pops) // 2
    # Every grid has its 网格员.
    assert one("SELECT COUNT(*) FROM org g WHERE g.level = 'grid' AND NOT EXISTS (SELECT 1 FROM cadre c"
               " WHERE c.org_id = g.id AND c.post = '网格员')")[0] == 0
    con.close()


def fingerprint(db):
    con = sqlite3.connect(db)
    h = hashlib.sha256()
    for row in con.execute("SELECT org_id, name, gender, birth_year, id_card_masked, phone_masked FROM person"
                           " ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT id, parent_id, level, name FROM org ORDER BY id"):
        h.update(repr(row).encode())
    # the city's shape: households, relations, members (probationary ones' days count from today), units
    for row in con.execute("SELECT id, org_id, address FROM household ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT id, relation FROM person ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT person_id, status, CASE WHEN status = '正式' THEN joined_on END, in_service"
                           " FROM party_member ORDER BY person_id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT id, org_id, name, type, credit_code, address FROM unit ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT id, org_id, unit_id, parent_id, kind, name, secretary FROM party_org ORDER BY id"):
        h.update(repr(row).encode())
    # ---- duty lists (责任清单) ----
    for row in con.execute("SELECT l.org_id, c.person_id, l.year, l.state, i.what, i.deadline, i.done, i.common_id"
                           " FROM duty_list l JOIN cadre c ON c.id = l.cadre_id JOIN duty_item i ON i.list_id = l.id"
                           " ORDER BY l.id, i.id"):
        h.update(repr(row).encode())
    # notices (调度通报): who issued what to whom, and which receipts are read and replied
    for row in con.execute("SELECT n.org_id, n.kind, n.title, r.org_id, r.read_at - r.delivered_at,"
                           " r.replied_at IS NULL, r.reminders FROM notice n JOIN notice_receipt r ON r.notice_id = n.id"
                           " ORDER BY r.id"):
        h.update(repr(row).encode())
    # ---- 述职评议: each district's session, its reporters' counts and grades ----
    for row in con.execute("SELECT s.org_id, s.year, s.state, r.cadre_id, r.counted, r.proposed_grade, r.final_grade"
                           " FROM review_session s JOIN review_reporter r ON r.session_id = s.id ORDER BY r.id"):
        h.update(repr(row).encode())
    # ---- rectification problems (问题清单) and inspections ----
    for row in con.execute("SELECT i.org_id, i.type, i.held_on, i.published_at IS NULL, t.org_id, t.item, t.result,"
                           " p.state, p.deadline, p.supervise_level FROM inspection i"
                           " JOIN inspection_item t ON t.inspection_id = i.id LEFT JOIN problem p ON p.id = t.problem_id"
                           " ORDER BY t.id"):
        h.update(repr(row).encode())
    # ---- end rectification problems ----
    # the annual assessment (年度综合考核): plans, trees, entered values, each run's results
    for row in con.execute("SELECT p.org_id, p.year, p.class, i.code, i.method, i.source, e.org_id, e.value"
                           " FROM assess_plan p JOIN assess_indicator i ON i.plan_id = p.id"
                           " LEFT JOIN assess_entry e ON e.indicator_id = i.id ORDER BY i.id, e.org_id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT r.plan_id, r.version, r.state, s.org_id, s.total, s.rank, s.grade, s.vetoed,"
                           " s.barred FROM assess_run r JOIN assess_result s ON s.run_id = r.id ORDER BY r.id, s.org_id"):
        h.update(repr(row).encode())
    # ---- demo cases: each case and its log, times counted from the demo's last event ----
    end = con.execute("SELECT MAX(at) FROM case_event").fetchone()[0] or 0
    for row in con.execute("SELECT c.tracking_code, k.code, c.source, c.title, c.org_id, c.state, c.handler_org_id,"
                           " c.returns, c.escalation_level, c.rating, c.is_public, ? - c.created_at, ? - c.close_due_at,"
                           " (SELECT GROUP_CONCAT(e.action || ':' || (? - e.at), ',') FROM case_event e"
                           " WHERE e.case_id = c.id) FROM casefile c JOIN case_category k ON k.id = c.category_id"
                           " ORDER BY c.id", (end, end, end)):
        h.update(repr(row).encode())
    # ---- end demo cases ----
    # service posts and 微心愿: posts, their claims, wishes and their claims
    for row in con.execute("SELECT s.org_id, s.category, s.served_on, s.capacity, s.claimed, c.person_id, c.state"
                           " FROM service_post s LEFT JOIN post_claim c ON c.post_id = s.id ORDER BY s.id, c.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT w.household_id, w.kind, w.value_fen, w.state, w.fulfilled_on, c.person_id"
                           " FROM wish w LEFT JOIN wish_claim c ON c.id = w.claim_id ORDER BY w.id"):
        h.update(repr(row).encode())
    # attachments: which records hold which files
    for row in con.execute("SELECT owner_kind, owner_id, org_id, name, mime, size, sha256 FROM attachment ORDER BY id"):
        h.update(repr(row).encode())
    # 结对共建 and purchased services: pairings with their items, contracts with their beneficiaries and visits
    for row in con.execute("SELECT p.org_id, u.name, p.year, i.content, i.due_on, i.responsible, i.state, i.done_on"
                           " FROM pairing p JOIN unit u ON u.id = p.unit_id JOIN pairing_item i ON i.pairing_id = p.id"
                           " ORDER BY i.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT c.org_id, c.service, c.amount_fen, c.visits_per_month, v.person_id, v.visited_on,"
                           " v.minutes, v.satisfaction FROM service_contract c JOIN service_visit v ON v.contract_id = c.id"
                           " ORDER BY v.id"):
        h.update(repr(row).encode())
    # volunteer and service teams: members, activities (not their random tokens), hours, visits
    for row in con.execute("SELECT t.org_id, t.kind, t.name, m.person_id, m.retired_from_unit_id FROM team t"
                           " JOIN team_member m ON m.team_id = t.id ORDER BY m.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT a.team_id, a.title, a.starts_at - a.created_at, s.person_id, s.minutes,"
                           " s.verified_at IS NULL FROM team_activity a JOIN team_signup s ON s.activity_id = a.id"
                           " ORDER BY s.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT team_id, unit_id, visited_on, branch_state, problems FROM enterprise_visit ORDER BY id"):
        h.update(repr(row).encode())
    # 双报到: unit reports and agreements, member reports, service records, cards
    for row in con.execute("SELECT r.org_id, r.unit_id, r.state, i.what, i.due_on, i.done FROM unit_report r"
                           " LEFT JOIN unit_agreement a ON a.report_id = r.id"
                           " LEFT JOIN unit_agreement_item i ON i.agreement_id = a.id ORDER BY r.id, i.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT org_id, person_id, employer_party_org_id, state FROM member_report ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT person_id, served_on, start_min, end_min, content, verified_at IS NULL, rating"
                           " FROM service_record ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT report_id, year, quarter, grade, records, minutes, acknowledged_at IS NULL"
                           " FROM service_card ORDER BY id"):
        h.update(repr(row).encode())
    # ---- 村级集体经济: each village's accounts ----
    for row in con.execute("SELECT org_id, year, contracting, investment, business, subsidy, other_income, assets,"
                           " measures FROM village_account ORDER BY id"):
        h.update(repr(row).encode())
    # ---- end 村级集体经济 ----
    # ---- 党建品牌 and 荣誉: brands and honours with their holders ----
    for row in con.execute("SELECT org_id, party_org_id, name, started_year FROM brand ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT org_id, party_org_id, person_id, title, level, year, doc_no FROM honour ORDER BY id"):
        h.update(repr(row).encode())
    # ---- end 党建品牌 and 荣誉 ----
    # ---- 区域化党建联盟: alliances, members, meetings with attendees, list items and claims ----
    for row in con.execute("SELECT a.org_id, a.name, a.kind, a.founded_on, a.dissolved_on, m.unit_id, m.party_org_id,"
                           " m.member_org_id, m.role FROM alliance a JOIN alliance_member m ON m.alliance_id = a.id"
                           " ORDER BY m.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT g.alliance_id, g.held_on, g.topic, COUNT(t.member_id) FROM alliance_meeting g"
                           " LEFT JOIN alliance_attendee t ON t.meeting_id = g.id GROUP BY g.id ORDER BY g.id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT i.alliance_id, i.list, i.title, i.raised_by, i.raised_on, i.state, i.taken_by, i.done_on,"
                           " c.member_id, c.state FROM alliance_item i LEFT JOIN alliance_claim c ON c.item_id = i.id"
                           " ORDER BY i.id, c.id"):
        h.update(repr(row).encode())
    # ---- end 区域化党建联盟 ----
    # ---- work teams and poverty ledger: teams, members, attendance, visits, analyses, households ----
    for sql in ("SELECT t.org_id, t.year_from, t.year_to, m.person_id, m.role, m.unit_level, m.unit_id, m.unit_name"
                " FROM work_team t LEFT JOIN work_team_member m ON m.team_id = t.id ORDER BY t.id, m.id",
                "SELECT member_id, month, days FROM work_team_attendance ORDER BY member_id, month",
                "SELECT team_id, member_id, kind, visited_on FROM work_team_visit ORDER BY id",
                "SELECT org_id, year, problems, funds_sought, projects FROM village_analysis ORDER BY id",
                "SELECT h.org_id, h.head_person_id, h.attribute, h.cause, h.size, h.year_in, h.status, i.year,"
                " i.per_capita FROM poverty_household h JOIN poverty_income i ON i.household_id = h.id"
                " ORDER BY h.id, i.year",
                "SELECT household_id, status, year, on_date, line, income FROM poverty_status_change ORDER BY id"):
        for row in con.execute(sql):
            h.update(repr(row).encode())
    # ---- end work teams and poverty ledger ----
    # ---- 村/社区干部报酬: benchmarks and pay records ----
    for row in con.execute("SELECT org_id, year, civil_servant_pay, rural_income FROM pay_benchmark ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT org_id, person_id, post, year, basic, performance, growth_reward, other"
                           " FROM pay_record ORDER BY id"):
        h.update(repr(row).encode())
    # ---- end 村/社区干部报酬 ----
    # ---- venues and operating funds ----
    for row in con.execute("SELECT org_id, year, area_x10, functions, households, households_source FROM venue"
                           " ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT org_id, year, basic_pay, office, service_ops, special_fund, others, population,"
                           " population_source FROM operating_fund ORDER BY id"):
        h.update(repr(row).encode())
    # ---- end venues and operating funds ----
    # ---- 民主评议党员 ----
    for row in con.execute("SELECT party_org_id, org_id, year, state FROM member_eval_round ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT round_id, person_id, probationary, step, peer_excellent, peer_qualified, peer_basic,"
                           " peer_unqualified, branch_grade, grade, follow_up FROM member_eval ORDER BY id"):
        h.update(repr(row).encode())
    # ---- end 民主评议党员 ----
    # ---- 组织生活: dues ----
    for row in con.execute("SELECT person_id, year, category, base_fen, fixed_fen, monthly_fen FROM dues_declaration"
                           " ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT person_id, month, due_fen, paid_fen, paid_on, channel FROM dues_month ORDER BY id"):
        h.update(repr(row).encode())
    # ---- end 组织生活: dues ----
    # ---- 三会一课: meetings (not their tokens, random) and their rolls ----
    for row in con.execute("SELECT party_org_id, kind, held_on, topic, votes FROM party_meeting ORDER BY id"):
        h.update(repr(row).encode())
    for row in con.execute("SELECT meeting_id, person_id, full_member, status, reason FROM party_meeting_attendance"
                           " ORDER BY meeting_id, person_id"):
        h.update(repr(row).encode())
    # ---- end 三会一课 ----
    con.close()
    return h.hexdigest()


def member_evaluations(db):
    """民主评议党员's demo: last year's round of every party organisation with members, closed, each full
    member decided and no round over its cap (a third of its graded members, rounded down); this year's
    open in some; 预备党员 never graded."""
    con = sqlite3.connect(db)
    last = con.execute("SELECT MAX(year) FROM member_eval_round WHERE state = 'closed'").fetchone()[0]
    with_members = con.execute("SELECT COUNT(DISTINCT party_org_id) FROM party_member").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM member_eval_round WHERE year = ? AND state = 'closed'",
                       (last,)).fetchone()[0] == with_members
    assert 0 < con.execute("SELECT COUNT(*) FROM member_eval_round WHERE year = ? AND state = 'open'",
                           (last + 1,)).fetchone()[0] < with_members
    assert con.execute("SELECT COUNT(*) FROM member_eval e JOIN member_eval_round r ON r.id = e.round_id"
                       " WHERE r.year = ? AND e.probationary = 0 AND e.grade IS NULL", (last,)).fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM member_eval WHERE probationary = 1 AND grade IS NOT NULL").fetchone()[0] == 0
    over = con.execute("SELECT COUNT(*) FROM (SELECT round_id, SUM(grade = 'excellent') AS x,"
                       " SUM(1 - probationary) AS g FROM member_eval GROUP BY round_id) WHERE x > g / 3").fetchone()[0]
    assert over == 0
    grades = dict(con.execute("SELECT grade, COUNT(*) FROM member_eval WHERE grade IS NOT NULL GROUP BY grade"))
    # (A small demo's branches have too few full members for any 优秀 under the cap.)
    assert "qualified" in grades and set(grades) <= {"excellent", "qualified", "basic", "unqualified"}, grades
    con.close()


def test_same_seed_same_city_and_consistent_figures():
    a, b, c = fresh_db(), fresh_db(), fresh_db()
    p = run_cli("demo", "--db", a, "--residents", "4000", "--seed", "7")
    assert "4000 residents" in p.stdout
    # Not on a terminal: one line per stage (each family's demo one, with its time), the residents with their rate.
    stages = [line.split(":")[0] for line in p.stderr.splitlines()]
    families = ["norms", "duty lists", "notices", "reviews", "problems", "cases", "honours", "assessment",
                "attachments", "partners", "teams", "service reports", "claims", "village accounts", "alliances",
                "work teams", "pay", "venues and funds", "party development", "party transfers",
                "member evaluations", "dues", "party meetings"]
    assert stages == ["residents", "indexes", "figures", *families, "kept figures", "commit"], p.stderr
    assert all(re.fullmatch(r"[a-z ]+: 1 in \d+\.\ds", line) for line in p.stderr.splitlines()[3:]), p.stderr
    assert p.stderr.startswith("residents: 4000 in ") and "/s)" in p.stderr.splitlines()[0]
    # 组织关系转接: every state, an expired letter, and the completed formal ones' members at the destination.
    con = sqlite3.connect(a)
    states = {s for (s,) in con.execute("SELECT DISTINCT state FROM party_transfer")}
    assert states == {"applied", "out_reviewed", "received", "returned", "suspended", "completed", "cancelled"}
    assert con.execute("SELECT COUNT(*) FROM party_transfer WHERE state = 'out_reviewed' AND expires_on < date('now')"
                       ).fetchone()[0] > 0
    assert con.execute("SELECT COUNT(*) FROM party_transfer t JOIN party_member m ON m.person_id = t.person_id"
                       " WHERE t.state = 'completed' AND t.form = 'formal' AND m.party_org_id <> t.to_party_org_id"
                       ).fetchone()[0] == 0
    con.close()
    # b's case_day changes are written out every 16 rows instead of at the end: the same city and figures.
    run_cli("demo", "--db", b, "--residents", "4000", "--seed", "7", env={"JICENG_CASEWORK_BATCH_ROWS": "16"})
    run_cli("demo", "--db", c, "--residents", "4000", "--seed", "8")
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)
    demo_cases(b)
    want, have = recount(a)
    assert want == have and want[(1, "residents")] == 4000
    con = sqlite3.connect(a)
    # Every synthetic ID number is valid and unique, and carries its district's code.
    n, distinct = con.execute("SELECT COUNT(*), COUNT(DISTINCT id_card_hash) FROM person").fetchone()
    assert n == distinct == 4000
    assert con.execute("SELECT COUNT(*) FROM person WHERE id_card_masked NOT LIKE '34%'").fetchone()[0] == 0
    adults = con.execute("SELECT COUNT(*) FROM person WHERE birth_year <= 2008").fetchone()[0]
    members = con.execute("SELECT COUNT(*) FROM party_member").fetchone()[0]
    assert 0.04 * adults < members < 0.10 * adults
    # Loaded without per-row foreign key checks: every reference must hold, every
    # index is back, and the database is in WAL mode again.
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fresh = sqlite3.connect(fresh_db())
    want_indexes = fresh.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    fresh.close()
    assert con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall() \
        == want_indexes
    con.close()
    run_cli("audit", "verify", "--db", a)
    assert "ok" in run_cli("figures", "verify", "--db", a).stdout
    city_shape(a, 7, 4000)
    assessment(a)
    demo_cases(a)
    member_evaluations(a)
    teams(a)
    service_report(a)
    honours(a)
    dues(a)
    work_teams(a)  # ---- work teams and poverty ledger ----
    # A second run refuses: demo fills an empty city only.
    p = run_cli("demo", "--db", a, "--residents", "4000", check=False)
    assert p.returncode == 1 and "demo fills an empty city only" in p.stderr, p.stderr
    p = run_cli("demo", "--db", a, "--residents", "4000", "--if-empty")
    assert "already" in p.stdout and fingerprint(a) == fingerprint(b)


# ---- work teams and poverty ledger ----
def work_teams(db):
    """About one village in ten has a team per three-year term from 2015 with members, attendance, 民情日记 and
    yearly analyses; its poverty households have incomes every year, most exited by 2020, a few returned; every
    exit's income is above the demo's poverty line of its year; the kept figures verify."""
    con = sqlite3.connect(db)
    villages = con.execute("SELECT COUNT(DISTINCT org_id) FROM work_team").fetchone()[0]
    assert 40 <= villages <= 120, villages
    assert con.execute("SELECT MIN(year_from), COUNT(DISTINCT year_from) FROM work_team").fetchone() == (2015, 4)
    assert con.execute("SELECT COUNT(*) FROM work_team_attendance WHERE days < 20").fetchone()[0] > 0
    assert {k for (k,) in con.execute("SELECT DISTINCT kind FROM work_team_visit")} == \
        {"village_cadre", "former_cadre", "old_member", "poor_household", "capable"}
    status = dict(con.execute("SELECT status, COUNT(*) FROM poverty_household GROUP BY status").fetchall())
    assert status.get("exited", 0) > 4 * (status.get("not_exited", 0) + status.get("returned", 0)), status
    late = con.execute("SELECT COUNT(*) FROM poverty_status_change WHERE status = 'exited' AND year > 2020").fetchone()
    assert late == (0,) and status.get("returned", 0) > 0
    assert con.execute("SELECT COUNT(*) FROM poverty_status_change WHERE status = 'exited' AND income <= line")\
        .fetchone() == (0,)
    con.close()
    run_cli("figures", "verify", "--db", db)
# ---- end work teams and poverty ledger ----


# ---- demo cases ----
# core/casefsm.c's moves: (from, action) -> to
CASE_MOVES = {("reported", "accept"): "accepted", ("reported", "reject"): "rejected",
              ("accepted", "dispatch"): "dispatched", ("dispatched", "claim"): "handling",
              ("handling", "handle"): "handled", ("handled", "verify"): "verified", ("handled", "return"): "handling",
              ("verified", "close"): "closed", ("closed", "rate"): "rated", ("reported", "merge"): "rejected"}
CASE_STATES = {"reported", "accepted", "rejected", "dispatched", "handling", "handled", "verified", "closed", "rated"}
STAGE_HOURS = {"reported": "accept_hours", "accepted": "dispatch_hours", "dispatched": "claim_hours",
               "handling": "handle_hours", "handled": "verify_hours"}


def demo_cases(db):
    """A year of cases in proportion to the city (60 a year per 1,000 residents): every state, source and leaf
    category (定制帮's kinds among them); each case's log a valid path of the state machine ending in its state, its
    columns what that path leaves (times, returns, rating, deadlines, version), its escalations as the periodic pass
    writes them (at the street, then the district, after the stage deadline); some open ones overdue; and case_day
    exactly the recount of the cases by the migration's backfill (the rules of src/api/casework.c)."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    residents = con.execute("SELECT COUNT(*) FROM person").fetchone()[0]
    cases = con.execute("SELECT c.*, k.code, k.parent_id AS family, k.accept_hours, k.dispatch_hours, k.claim_hours,"
                        " k.handle_hours, k.verify_hours FROM casefile c JOIN case_category k ON k.id = c.category_id"
                        " ORDER BY c.id").fetchall()
    assert len(cases) == residents * 60 // 1000
    assert {c["state"] for c in cases} == CASE_STATES
    assert {c["source"] for c in cases} == {"grid_worker", "resident", "hotline", "open311"}
    leaves = {r[0] for r in con.execute("SELECT code FROM case_category k WHERE active = 1 AND NOT EXISTS"
                                        " (SELECT 1 FROM case_category s WHERE s.parent_id = k.id AND s.active = 1)")}
    assert {c["code"] for c in cases} == leaves
    assert {"help_errand", "help_escort", "help_repair", "help_counsel", "help_other"} <= leaves
    now = con.execute("SELECT at FROM audit_log WHERE action = 'demo.generated'").fetchone()[0]
    paths = {r[0]: r[1] for r in con.execute("SELECT id, path FROM org")}
    levels = {r[0]: r[1] for r in con.execute("SELECT id, level FROM org")}
    overdue = escalated = 0
    for c in cases:
        events = con.execute("SELECT * FROM case_event WHERE case_id = ? ORDER BY id", (c["id"],)).fetchall()
        assert events[0]["action"] == "report" and events[0]["from_state"] is None
        assert events[0]["to_state"] == "reported" and events[0]["at"] == c["created_at"]
        state, at, level, returns, stage_from, handled, closed = "reported", c["created_at"], 0, 0, c["created_at"], None, None
        escalations = con.execute("SELECT deadline, level, org_id, at FROM case_escalation WHERE case_id = ?"
                                  " ORDER BY at", (c["id"],)).fetchall()
        seen = []
        for e in events[1:]:
            assert e["at"] >= at and e["from_state"] == state, (c["tracking_code"], dict(e))
            at = e["at"]
            if e["action"].startswith("escalate_"):
                level += 1
                assert e["to_state"] == state and e["action"] == ("escalate_street", "escalate_district")[level - 1]
                hours = c[STAGE_HOURS[state]]
                deadline = stage_from + hours * 3600
                assert at > deadline + (hours * 3600 if level == 2 else 0)
                seen.append((deadline, level, at))
                continue
            assert CASE_MOVES.get((state, e["action"])) == e["to_state"], (c["tracking_code"], dict(e))
            state, stage_from, level = e["to_state"], at, 0
            returns += e["action"] == "return"
            handled = at if e["action"] == "handle" else handled
            closed = at if e["action"] == "close" else closed
        assert state == c["state"] and at == c["updated_at"] <= now and c["created_at"] >= now - 366 * 86400
        assert (c["returns"], c["handled_at"], c["closed_at"], c["version"]) == (returns, handled, closed, len(events))
        assert (c["rating"] is not None) == (state == "rated")
        assert [(d, lv, t) for d, lv, _, t in escalations] == seen
        for _, lv, org, _ in escalations:  # the street, then the district, above the case's node
            assert str(org) in paths[c["org_id"]].split("/") and levels[org] == ("street", "district")[lv - 1]
        assert c["escalation_level"] == level and (c["escalated_org_id"] is None) == (level == 0)
        hours = c[STAGE_HOURS[state]] if state in STAGE_HOURS else 0
        assert c["stage_deadline"] == (stage_from + hours * 3600 if hours else None)
        total = sum(c[k] for k in ("accept_hours", "dispatch_hours", "claim_hours", "handle_hours", "verify_hours"))
        assert c["close_due_at"] == c["created_at"] + total * 3600
        dispatched = state not in ("reported", "accepted", "rejected")
        assert (c["handler_org_id"] is not None) == dispatched
        assert c["is_public"] == 1 if c["source"] in ("resident", "open311") else \
            c["is_public"] == 0 or c["source"] == "hotline"  # staff publish a hotline case now and then
        overdue += c["stage_deadline"] is not None and c["stage_deadline"] < now
        escalated += c["escalation_level"] > 0
    assert overdue > 0 and escalated > 0
    assert {r[0] for r in con.execute("SELECT DISTINCT rating FROM casefile WHERE rating IS NOT NULL")} \
        == {"满意", "基本满意", "不满意"}
    assert con.execute("SELECT COUNT(*) FROM casefile WHERE source = 'hotline' AND is_public = 1").fetchone()[0] > 0
    assert con.execute("SELECT COUNT(*) FROM casefile WHERE returns > 0").fetchone()[0] > 0
    assert con.execute("SELECT COUNT(*) FROM case_photo").fetchone()[0] == 0
    # The kept figures are the recount.
    sql = open(os.path.join(ROOT, "schema", "005_casework_days.sql"), encoding="utf-8").read()
    backfill = sql[sql.index("INSERT INTO case_day"):]
    cols = [r[1] for r in con.execute("PRAGMA table_info(case_day)")]
    nonzero = " OR ".join(f"{c} <> 0" for c in cols[2:])
    kept = con.execute(f"SELECT * FROM case_day WHERE {nonzero} ORDER BY org_id, day").fetchall()
    con.close()
    scratch = sqlite3.connect(":memory:")
    scratch.execute("ATTACH DATABASE ? AS live", (f"file:{db}?mode=ro",))
    scratch.execute("CREATE TABLE case_day AS SELECT * FROM live.case_day WHERE 0")
    for t in ("casefile", "case_event", "org"):
        scratch.execute(f"CREATE TEMP VIEW {t} AS SELECT * FROM live.{t}")
    scratch.execute(backfill.replace("INSERT INTO case_day", "INSERT INTO main.case_day"))
    recount = scratch.execute(f"SELECT * FROM case_day WHERE {nonzero} ORDER BY org_id, day").fetchall()
    scratch.close()
    assert len(kept) > 0 and [tuple(r) for r in kept] == [tuple(r) for r in recount]
# ---- end demo cases ----


def teams(db):
    """Every street with residents has a volunteer team and a service team; a year of weekly activities whose
    hours are verified but the last fortnight's, some volunteers reaching a star (100 hours, the demo norm); the
    service teams visit part of their street's non-public enterprises each month."""
    con = sqlite3.connect(db)
    kinds = dict(con.execute("SELECT kind, COUNT(*) FROM team GROUP BY kind").fetchall())
    assert kinds["volunteer"] == kinds["service"] > 0
    weeks = con.execute("SELECT COUNT(*) FROM team_activity a JOIN team t ON t.id = a.team_id"
                        " GROUP BY a.team_id").fetchall()
    assert {n for (n,) in weeks} == {52} and len(weeks) == kinds["volunteer"]
    verified, waiting = con.execute("SELECT SUM(verified_at IS NOT NULL), SUM(verified_at IS NULL) FROM team_signup"
                                    " WHERE checkout_at IS NOT NULL").fetchone()
    assert verified > 10 * waiting > 0
    # No sign-up counts more than its activity's time.
    assert con.execute("SELECT COUNT(*) FROM team_signup s JOIN team_activity a ON a.id = s.activity_id"
                       " WHERE s.minutes * 60 > a.ends_at - a.starts_at").fetchone()[0] == 0
    starred = con.execute("SELECT COUNT(*) FROM (SELECT person_id FROM team_signup WHERE verified_at IS NOT NULL"
                          " GROUP BY person_id HAVING SUM(minutes) >= 100 * 60) x").fetchone()[0]
    assert 0 < starred <= 2 * kinds["volunteer"]
    months = con.execute("SELECT COUNT(DISTINCT month) FROM enterprise_visit").fetchone()[0]
    assert months == 12
    enterprises = con.execute("SELECT COUNT(*) FROM unit WHERE type = 'non_public_enterprise'").fetchone()[0]
    this_month = con.execute("SELECT COUNT(DISTINCT unit_id) FROM enterprise_visit WHERE month ="
                             " (SELECT MAX(month) FROM enterprise_visit)").fetchone()[0]
    assert 0 < this_month < enterprises
def service_report(db):
    """双报到 for the whole city: units reported (most received, with the year's agreement), every registered
    in-service member reported, one in ten still pending (and so not registered), a year of records with most
    verified, and the past quarters' cards sent to the member's employer party organisation, most acknowledged."""
    con = sqlite3.connect(db)
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    units, received = one("SELECT COUNT(*), SUM(state = 'received') FROM unit_report")
    # Units of their own, one a district at least, reported where members live (other families' demos make
    # agencies, social organisations and enterprises besides).
    made = one("SELECT COUNT(*) FROM unit")[0]
    assert 6 <= units <= made and 0 < received < units  # most of the twelve districts' units
    assert one("SELECT COUNT(*) FROM unit_agreement")[0] == received
    in_service = one("SELECT COUNT(*) FROM party_member WHERE in_service = 1")[0]
    reported, pending = one("SELECT SUM(state = 'reported'), SUM(state = 'pending') FROM member_report")
    assert reported + pending == in_service and 0 < pending < reported
    # The registered community is the reported one's, and only that.
    assert one("SELECT COUNT(*) FROM party_member m LEFT JOIN member_report r ON r.person_id = m.person_id"
               " AND r.state = 'reported' WHERE m.in_service = 1"
               " AND COALESCE(m.registered_org_id, 0) <> COALESCE(r.org_id, 0)")[0] == 0
    # The employer party organisation is the member's employer's.
    assert one("SELECT COUNT(*) FROM member_report r JOIN party_org po ON po.id = r.employer_party_org_id"
               " WHERE po.unit_id <> r.employer_unit_id")[0] == 0
    records, verified = one("SELECT COUNT(*), SUM(verified_at IS NOT NULL) FROM service_record")
    assert records > 10 * reported and 0.6 * records < verified < records
    # No member's records of a day overlap.
    assert one("SELECT COUNT(*) FROM service_record a JOIN service_record b ON a.person_id = b.person_id"
               " AND a.served_on = b.served_on AND a.id < b.id AND a.start_min < b.end_min"
               " AND b.start_min < a.end_min")[0] == 0
    cards, acked = one("SELECT COUNT(*), SUM(acknowledged_at IS NOT NULL) FROM service_card")
    import datetime
    month = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).month
    assert cards == reported * ((month - 1) // 3)
    assert cards == 0 or 0 < acked < cards
    con.close()


def assessment(db):
    """The city's plans for the year, one per class present, each with a tree of at least 30 scored leaves,
    mostly from the records, some entered with evidence, a bonus and a veto; each with a published run over every
    unit of its class, the street plan with a later run not published."""
    con = sqlite3.connect(db)
    classes = {"district": "level = 'district'", "street": "level = 'street' AND kind = 'street'",
               "township": "level = 'street' AND kind IN ('town', 'township')",
               "community": "level = 'community' AND kind = 'community'",
               "village": "level = 'community' AND kind = 'village'"}
    plans = con.execute("SELECT id, org_id, class FROM assess_plan ORDER BY id").fetchall()
    present = [c for c, cond in classes.items() if con.execute(f"SELECT COUNT(*) FROM org WHERE {cond}").fetchone()[0]]
    assert [p[2] for p in plans] == present and {p[1] for p in plans} == {1}
    for plan, _, cls in plans:
        leaves = dict(con.execute("SELECT method, COUNT(*) FROM assess_indicator WHERE plan_id = ? AND method IS NOT NULL"
                                  " GROUP BY method", (plan,)).fetchall())
        scored = sum(n for m, n in leaves.items() if m not in ("bonus", "veto"))
        assert scored >= 30 and leaves["bonus"] >= 1 and leaves["veto"] >= 1, leaves
        entered, records = con.execute("SELECT SUM(source = 'entered'), SUM(source <> 'entered') FROM assess_indicator"
                                       " WHERE plan_id = ? AND source IS NOT NULL", (plan,)).fetchone()
        assert 0 < entered < records
        units = con.execute(f"SELECT COUNT(*) FROM org WHERE {classes[cls]}").fetchone()[0]
        assert con.execute("SELECT COUNT(*) FROM assess_entry WHERE plan_id = ? AND evidence <> ''",
                           (plan,)).fetchone()[0] == units * entered
        runs = con.execute("SELECT id, version, state FROM assess_run WHERE plan_id = ? ORDER BY version",
                           (plan,)).fetchall()
        assert [(v, s) for _, v, s in runs] == ([(1, "published"), (2, "computed")] if cls == "street"
                                                else [(1, "published")])
        published = runs[0][0]
        assert con.execute("SELECT published_run_id FROM assess_plan WHERE id = ?", (plan,)).fetchone()[0] == published
        n, best, top = con.execute("SELECT COUNT(*), MIN(rank), MAX(total) FROM assess_result WHERE run_id = ?",
                                   (published,)).fetchone()
        assert n == units and best == 1 and 0 < top <= 10500
        # A source over the subtree is folded from the records' nodes up to each unit: every
        # unit holds party organisations (the communities' 党委), each led by its node's 书记.
        party = con.execute("SELECT s.numbers FROM assess_score s JOIN assess_indicator i ON i.id = s.indicator_id"
                            " WHERE s.run_id = ? AND i.source = 'party_orgs.with_secretary_rate'",
                            (published,)).fetchall()
        assert len(party) == units
        assert all(json.loads(x)["party_orgs"] >= 1 and json.loads(x)["with_secretary"] == json.loads(x)["party_orgs"]
                   for (x,) in party)
    con.close()


# ---- 党建品牌 and 荣誉 ----
def honours(db):
    """The city's brands (一线为民工作法 its own, 财富广场楼宇党建 in 蜀山, 温暖快递 in 包河, a dozen more at communities of
    the districts) and honours every year to the assessment's: 2 national ones in 2016 and 2021 (全国先进基层党组织 of
    a community's party organisation, 全国优秀共产党员 a community secretary), 2 provincial, 6 city and 3 per district
    a year, whatever the residents; the kept figures are those counts; the demo plans' honours bonus item counts
    the year's honours of each unit's subtree."""
    con = sqlite3.connect(db)
    year = int(con.execute("SELECT MAX(year) FROM assess_plan").fetchone()[0])
    brands = dict(con.execute("SELECT b.name, o.path FROM brand b JOIN org o ON o.id = b.org_id").fetchall())
    district = dict(con.execute("SELECT name, path FROM org WHERE level = 'district'").fetchall())
    assert len(brands) >= 15 and brands["一线为民工作法"] == con.execute("SELECT path FROM org WHERE id = 1").fetchone()[0]
    assert brands["财富广场楼宇党建"].startswith(district["蜀山区"]) and brands["温暖快递"].startswith(district["包河区"])
    n = len(district)
    figures = {(y, f): t for y, f, t in con.execute("SELECT year, figure, total FROM year_figure WHERE org_id = 1"
                                                    " AND (figure LIKE 'honour.%' OR figure LIKE 'brand.%')")}
    for y in range(2012, year + 1):
        want = {"provincial": 2, "city": 6, "district": 3 * n, "national": 2 if y in (2016, 2021) else 0}
        got = {lv: figures.get((y, f"honour.{lv}"), 0) for lv in want}
        assert got == want, (y, got)
    assert sum(t for (y, f), t in figures.items() if f == "brand.created") == len(brands)
    nat = con.execute("SELECT h.title, h.person_id IS NULL, h.party_org_id IS NULL, EXISTS (SELECT 1 FROM cadre c"
                      " WHERE c.person_id = h.person_id AND c.post = '书记') FROM honour h WHERE h.level = 'national'"
                      " ORDER BY h.year, h.title").fetchall()
    assert nat == [("全国优秀共产党员", 0, 1, 1), ("全国先进基层党组织", 1, 0, 0)] * 2
    # The district plan's honours item: the year's honours of the subtrees, every district holding some.
    measures = [m for (m,) in con.execute(
        "SELECT s.measure FROM assess_score s JOIN assess_indicator i ON i.id = s.indicator_id JOIN assess_plan p"
        " ON p.id = i.plan_id AND p.class = 'district' JOIN assess_run r ON r.id = s.run_id AND r.version = 1"
        " WHERE i.source = 'honours.all'")]
    assert len(measures) == n and all(m >= 3 for m in measures)
    assert sum(measures) == con.execute("SELECT COUNT(*) FROM honour WHERE year = ?", (year,)).fetchone()[0]
    con.close()
# ---- end 党建品牌 and 荣誉 ----


def test_demo_refuses_postgres_with_a_pointer():
    """On PostgreSQL demo refuses before touching anything and says how to get a demo city there."""
    p = run_cli("demo", "--db", "postgresql://nobody@127.0.0.1:1/none", "--residents", "3000", check=False)
    assert p.returncode == 1 and "SQLite" in p.stderr and "copy-data" in p.stderr


_pg_demo = {}  # (cluster port, residents, seed) -> a database copy-data filled, kept untouched as a template


def demo_city_file(residents, seed):
    """A copy of its own of the SQLite file `jiceng init`, `import-divisions` and `demo --residents
    residents --seed seed` fill (fresh_db, then demo), whatever the backend: made once per residents
    and seed in a test run, whatever process asks first."""
    made = os.path.join(os.environ["JICENG_DEMO_CACHE"], f"demo-{residents}-{seed}.db")
    with open(made + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process makes it; the others wait for it
        if not os.path.exists(made + ".done"):
            for suffix in ("", "-wal", ".key"):
                if os.path.exists(made + suffix):
                    os.remove(made + suffix)  # what a process that died making it left
            run_cli("init", "--db", made, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
            run_cli("import-divisions", "--db", made, DIVISIONS)
            run_cli("demo", "--db", made, "--residents", str(residents), "--seed", str(seed))
            open(made + ".done", "w").close()
    lite = os.path.join(tempfile.mkdtemp(prefix="jiceng-demo-"), "demo.db")
    for suffix in ("", "-wal", ".key"):
        if os.path.exists(made + suffix):
            shutil.copy(made + suffix, lite + suffix)
    return lite


def demo_city(residents, seed):
    """A demo city in the backend under test, a copy of its own: demo fills an SQLite file
    (demo_city_file), and on PostgreSQL copy-data moves it there (as docs/operations.md says) once
    per test process, each caller getting a copy of that database (CREATE DATABASE ... TEMPLATE)."""
    lite = demo_city_file(residents, seed)
    if backend.BACKEND == "sqlite":
        return lite
    key = (backend.cluster().port, residents, seed)  # a cluster started anew holds none of the old ones
    if key not in _pg_demo:
        kept = backend.new_database(tempfile.mkdtemp(prefix="jiceng-demo-pg-"), "demo-pg")
        run_cli("copy-data", "--from", "sqlite:" + lite, "--to", kept)
        _pg_demo[key] = kept
    return backend.copy_database(_pg_demo[key], os.path.dirname(lite), "demo-pg")


def test_demo_city_has_no_coverage_gaps_and_locates():
    s = Server(db=demo_city(3000, 3))
    try:
        admin = s.admin()
        cov = admin.get("/api/v1/orgs/1/coverage").json()
        # 2,844 grid-level party organisations in the city: the other grids have none.
        for key in ("households_without_grid", "grids_without_worker",
                    "buildings_outside_grid", "overlapping_grids", "communities_without_grids", "grids_without_outline"):
            assert cov[key]["count"] == 0, (key, cov[key])
        con = backend.connect(s.db)
        bid, geo = con.execute("SELECT o.id, g.geojson FROM org o JOIN org_geometry g ON g.org_id = o.id"
                               " WHERE o.level = 'building' ORDER BY o.id LIMIT 1").fetchone()
        grid = con.execute("SELECT parent_id FROM org WHERE id = ?", (bid,)).fetchone()[0]
        con.close()
        import json
        lng, lat = json.loads(geo)["coordinates"]
        assert admin.get("/api/v1/locate", params={"lng": lng, "lat": lat}).json()["grid"]["id"] == grid
        # The demo's grids keep the outline rules (no overlap with any grid, of any community):
        # each of a few communities' grids, stored again as they are, is taken.
        con = backend.connect(s.db)
        grids = con.execute("SELECT g.org_id, g.geojson FROM org_geometry g JOIN org o ON o.id = g.org_id"
                            " WHERE o.level = 'grid' ORDER BY o.id LIMIT 30").fetchall()
        con.close()
        assert len(grids) == 30
        for gid, outline in grids:
            r = admin.request("PUT", f"/api/v1/orgs/{gid}/geometry", json=json.loads(outline))
            assert r.status_code == 200, (gid, r.text)
        stats = admin.get("/api/v1/orgs/1/stats").json()
        assert stats["people"]["residents"] == 3000 and stats["figures"]["grid_party_orgs"] == 2844
        assert stats["figures"]["grids"] == cov["grids_without_party_branch"]["count"] + 2844
        # Every norm key has a demo value in force at a grid, one of them the grid's district's own.
        now = admin.get("/api/v1/norms/effective", params={"org": grid, "year": 2026}).json()["items"]
        assert all(i["norm"] is not None for i in now), now
        district = admin.get("/api/v1/orgs", params={"level": "district", "limit": 1}).json()["items"][0]
        there = admin.get("/api/v1/norms/effective", params={"org": district["id"], "year": 2026}).json()["items"]
        assert {(i["key"], i["norm"]["org_id"]) for i in there if i["norm"]["org_id"] != 1} == \
            {("inservice.hours_min", district["id"])}
        # ---- duty lists (责任清单) ----
        # Every district and street secretary has this year's list, their states spread, items done and overdue;
        # the figures are what the rows say.
        con = backend.connect(s.db)
        year = int(con.execute("SELECT MIN(year) FROM duty_list").fetchone()[0])
        nodes = con.execute("SELECT COUNT(*) FROM org WHERE level IN ('district', 'street')").fetchone()[0]
        listed = con.execute("SELECT COUNT(DISTINCT l.org_id) FROM duty_list l JOIN org o ON o.id = l.org_id"
                             " JOIN cadre c ON c.id = l.cadre_id AND c.org_id = l.org_id AND c.post = '书记'"
                             " WHERE o.level IN ('district', 'street') AND l.year = ?", (year,)).fetchone()[0]
        states = {r[0] for r in con.execute("SELECT DISTINCT state FROM duty_list")}
        done, issued = con.execute("SELECT SUM(done), SUM(CASE WHEN common_id IS NULL THEN 0 ELSE 1 END)"
                                   " FROM duty_item").fetchone()
        reviews = con.execute("SELECT COUNT(*) FROM duty_review").fetchone()[0]
        con.close()
        assert listed == nodes > 0 and states == {"draft", "review", "signed", "published"}
        assert done > 0 and issued > 0 and reviews > 0
        f = admin.get("/api/v1/duty-figures", params={"org": 1, "year": year}).json()
        assert f["lists"] == nodes and f["items_done"] == done and f["items_overdue"] > 0
        # notices (调度通报): the city's to the whole city, partly read and replied, some overdue.
        issued = admin.get("/api/v1/notices", params={"org": 1, "limit": 200}).json()["items"]
        city = next(n for n in issued if n["org_id"] == 1 and n["recipients"] == 1945)
        counts = admin.get(f"/api/v1/notices/{city['id']}").json()["counts"]
        assert 0 < counts["replied"] < counts["read"] < counts["recipients"], counts
        assert {n["org_level"] for n in issued} == {"city", "district"} and len(issued) == 5
        figures = admin.get("/api/v1/notice-figures", params={"org": 1}).json()
        assert 0 < figures["overdue"] < figures["unreplied"] < figures["receipts"], figures
        # ---- 述职评议: a closed session per district, street secretaries counted and confirmed ----
        sessions = admin.get("/api/v1/review-sessions", params={"org": 1, "limit": 50}).json()
        districts = admin.get("/api/v1/orgs", params={"level": "district", "limit": 50}).json()["items"]
        assert sorted(x["org_id"] for x in sessions["items"]) == sorted(x["id"] for x in districts)
        assert {x["state"] for x in sessions["items"]} == {"closed"}
        one = admin.get(f"/api/v1/review-sessions/{sessions['items'][0]['id']}").json()
        assert one["reporter_list"] and len(one["roster"]) == 40
        for r in one["reporter_list"]:
            res = r["result"]
            assert r["final_grade"] == r["proposed_grade"] == res["proposed"] and r["org_level"] == "street"
            assert res["ballots"] == sum(res["distribution"].values()) == r["voted"] <= 40
        graded = {r["final_grade"] for x in sessions["items"]
                  for r in admin.get(f"/api/v1/review-sessions/{x['id']}").json()["reporter_list"]}
        assert {"good", "fairly_good", "average"} <= graded
        # ---- rectification problems (问题清单) and inspections ----
        # Each district's 明查, 暗访 and 日常督查, 暗访 published and not; problems from them in every state, some
        # overdue under 督办 at both levels; the city's figures are what the rows say.
        con = backend.connect(s.db)
        kinds = set(con.execute("SELECT type, published_at IS NOT NULL FROM inspection").fetchall())
        states = {r[0] for r in con.execute("SELECT DISTINCT state FROM problem")}
        levels = {r[0] for r in con.execute("SELECT DISTINCT supervise_level FROM problem")}
        pyear = int(con.execute("SELECT MIN(year) FROM problem").fetchone()[0])
        rows = con.execute("SELECT COUNT(*), SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) FROM problem"
                           " WHERE year = ?", (pyear,)).fetchone()
        con.close()
        assert {(k, int(p)) for k, p in kinds} == {("open", 1), ("daily", 1), ("covert", 0), ("covert", 1)}
        assert states == {"pending", "fixing", "applied", "closed"} and levels == {0, 1, 2}
        f = admin.get("/api/v1/problem-figures", params={"org": 1, "year": pyear}).json()
        assert (f["problems"], f["closed"]) == (rows[0], rows[1]) and f["overdue"] > 0
        # ---- end rectification problems ----
        # 结对共建: a share of the communities paired with city and district agencies, items in every state; the
        # city's figures are the rows'. Purchased services: contracts with tagged beneficiaries and a year's visits.
        con = backend.connect(s.db)
        year = int(con.execute("SELECT MIN(year) FROM pairing").fetchone()[0])
        items = dict(con.execute("SELECT state, COUNT(*) FROM pairing_item GROUP BY state").fetchall())
        pairs, levels = con.execute("SELECT COUNT(*), COUNT(DISTINCT a.level) FROM pairing p JOIN unit u"
                                    " ON u.id = p.unit_id JOIN org a ON a.id = u.org_id").fetchone()
        comms = con.execute("SELECT COUNT(*) FROM org WHERE level = 'community'").fetchone()[0]
        contracts, visits, fen = con.execute("SELECT COUNT(DISTINCT c.id), COUNT(v.id), (SELECT SUM(amount_fen) FROM"
                                             " service_contract) FROM service_contract c LEFT JOIN service_visit v"
                                             " ON v.contract_id = c.id").fetchone()
        lonely = con.execute("SELECT COUNT(*) FROM service_beneficiary b WHERE NOT EXISTS (SELECT 1 FROM person_tag t"
                             " WHERE t.person_id = b.person_id AND t.tag IN ('elderly_alone', 'empty_nest', 'disabled'))"
                             ).fetchone()[0]
        con.close()
        assert set(items) == {"open", "done", "confirmed"} and levels == 2 and 0.2 * comms < pairs < 0.5 * comms
        f = admin.get("/api/v1/pairing-figures", params={"org": 1, "year": year}).json()
        assert (f["pairings"], f["items"], f["items_done"]) == (pairs, sum(items.values()),
                                                                items["done"] + items["confirmed"]) and f["items_overdue"] > 0
        f = admin.get("/api/v1/contract-figures", params={"org": 1, "year": year}).json()
        assert (f["contracts"], f["delivered_visits"], f["amount_fen"]) == (contracts, visits, fen) and contracts > 0
        assert 0 < f["visit_rate"] < 1 and 3 <= f["satisfaction"] <= 5 and lonely == 0
        # 责任落实: the dashboard's figures of the city, a district and a street are not empty.
        resp = admin.get("/api/v1/responsibility-figures", params={"org": 1, "year": pyear}).json()
        assert min(resp["duty"]["lists_signed"], resp["duty"]["items_done"], resp["problem"]["closed"],
                   resp["inspection"]["inspections"], resp["inspection"]["findings"], resp["notice"]["unread"]) > 0, resp
        district = max(resp["inspection"]["children"], key=lambda c: c["findings"])
        assert district["findings"] > 0 and district["inspections"] > 0
        reviewed = admin.get("/api/v1/responsibility-figures", params={"org": district["org_id"], "year": pyear - 1}).json()
        assert reviewed["review"]["reporters"] > 0 and 0 < reviewed["review"]["turnout"] <= 1, reviewed["review"]
        street = max(reviewed["review"]["children"], key=lambda c: c["voted"])
        assert street["reporters"] == 1 and street["voted"] > 0
        # service posts and 微心愿: posts in communities with members, never over capacity; wishes in every state;
        # a service record for each attendance and confirmation; a community's board shows its published wishes.
        con = backend.connect(s.db)
        over = con.execute("SELECT COUNT(*) FROM service_post s WHERE s.claimed > s.capacity OR s.claimed <>"
                           " (SELECT COUNT(*) FROM post_claim c WHERE c.post_id = s.id AND c.state <> 'withdrawn')"
                           ).fetchone()[0]
        wstates = {r[0] for r in con.execute("SELECT DISTINCT state FROM wish")}
        posts, attended = con.execute("SELECT COUNT(*), (SELECT COUNT(*) FROM post_claim WHERE state = 'attended')"
                                      " FROM service_post").fetchone()
        records = dict(con.execute("SELECT source, COUNT(*) FROM service_record WHERE source IN ('post', 'wish')"
                                   " GROUP BY source").fetchall())
        code, published = con.execute("SELECT o.code, COUNT(*) FROM wish w JOIN org g ON g.id = w.org_id"
                                      " JOIN org o ON o.level = 'community' AND g.path LIKE o.path || '%'"
                                      " WHERE w.state = 'published' GROUP BY o.code ORDER BY COUNT(*) DESC, o.code"
                                      " LIMIT 1").fetchone()
        con.close()
        assert over == 0 and posts > 0 and attended > 0 and records.get("post", 0) > 0 and records.get("wish", 0) > 0
        assert wstates == {"collecting", "checking", "published", "claimed", "fulfilled", "confirmed", "archived",
                           "cancelled"}, wstates
        board = s.client().get("/api/v1/public/wishes", params={"code": code}).json()
        assert board["total"] == published and all("*" in (i["beneficiary"] or "*") for i in board["items"])
        # The city's wish figures of the year are the rows' recount: the year's wishes by state, and the days from
        # publication to fulfilment (Shanghai days) of those fulfilled in it, their mean and median.
        year = datetime.date.today().year
        y0 = (datetime.date(year, 1, 1) - datetime.date(1970, 1, 1)).days * 86400 - 8 * 3600
        y1 = (datetime.date(year + 1, 1, 1) - datetime.date(1970, 1, 1)).days * 86400 - 8 * 3600
        con = backend.connect(s.db)
        by_state = dict(con.execute("SELECT state, COUNT(*) FROM wish WHERE created_at >= ? AND created_at < ?"
                                    " GROUP BY state", (y0, y1)).fetchall())
        done = con.execute("SELECT fulfilled_on, published_at FROM wish WHERE fulfilled_on >= ? AND fulfilled_on < ?"
                           " AND published_at IS NOT NULL", (f"{year}-01-01", f"{year + 1}-01-01")).fetchall()
        con.close()
        days = sorted(max(0, (datetime.date.fromisoformat(str(f)[:10]) - datetime.date(1970, 1, 1)).days
                          - (pub + 8 * 3600) // 86400) for f, pub in done)
        wf = admin.get("/api/v1/claims-figures", params={"org": 1, "year": year}).json()
        assert {k[len("wishes_"):]: v for k, v in wf.items() if k.startswith("wishes_") and v} == by_state
        assert wf["fulfilled_in_year"] == len(days) > 2
        assert wf["fulfil_days_mean"] == pytest.approx(sum(days) / len(days))
        mid = len(days) // 2
        assert wf["fulfil_days_median"] == (days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2)
        page = admin.get("/api/v1/persons", params={"org": grid, "limit": 50}).json()["items"]
        assert page and all("*" in p["id_card"] for p in page)
        # The stored ciphertexts decrypt to the masked values, and the lookup hash finds them.
        for p in page[:5]:
            idc = admin.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "id_card", "reason": "演示核对"}).json()["value"]
            assert len(idc) == 18 and idc[:4] + "*" * 13 + idc[17:] == p["id_card"]
            assert p["birth_year"] == int(idc[6:10]) and p["gender"] == "MF"[int(idc[16]) % 2 == 0]
            found = admin.get("/api/v1/persons", params={"id_card": idc}).json()["items"]
            assert [x["id"] for x in found] == [p["id"]]
            # The generator's tail hashes are the server's: the search by tail finds them.
            tails = admin.get("/api/v1/persons", params={"org": grid, "id_tail": idc[-4:], "limit": 200}).json()
            assert p["id"] in [x["id"] for x in tails["items"]]
            phone = admin.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "phone", "reason": "演示核对"}).json()["value"]
            assert len(phone) == 11 and phone[:3] + "****" + phone[7:] == p["phone"]
    finally:
        assert s.close() == 0


def test_killed_demo_leaves_the_empty_city():
    db = fresh_db()
    before = fingerprint(db)
    # Killed while it rebuilds the indexes: everything it wrote is undone on the next open.
    p = subprocess.Popen([BIN, "demo", "--db", db, "--residents", "50000", "--seed", "5"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    p.kill()
    p.wait()
    assert_clean(line + p.stderr.read(), "jiceng demo (killed)")  # up to the kill
    p.stderr.close()
    assert line.startswith("residents: 50000 in "), line
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM person").fetchone()[0] == 0
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert fingerprint(db) == before
    run_cli("demo", "--db", db, "--residents", "3000", "--seed", "5")
    run_cli("audit", "verify", "--db", db)


def test_demo_accounts_are_a_member_and_a_resident_of_one_community():
    """--accounts-file: a party member's and a resident's own accounts (person_id), each with
    its grant at the community they live in, passwords only in the 0600 file."""
    db = fresh_db()
    accounts = os.path.join(os.path.dirname(db), "demo-accounts.txt")
    run_cli("demo", "--db", db, "--residents", "3000", "--seed", "7", "--accounts-file", accounts)
    assert os.stat(accounts).st_mode & 0o777 == 0o600
    creds = dict(line.split() for line in open(accounts) if line.strip() and not line.startswith("#"))
    assert set(creds) == {"demo.member", "demo.resident"}
    con = sqlite3.connect(db)
    rows = {u: (pid, org) for u, pid, org in con.execute(
        "SELECT u.username, u.person_id, g.org_id FROM app_user u JOIN user_grant g ON g.user_id = u.id"
        " WHERE u.person_id IS NOT NULL")}
    member, resident = rows["demo.member"], rows["demo.resident"]
    assert member[1] == resident[1]
    assert con.execute("SELECT in_service FROM party_member WHERE person_id = ?", (member[0],)).fetchone() == (1,)
    assert con.execute("SELECT COUNT(*) FROM party_member WHERE person_id = ?", (resident[0],)).fetchone() == (0,)
    assert con.execute("SELECT household_id IS NOT NULL FROM person WHERE id = ?", (resident[0],)).fetchone() == (1,)
    con.close()
    with open(db, "rb") as f:
        stored = f.read()
    assert all(pw.encode() not in stored for pw in creds.values())  # only their hashes are kept
    s = Server(db=db)
    try:
        c = s.client()
        c.login("demo.member", creds["demo.member"])
        me = c.get("/api/v1/auth/me").json()["user"]
        assert me["person_id"] == member[0] and [g["role"] for g in me["grants"]] == ["party_member"]
    finally:
        s.close()


# ---- 组织生活: dues ----
def dues(db):
    """党费: every member declared for the last twelve months' years, amounts by the 2008 steps (a step on the whole
    base, bounds inclusive), the twelve months before this one opened for every branch, most paid, some members seven
    months in arrears (the arrears list's), a few extra payments of which those of 1,200 yuan go upward."""
    con = sqlite3.connect(db)
    members = con.execute("SELECT COUNT(*) FROM party_member").fetchone()[0]
    years = con.execute("SELECT COUNT(DISTINCT year) FROM dues_declaration").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM dues_declaration").fetchone()[0] == members * years
    steps = [(300000, 50), (500000, 100), (1000000, 150), (None, 200)]
    for base, monthly in con.execute("SELECT base_fen, monthly_fen FROM dues_declaration WHERE category = 'in_service'"):
        bp = next(r for b, r in steps if b is None or base <= b)
        assert monthly == (base * bp + 5000) // 10000, (base, monthly)
    assert set(r for (r,) in con.execute("SELECT DISTINCT monthly_fen FROM dues_declaration"
                                         " WHERE category IN ('student', 'unemployed', 'dibao')")) == {20}
    months = con.execute("SELECT COUNT(DISTINCT month) FROM dues_month").fetchone()[0]
    assert months == 12
    due, paid = con.execute("SELECT SUM(due_fen), SUM(paid_fen) FROM dues_month").fetchone()
    assert 0.9 * due < paid < due
    last7 = [m for (m,) in con.execute("SELECT DISTINCT month FROM dues_month ORDER BY month DESC LIMIT 7")]
    long = con.execute("SELECT COUNT(*) FROM (SELECT person_id FROM dues_month WHERE month >= ? AND paid_fen = 0"
                       " GROUP BY person_id HAVING COUNT(*) = 7)", (last7[-1],)).fetchone()[0]
    assert 0 < long < 0.06 * members
    assert con.execute("SELECT COUNT(*) FROM dues_extra WHERE upward = 1 AND amount_fen >= 100000").fetchone()[0] == \
        con.execute("SELECT COUNT(*) FROM dues_extra WHERE amount_fen >= 100000").fetchone()[0] > 0
    con.close()
# ---- end 组织生活: dues ----
