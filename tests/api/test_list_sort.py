"""Every list answers its total (共 N 条), counted up to --list-total-cap, and lists sort by the columns their
operation declares (?sort=name, ?sort=-name), keyset pages walking the sorted order with an opaque cursor."""
import base64

import pytest

from conftest import Server, error_of, walk_list as walk

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"
HOURS = {"accept_hours": 1, "dispatch_hours": 8, "claim_hours": 4, "handle_hours": 48, "verify_hours": 24}


def id_card(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


# Residents of this test: names that repeat (ties broken by id) and birth years in no order.
PEOPLE = [("林", 1977), ("张", 1961), ("林", 1990), ("陈", 1961), ("白", 1983), ("张", 1977), ("周", 1955)]


@pytest.fixture(scope="module")
def world():
    s = Server(extra_args=["--list-total-cap", "5"])
    admin = s.admin()
    longju, tianhai = s.org_id(LONGJU), s.org_id(TIANHAIXIANG)
    people = []
    for i, (name, year) in enumerate(PEOPLE):
        r = admin.post("/api/v1/persons", json={"org_id": longju, "name": f"排序{name}",
                                                "id_card": id_card(f"340104{year}0712{i + 300:03d}")})
        assert r.status_code == 201, r.text
        people.append(r.json())
    r = admin.post("/api/v1/case-categories", json={"code": "sort_cat", "name_zh": "排序", "name_en": "sort",
                                                    "handler_kind": "org", **HOURS})
    assert r.status_code == 201, r.text
    for i in range(6):
        r = admin.post("/api/v1/cases", json={"category": "sort_cat", "title": f"排序{i}", "description": "d",
                                              "org_id": longju})
        assert r.status_code == 201, r.text
    for i, name in enumerate(["zeta", "alpha", "mid", "alpha2", "beta", "omega"]):
        s.make_user(admin, f"sort-{name}", "org_staff", longju if i % 2 else tianhai)
    # Party organisations, some without a founding date (a NULL sort key).
    for i, founded in enumerate(["2001-07-01", None, "1999-01-01", None, "2001-07-01", "2010-05-04"]):
        body = {"org_id": longju, "kind": "党支部", "name": f"排序支部{i}"}
        if founded:
            body["founded_on"] = founded
        r = admin.post("/api/v1/party-orgs", json=body)
        assert r.status_code == 201, r.text
    branch = r.json()["id"]
    for p in people[:6]:
        r = admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": branch,
                                                      "status": "正式", "joined_on": "2010-01-01"})
        assert r.status_code == 201, r.text
    mover = s.make_user(admin, "xfer-staff", "org_staff", tianhai)
    for i in range(6):
        r = mover.post("/api/v1/person-transfers", json={"id_card": id_card(f"340104{PEOPLE[i][1]}0712{i + 300:03d}"),
                                                         "to_org_id": tianhai, "reason": "搬家"})
        assert r.status_code == 201, r.text
    yield {"s": s, "admin": admin, "longju": longju, "tianhai": tianhai, "people": people}
    assert s.close() == 0, s.stderr


# (path, filters) of each custom list; each holds at most 5 rows with its filters (the cap), then more without.
CUSTOM = [
    ("/api/v1/persons", {"q": "排序林"}),
    ("/api/v1/cases", {"category": "sort_cat", "state": "reported"}),
    ("/api/v1/users", {"q": "sort-a"}),
    ("/api/v1/party-members", {}),
    ("/api/v1/person-transfers", {"status": "pending"}),
    ("/api/v1/audit", {"action": "person_transfer.requested"}),
]


@pytest.mark.parametrize("path,filters", CUSTOM, ids=[p for p, _ in CUSTOM])
def test_a_custom_list_answers_the_total_its_pages_walk(world, path, filters):
    admin = world["admin"]
    rows, totals = walk(admin, path, org=world["longju"] if path == "/api/v1/cases" else None, **filters)
    assert rows, path
    key = "person_id" if path == "/api/v1/party-members" else "id"
    assert len({r[key] for r in rows}) == len(rows)
    if len(rows) <= 5 or path == "/api/v1/party-members":
        # A subtree's members without a filter are its kept figure: exact, never capped.
        assert totals == {(len(rows), False)}, (path, totals)
    else:
        assert totals == {(5, True)}, (path, totals)


