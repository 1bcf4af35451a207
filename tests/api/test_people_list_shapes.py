"""The people lists read the same rows whichever query shape serves them (docs/decisions.md,
"Query plans at city scale: people lists"): a tag alone read from its index in id order with the
kept tag figure as its total, a name prefix read as a range of names when rare in the city, the
LIKE alone when common or when it has Latin letters (whose case LIKE ignores), the tails by their
own indexes, households and units with their kept figures. Each page walk is compared with the
rows the same filter selects among every resident the list answers without it."""
import pytest

from conftest import Server, walk_list as walk

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"


def id_card(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


# name, tags, org (0: longju, 1: tianhaixiang); the cap is 3, so some filters are capped and some not.
PEOPLE = [("形状甲一", ["elderly_alone"], 0), ("形状甲二", ["elderly_alone", "veteran"], 1),
          ("形状乙", ["elderly_alone"], 0), ("形状丙", [], 1), ("Shape Ann", ["veteran"], 0),
          ("shape bo", ["elderly_alone"], 1), ("形状甲三", ["elderly_alone"], 0), ("形状丁", [], 0)]


@pytest.fixture(scope="module")
def world():
    s = Server(extra_args=["--list-total-cap", "3"])
    admin = s.admin()
    orgs = [s.org_id(LONGJU), s.org_id(TIANHAIXIANG)]
    for i, (name, tags, org) in enumerate(PEOPLE):
        r = admin.post("/api/v1/persons", json={"org_id": orgs[org], "name": name, "tags": tags,
                                                "id_card": id_card(f"34010419700712{i + 200:03d}"),
                                                "phone": f"1380000{i:04d}"})
        assert r.status_code == 201, r.text
    yield {"server": s, "admin": admin, "orgs": orgs}
    s.close()


def ours(admin, **params):
    rows, _ = walk(admin, "/api/v1/persons", limit=200, **params)
    return [r for r in rows if r["name"].lower().startswith(("形状", "shape"))]


@pytest.mark.parametrize("where", [None, 0, 1])
@pytest.mark.parametrize("tag", ["elderly_alone", "veteran"])
def test_a_tag_alone_reads_the_same_rows_and_its_kept_figure(world, where, tag):
    admin = world["admin"]
    org = None if where is None else world["orgs"][where]
    everyone, _ = walk(admin, "/api/v1/persons", limit=200, org=org)
    want = [r["id"] for r in everyone if tag in r["tags"]]
    rows, totals = walk(admin, "/api/v1/persons", org=org, tag=tag)
    assert [r["id"] for r in rows] == sorted(want)
    assert totals == {(len(want), False)}  # the kept figure: exact, above the cap too


@pytest.mark.parametrize("q,names", [("形状甲", {"形状甲一", "形状甲二", "形状甲三"}), ("形状", None),
                                     ("shape", {"Shape Ann", "shape bo"}), ("SHAPE b", {"shape bo"}),
                                     ("形状甲二", {"形状甲二"}), ("形状戊", set())])
@pytest.mark.parametrize("where", [None, 0])
def test_a_name_prefix_finds_what_the_like_finds(world, q, names, where):
    admin = world["admin"]
    org = None if where is None else world["orgs"][where]
    everyone = ours(admin, org=org)
    if names is None:
        names = {p[0] for p in PEOPLE if p[0].startswith(q)}
    want = [r["id"] for r in everyone if r["name"] in names]
    rows, totals = walk(admin, "/api/v1/persons", org=org, q=q)
    assert [r["id"] for r in rows] == sorted(want), (q, rows)
    assert totals == ({(len(want), False)} if len(want) <= 3 else {(3, True)}), (q, totals)
    # sorted by name, the same rows in name order
    rows, _ = walk(admin, "/api/v1/persons", org=org, q=q, sort="name")
    assert sorted(r["id"] for r in rows) == sorted(want)
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)


def test_tails_and_household_read_their_indexes(world):
    admin = world["admin"]
    everyone = ours(admin)
    for i, p in enumerate(PEOPLE):
        phone = f"1380000{i:04d}"
        rows, totals = walk(admin, "/api/v1/persons", phone_tail=phone[-4:])
        assert [r["name"] for r in rows] == [p[0]] and totals == {(1, False)}
    rows, _ = walk(admin, "/api/v1/persons", id_tail=id_card("34010419700712203")[-4:])
    assert [r["name"] for r in rows] == [PEOPLE[3][0]]
    household = admin.post("/api/v1/households", json={"org_id": world["orgs"][0], "address": "形状户"}).json()
    for r in everyone[:2]:
        assert admin.patch(f"/api/v1/persons/{r['id']}", json={"household_id": household["id"]}).status_code == 200
    rows, totals = walk(admin, "/api/v1/persons", household=household["id"], limit=1)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in everyone[:2]) and totals == {(2, False)}


def test_households_and_units_answer_their_kept_figures(world):
    admin, s, orgs = world["admin"], world["server"], world["orgs"]
    for i in range(5):
        assert admin.post("/api/v1/households", json={"org_id": orgs[0], "address": f"形状路{i}号"}).status_code == 201
        assert admin.post("/api/v1/units", json={"org_id": orgs[0], "name": f"形状单位{i}",
                                                 "type": "school" if i < 4 else "agency"}).status_code == 201
    for path, params, n in [("/api/v1/households", {}, None), ("/api/v1/units", {}, None),
                            ("/api/v1/units", {"type": "school"}, None)]:
        for org in (None, orgs[0]):
            rows, totals = walk(admin, path, org=org, **params)
            assert len(rows) >= 4 and totals == {(len(rows), False)}, (path, params, totals)
    rows, totals = walk(admin, "/api/v1/households", q="形状路")
    assert len(rows) == 5 and totals == {(3, True)}
