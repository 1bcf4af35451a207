"""The error catalogue (src/api/errors.def, printed by `jiceng errors --json`) and docs/errors.md say the same: every
status and code an answer can carry is documented, and no documented code is missing from the catalogue. The
handlers name catalogue entries: no source file passes its own message text to api_error."""
import glob
import json
import os
import re

from conftest import run_cli

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "src")

# Files still answering with their own text while they move onto the operation table (issue 14, item 2); the one
# who ports a family converts its calls and takes it off this list.


def catalogue():
    return json.loads(run_cli("errors", "--json").stdout)


def documented():
    """{(status, code)} of the table in docs/errors.md: rows `| 404 | `not_found` | when |`."""
    with open(os.path.join(ROOT, "docs", "errors.md"), encoding="utf-8") as f:
        rows = re.findall(r"^\|\s*(\d{3})\s*\|\s*`(\w+)`\s*\|", f.read(), re.M)
    assert rows, "cannot find the table of docs/errors.md"
    return {(int(status), code) for status, code in rows}


def conversions(fmt):
    """The printf conversions of a message, in order: %.0s consumes a value the language does not say."""
    return re.findall(r"%(?:\.0)?[lz]*[a-z]", fmt.replace("%%", ""))


def test_catalogue_entries():
    entries = catalogue()
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)) and len(ids) > 100, "ids are unique"
    for e in entries:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", e["id"]), e
        assert re.fullmatch(r"[a-z][a-z0-9_]*", e["code"]) and 400 <= e["status"] <= 599, e
        assert e["zh"] and e["en"], f"{e['id']}: both messages"
        assert re.search(r"[\u4e00-\u9fff]", e["zh"]), f"{e['id']}: the zh-CN message is Chinese"
        # api_failf fills both formats with the same values.
        assert [c.replace(".0", "") for c in conversions(e["zh"])] == \
            [c.replace(".0", "") for c in conversions(e["en"])], f"{e['id']}: the two messages take the same values"
    # A message is said once: two entries differ in status, code or text.
    keys = [(e["status"], e["code"], e["zh"], e["en"]) for e in entries]
    assert len(keys) == len(set(keys)), "an entry is repeated"


def test_docs_errors_md_is_the_catalogue():
    answered = {(e["status"], e["code"]) for e in catalogue()}
    docs = documented()
    assert sorted(answered - docs) == [], "answered but not documented in docs/errors.md"
    assert sorted(docs - answered) == [], "documented in docs/errors.md but in no catalogue entry"


def test_no_message_text_outside_the_catalogue():
    offenders = []
    for path in sorted(glob.glob(os.path.join(SRC, "**", "*.[ch]"), recursive=True)):
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"\bapi_error\(", text):
            line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.start())]
            if rel == "src/api/errors.c" or re.match(r"\s*(int api_error\(|\*)", line):
                continue  # the catalogue's own calls, the declaration and definition, comments
            offenders.append(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
    assert offenders == [], f"api_error called with text outside the catalogue: {offenders}"