def test_capped_totals_above_the_cap(world):
    """With more rows than --list-total-cap (5) the filtered lists say 5 and capped."""
    admin = world["admin"]
    for path, params in [("/api/v1/persons", {"q": "排序"}), ("/api/v1/cases", {"category": "sort_cat"}),
                         ("/api/v1/users", {"q": "sort-"}), ("/api/v1/party-members", {"q": "排序"}),
                         ("/api/v1/person-transfers", {})]:
        rows, totals = walk(admin, path, limit=200, **params)
        if len(rows) > 5:
            assert totals == {(5, True)}, (path, len(rows), totals)
        else:
            assert totals == {(len(rows), False)}, (path, len(rows), totals)
    people, totals = walk(admin, "/api/v1/persons", limit=3, q="排序")
    assert len(people) == 7 and totals == {(5, True)}
    cases, totals = walk(admin, "/api/v1/cases", limit=3, category="sort_cat")
    assert len(cases) == 6 and totals == {(5, True)}
    users, totals = walk(admin, "/api/v1/users", limit=4, q="sort-")
    assert len(users) == 6 and totals == {(5, True)}


def test_the_unfiltered_party_members_total_is_the_kept_figure(world):
    """Party members without a filter: the subtree's kept figure, exact above the cap (5)."""
    admin = world["admin"]
    rows, totals = walk(admin, "/api/v1/party-members", limit=200)
    assert len(rows) > 5 and totals == {(len(rows), False)}


def test_the_unfiltered_residents_total_is_the_kept_figure(world):
    """No filter narrows the list: its total is the subtree's kept figure, exact even above the cap."""
    admin = world["admin"]
    stats = admin.get(f"/api/v1/orgs/{world['longju']}/stats")
    assert stats.status_code == 200, stats.text
    residents = stats.json()["people"]["residents"]
    rows, totals = walk(admin, "/api/v1/persons", limit=200, org=world["longju"])
    assert len(rows) == residents > 5
    assert totals == {(residents, False)}
    rows, totals = walk(admin, "/api/v1/persons", limit=3, org=world["longju"], q="排序张")
    assert len(rows) == 2 and totals == {(2, False)}


def expected(rows, column, desc, key="id"):
    """rows as the list sorts them: by column (NULLs last either way), then by id, in the direction."""
    have = sorted((r for r in rows if r[column] is not None), key=lambda r: (r[column], r[key]), reverse=desc)
    nulls = sorted((r for r in rows if r[column] is None), key=lambda r: r[key], reverse=desc)
    return [r[key] for r in have + nulls]


SORTED = [
    ("/api/v1/persons", "name", None, {"q": ""}),
    ("/api/v1/persons", "birth_year", None, {}),
    ("/api/v1/cases", "created_at", None, {"category": "sort_cat"}),
    ("/api/v1/cases", "stage_deadline", "stage_deadline_at", {"category": "sort_cat"}),
    ("/api/v1/users", "username", None, {"q": "sort-"}),
    ("/api/v1/party-orgs", "founded_on", None, {"q": "排序支部"}),
    ("/api/v1/party-orgs", "name", None, {"q": "排序支部"}),
    ("/api/v1/units", "name", None, {}),
]


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("path,sort,column,filters", SORTED, ids=[f"{p}?{s}" for p, s, _, _ in SORTED])
def test_a_sorted_walk_equals_the_rows_sorted(world, path, sort, column, filters, desc):
    admin = world["admin"]
    filters = {k: v for k, v in filters.items() if v}
    everything, _ = walk(admin, path, limit=200, org=world["longju"], **filters)
    if path == "/api/v1/units" and len(everything) < 3:
        for i, name in enumerate(["乙单位", "甲单位", "乙单位"]):
            r = admin.post("/api/v1/units", json={"org_id": world["longju"], "name": name, "type": "school"})
            assert r.status_code == 201, r.text
        everything, _ = walk(admin, path, limit=200, org=world["longju"], **filters)
    assert len(everything) >= 3
    rows, totals = walk(admin, path, limit=2, org=world["longju"], sort=("-" if desc else "") + sort, **filters)
    assert [r["id"] for r in rows] == expected(everything, column or sort, desc)
    assert len(totals) == 1


def test_null_keys_come_last_in_either_direction(world):
    admin = world["admin"]
    for sort in ("founded_on", "-founded_on"):
        rows, _ = walk(admin, "/api/v1/party-orgs", limit=1, sort=sort, q="排序支部")
        dates = [r["founded_on"] for r in rows]
        assert dates[-2:] == [None, None] and None not in dates[:-2], (sort, dates)


def test_an_undeclared_sort_is_refused_naming_sort(world):
    admin = world["admin"]
    for path, sort in [("/api/v1/persons", "id_card"), ("/api/v1/persons", "--name"), ("/api/v1/cases", "title"),
                       ("/api/v1/users", "password_hash"), ("/api/v1/units", ""), ("/api/v1/audit", "id"),
                       ("/api/v1/party-members", "name")]:
        r = admin.get(path, params={"sort": sort})
        assert r.status_code == 400, (path, sort, r.text)
        assert error_of(r)["field"] == "sort", (path, sort, r.text)


def test_a_tampered_or_foreign_cursor_is_refused_naming_after(world):
    admin = world["admin"]
    page = admin.get("/api/v1/persons", params={"limit": 2, "sort": "name", "org": world["longju"]}).json()
    token = page["next"]
    assert token and not token.isdigit()
    # Nothing of the row shows in the cursor: it is sealed.
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert "排序".encode() not in raw and b"name" not in raw
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for params in [{"sort": "name", "after": flipped}, {"sort": "name", "after": token[:-2]},
                   {"sort": "-name", "after": token}, {"sort": "birth_year", "after": token},
                   {"sort": "name", "after": str(page["items"][-1]["id"])}, {"after": token},
                   {"sort": "name", "after": ""}]:
        r = admin.get("/api/v1/persons", params={"limit": 2, "org": world["longju"], **params})
        assert r.status_code == 400, (params, r.text)
        assert error_of(r)["field"] == "after", (params, r.text)
    # The same token still works as made.
    again = admin.get("/api/v1/persons", params={"limit": 2, "sort": "name", "org": world["longju"], "after": token})
    assert again.status_code == 200, again.text
    # A cursor of one list is not one of another, even under a sort of the same name.
    for path in ("/api/v1/users", "/api/v1/units", "/api/v1/cadres"):
        sort = "username" if path == "/api/v1/users" else "name"
        other = admin.get(path, params={"limit": 2, "sort": sort, "after": token})
        assert other.status_code == 400 and error_of(other)["field"] == "after", (path, other.text)


@pytest.mark.parametrize("sort", [None, "name", "-name", "birth_year", "-birth_year"])
def test_the_city_wide_residents_walk_in_order(world, sort):
    """The city's residents, unfiltered: small pages read the order's index and join the org after (a subtree of
    many nodes, its kept figure large against the page); a page of 200 reads them by org and sorts. The same rows
    in the same order, each once."""
    admin = world["admin"]
    everything, totals = walk(admin, "/api/v1/persons", limit=200)
    assert len(everything) == len(PEOPLE) and totals == {(len(PEOPLE), False)}
    params = {"sort": sort} if sort else {}
    rows, totals = walk(admin, "/api/v1/persons", limit=2, **params)
    want = expected(everything, sort.lstrip("-"), sort.startswith("-")) if sort else sorted(r["id"] for r in everything)
    assert [r["id"] for r in rows] == want
    assert totals == {(len(PEOPLE), False)}


def test_a_search_by_number_answers_its_page_under_a_sort(world):
    """Who may not reveal searches by an exact number through the audited write: the page it answers is the
    same list's, sorted and counted."""
    s, admin = world["s"], world["admin"]
    auditor = s.make_user(admin, "idsearch-auditor", "auditor", world["longju"])
    person = world["people"][2]
    idc = id_card(f"340104{PEOPLE[2][1]}0712{2 + 300:03d}")
    for sort in ("name", "-birth_year"):
        r = auditor.get("/api/v1/persons", params={"id_card": idc, "sort": sort, "limit": 1})
        assert r.status_code == 200, r.text
        page = r.json()
        assert ([p["id"] for p in page["items"]], page["next"], page["total"]) == ([person["id"]], None, 1)
    r = auditor.get("/api/v1/persons", params={"id_card": idc, "sort": "id_card"})
    assert r.status_code == 400 and error_of(r)["field"] == "sort"
