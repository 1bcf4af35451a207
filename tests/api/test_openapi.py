"""docs/openapi.yaml stays true: it is well-formed OpenAPI 3.0, it describes exactly
the operation table the server prints (`jiceng routes --json`: methods, paths,
permissions, names, flags, body fields, query parameters, upload types), and the
running server answers as it says. Nothing here reads the C sources."""
import csv
import glob
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import xml.etree.ElementTree as ET
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import jsonschema
import pytest
import requests
import yaml

from conftest import ADMIN_PASSWORD, BIN, assert_clean, PASSWORD, ROOT, SML, error_of, xlsx_rows

DOC_PATH = os.path.join(ROOT, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# ---------------------------------------------------------------- loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_doc():
    with open(DOC_PATH, encoding="utf-8") as f:
        return yaml.load(f, Loader=_UniqueKeyLoader)


DOC = _load_doc()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def resolve(ref):
    assert ref.startswith("#/"), f"only local $refs are used: {ref}"
    node = DOC
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref} does not resolve"
        node = node[part]
    return node


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(node["$ref"])
    return node


def norm(path):
    """/api/v1/users/{id}/grants/{grant_id} -> /api/v1/users/{}/grants/{}"""
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations():
    """{(METHOD, normalised path): (doc path, path item, operation)}"""
    ops = {}
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                key = (method.upper(), norm(path))
                assert key not in ops, f"{key} documented twice"
                ops[key] = (path, item, item[method])
    return ops


OPS = operations()


# ---------------------------------------------------------------- the operation table

# The placeholders a route's pattern may hold (src/api/op.h): {id} takes a positive decimal integer, {name} letters,
# digits, _ and -. The server refuses to start with any other (ops_init), so the table below holds only these.
PLACEHOLDERS = {"id", "name"}
NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
FLAGS = {"body", "body_optional", "test_only", "no_replay", "upload", "open311", "paged", "writes"}
FIELD_TYPES = {"text", "name", "block", "integer", "number", "boolean", "enum", "date", "list", "coordinates", "json", "ids"}
INT64_MAX = 2**63 - 1


def route_table():
    """The operation table as the server itself prints it (`jiceng routes --json`): for each operation its name,
    method, pattern, access, flags, declared body fields and query parameters, and what its describe() adds (an
    import's columns, a form's fields, a body its handler checks itself)."""
    p = subprocess.run([BIN, "routes", "--json"], check=True, capture_output=True)
    assert_clean(p.stderr.decode(errors="replace"), "jiceng routes --json")
    out = p.stdout
    table = json.loads(out)
    assert table, "the operation table is empty"
    for op in table:
        unknown = set(re.findall(r"\{([^}]*)\}", op["pattern"])) - PLACEHOLDERS
        assert not unknown, f"{op['name']}: placeholders {sorted(unknown)}"
        assert set(op["flags"]) <= FLAGS, f"{op['name']}: flags {op['flags']}"
        for f in (op["body"] or []) + op["query"]:
            assert f["type"] in FIELD_TYPES, f"{op['name']}.{f['name']}: type {f['type']}"
    return table


ROUTES = route_table()


# ---------------------------------------------------------------- OpenAPI -> JSON Schema

OAS_ONLY = {"nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated"}


def to_json_schema(node):
    """An OpenAPI 3.0 Schema Object as a JSON Schema (draft 7): $refs inlined, nullable as anyOf null."""
    if "$ref" in node:
        return to_json_schema(resolve(node["$ref"]))
    out = {}
    for k, v in node.items():
        if k in OAS_ONLY or k.startswith("x-"):
            continue
        if k == "properties":
            out[k] = {name: to_json_schema(sub) for name, sub in v.items()}
        elif k in ("items", "additionalProperties", "not"):
            out[k] = to_json_schema(v) if isinstance(v, dict) else v
        elif k in ("allOf", "anyOf", "oneOf"):
            out[k] = [to_json_schema(sub) for sub in v]
        else:
            out[k] = v
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def validate(instance, schema, what):
    js = to_json_schema(schema)
    jsonschema.Draft7Validator.check_schema(js)
    errors = sorted(jsonschema.Draft7Validator(js, format_checker=jsonschema.FormatChecker()).iter_errors(instance),
                    key=lambda e: list(e.absolute_path))
    assert not errors, f"{what}: " + "; ".join(
        f"at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:5])


# ---------------------------------------------------------------- 1. the document is OpenAPI 3


SCHEMA_KEYS = {
    "$ref", "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
    "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
    "enum", "type", "allOf", "oneOf", "anyOf", "not", "items", "properties", "additionalProperties", "description",
    "format", "default", "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example",
    "deprecated",
}
OPERATION_KEYS = {"tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody",
                  "responses", "callbacks", "deprecated", "security", "servers"}
PATH_ITEM_KEYS = set(METHODS) | {"$ref", "summary", "description", "servers", "parameters"}


def check_schema_object(schema, where):
    assert isinstance(schema, dict), f"{where}: a schema must be an object"
    keys = {k for k in schema if not k.startswith("x-")}
    assert keys <= SCHEMA_KEYS, f"{where}: not OpenAPI 3.0 schema keywords: {sorted(keys - SCHEMA_KEYS)}"
    if "$ref" in schema:
        assert set(schema) == {"$ref"}, f"{where}: siblings of $ref are ignored in OpenAPI 3.0"
        resolve(schema["$ref"])
        return
    if "type" in schema:
        assert schema["type"] in ("string", "number", "integer", "boolean", "array", "object"), \
            f"{where}: bad type {schema['type']!r} (OpenAPI 3.0 has no type lists; use nullable)"
    if schema.get("type") == "array":
        assert "items" in schema, f"{where}: arrays need items"
    if "required" in schema:
        assert isinstance(schema["required"], list) and schema["required"], f"{where}: required must be a list"
        assert set(schema["required"]) <= set(schema.get("properties", {})), \
            f"{where}: required names a property not declared"
    if "enum" in schema:
        allowed = list(schema["enum"])
        if None in allowed:
            assert schema.get("nullable"), f"{where}: null in enum without nullable"
            allowed.remove(None)
        if schema.get("type") == "string":
            assert all(isinstance(x, str) for x in allowed), f"{where}: enum values must be strings"
    if "pattern" in schema:
        re.compile(schema["pattern"])
    for name, sub in schema.get("properties", {}).items():
        check_schema_object(sub, f"{where}.{name}")
    for k in ("items", "not"):
        if k in schema:
            check_schema_object(schema[k], f"{where}.{k}")
    if isinstance(schema.get("additionalProperties"), dict):
        check_schema_object(schema["additionalProperties"], f"{where}.additionalProperties")
    for k in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(k, [])):
            check_schema_object(sub, f"{where}.{k}[{i}]")


def check_content(content, where):
    assert isinstance(content, dict) and content, f"{where}: content must name media types"
    for media, obj in content.items():
        assert "/" in media, f"{where}: bad media type {media}"
        if "schema" in obj:
            check_schema_object(obj["schema"], f"{where} {media}")


def check_parameter(param, where):
    p = deref(param)
    assert {"name", "in"} <= set(p), f"{where}: a parameter needs name and in"
    assert p["in"] in ("query", "header", "path", "cookie"), f"{where}: bad 'in' {p['in']}"
    if p["in"] == "path":
        assert p.get("required") is True, f"{where}: path parameters must be required"
    assert "schema" in p or "content" in p, f"{where}: parameter {p['name']} needs a schema"
    if "schema" in p:
        check_schema_object(p["schema"], f"{where} {p['name']}")
    return p


def test_document_is_openapi_3():
    assert isinstance(DOC, dict)
    assert str(DOC.get("openapi", "")).startswith("3.0."), "openapi must be 3.0.x"
    assert DOC["info"]["title"] and DOC["info"]["version"]
    assert isinstance(DOC["info"]["version"], str)
    assert isinstance(DOC["paths"], dict) and DOC["paths"]
    comps = DOC["components"]
    assert isinstance(comps, dict)
    for name, schema in comps.get("schemas", {}).items():
        check_schema_object(schema, f"components.schemas.{name}")
    for name, p in comps.get("parameters", {}).items():
        check_parameter(p, f"components.parameters.{name}")
    for name, r in comps.get("responses", {}).items():
        assert r.get("description"), f"components.responses.{name}: needs a description"
        if "content" in r:
            check_content(r["content"], f"components.responses.{name}")
    schemes = comps["securitySchemes"]
    for name, s in schemes.items():
        assert s["type"] in ("apiKey", "http", "oauth2", "openIdConnect"), name
        if s["type"] == "apiKey":
            assert s["in"] in ("query", "header", "cookie") and s["name"], name
        if s["type"] == "http":
            assert s["scheme"], name
    for req in DOC.get("security", []):
        assert set(req) <= set(schemes), f"top-level security names an unknown scheme: {req}"

    op_ids = []
    for path, item in DOC["paths"].items():
        assert path.startswith("/"), path
        assert set(item) <= PATH_ITEM_KEYS, f"{path}: unknown keys {set(item) - PATH_ITEM_KEYS}"
        shared = [check_parameter(p, path) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            where = f"{method.upper()} {path}"
            keys = {k for k in op if not k.startswith("x-")}
            assert keys <= OPERATION_KEYS, f"{where}: unknown keys {keys - OPERATION_KEYS}"
            assert op.get("operationId"), f"{where}: needs an operationId"
            op_ids.append(op["operationId"])
            params = {(p["name"], p["in"]): p for p in shared}
            for p in op.get("parameters", []):
                p = check_parameter(p, where)
                params[(p["name"], p["in"])] = p
            declared = {n for (n, where_in) in params if where_in == "path"}
            in_path = set(re.findall(r"\{([^}]+)\}", path))
            assert declared == in_path, f"{where}: path parameters {sorted(declared)} != template {sorted(in_path)}"
            if "requestBody" in op:
                rb = deref(op["requestBody"])
                check_content(rb["content"], f"{where} requestBody")
            responses = op["responses"]
            assert responses, f"{where}: needs responses"
            for code, resp in responses.items():
                assert isinstance(code, str), f"{where}: response code {code!r} must be a quoted string"
                assert code == "default" or re.fullmatch(r"[1-5](\d\d|XX)", code), f"{where}: bad code {code}"
                r = deref(resp)
                assert r.get("description"), f"{where} {code}: needs a description"
                if "content" in r:
                    check_content(r["content"], f"{where} {code}")
                for hname, h in r.get("headers", {}).items():
                    assert "schema" in deref(h), f"{where} {code} header {hname}: needs a schema"
            # x-never-succeeds: the operation exists for a standard's sake and always fails (Open311 tokens: ids
            # are given at once, no token is ever pending); test_operation_matches_its_route checks the table.
            assert op.get("x-never-succeeds", False) in (True, False), f"{where}: x-never-succeeds is a boolean"
            successes = [c for c in responses if c.startswith("2")]
            if op.get("x-never-succeeds"):
                assert not successes, f"{where}: x-never-succeeds, yet documents {successes}"
            else:
                assert successes, f"{where}: no success response"
            for req in op.get("security", []):
                assert set(req) <= set(schemes), f"{where}: unknown security scheme in {req}"
    assert len(op_ids) == len(set(op_ids)), "operationIds must be unique"


def test_every_ref_resolves():
    refs = []

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    refs.append((v, where))
                else:
                    walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(DOC, "#")
    assert refs
    for ref, where in refs:
        assert isinstance(ref, str), where
        resolve(ref)
    # and nothing in components is dead weight
    used = {r for r, _ in refs}
    for kind in ("schemas", "parameters", "responses"):
        for name in DOC["components"].get(kind, {}):
            assert f"#/components/{kind}/{name}" in used, f"components.{kind}.{name} is never used"


# ---------------------------------------------------------------- 2. the document is the operation table


def test_paths_and_methods_match_the_route_table():
    table = {(r["method"], norm(r["pattern"])) for r in ROUTES}
    assert len(table) == len(ROUTES), "the route table has duplicate entries"
    documented = set(OPS)
    missing = sorted(table - documented)
    extra = sorted(documented - table)
    assert not missing and not extra, f"not documented: {missing}; documented but not routed: {extra}"


def _params(item, op, where):
    return [deref(p) for p in item.get("parameters", []) + op.get("parameters", []) if deref(p)["in"] == where]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r["name"])
def test_operation_matches_its_route(route):
    path, item, op = OPS[(route["method"], norm(route["pattern"]))]
    where = f"{route['method']} {path}"
    flags = set(route["flags"])
    assert op.get("operationId") == route["name"], f"{where}: operationId must be the route name {route['name']}"
    assert op.get("x-permission") == route["access"], \
        f"{where}: x-permission {op.get('x-permission')!r}, the route needs {route['access']!r}"
    test_only = "test_only" in flags
    assert bool(op.get("x-test-only", False)) == test_only, f"{where}: x-test-only must be {test_only}"

    # The path parameters stand where the route has its placeholders (named as the doc likes): an {id} is a
    # positive integer, a {name} a string of letters, digits, _ and - (an enum or pattern must keep to those).
    kinds = re.findall(r"\{([^}]*)\}", route["pattern"])
    names = re.findall(r"\{([^}]*)\}", path)
    assert len(kinds) == len(names), f"{where}: {len(names)} path parameters, the route has {len(kinds)}"
    in_path = {p["name"]: p for p in _params(item, op, "path")}
    for name, kind in zip(names, kinds):
        sch = deref(in_path[name]["schema"])
        if kind == "id":
            assert (sch.get("type"), sch.get("minimum")) == ("integer", 1), f"{where}: {{{name}}} is a positive integer"
        else:
            assert sch.get("type") == "string", f"{where}: {{{name}}} is a string"
            assert all(NAME_RE.fullmatch(v) for v in sch.get("enum", [])), f"{where}: {{{name}}} enum"
            assert sch.get("pattern") in (None, "^[A-Za-z0-9_-]+$"), f"{where}: {{{name}}} pattern"

    # x-never-succeeds: no 2xx is documented (test_document_is_openapi_3), so the walk, which calls every route,
    # fails on any; and the table does not let it write (the server answers 500 to an operation that writes without
    # declaring so).
    if op.get("x-never-succeeds"):
        assert "writes" not in flags, f"{where}: x-never-succeeds, but the table lets it write"

    # Who may call: public routes need nothing; the others take the cookie or a Bearer token,
    # and the cookie needs the CSRF header on every method but GET.
    security = op.get("security", DOC.get("security"))
    if route["access"] == "public":
        assert security == [], f"{where}: a public route has security: []"
    else:
        assert security, f"{where}: needs security"
        kinds = [set(req) for req in security]
        assert {"bearerAuth"} in kinds, f"{where}: must accept a Bearer token"
        cookie = [k for k in kinds if "sessionCookie" in k]
        assert cookie, f"{where}: must accept the session cookie"
        want = {"sessionCookie", "csrfToken"} if route["method"] != "GET" else {"sessionCookie"}
        assert all(k == want for k in cookie), f"{where}: the cookie requirement must be {sorted(want)}"
        assert "401" in op["responses"], f"{where}: must document 401"
        if route["method"] != "GET" or route["access"] != "authenticated":
            assert "403" in op["responses"], f"{where}: must document 403"

    # The body: "body" needs one, "body_optional" takes one, "upload" needs a file (x-upload), others none.
    upload = "upload" in flags
    assert op.get("x-upload", False) in (True, False), f"{where}: x-upload is a boolean"
    assert bool(op.get("x-upload", False)) == upload, f"{where}: x-upload must be {upload}"
    if upload:
        assert not flags & {"body", "body_optional"}, f"{where}: a file or a JSON body, not both"
        rb = deref(op.get("requestBody"))
        assert rb, f"{where}: an upload needs a requestBody"
        assert rb.get("required") is True, f"{where}: the file is required"
        assert set(rb["content"]) == set(route["upload_types"]), \
            f"{where}: documented media types {sorted(rb['content'])} != taken {sorted(route['upload_types'])}"
        for media, obj in rb["content"].items():
            sch = deref(obj.get("schema", {}))
            if media == FORM:  # a form (Open311): the fields the handler reads; others are ignored
                assert sch.get("type") == "object", f"{where} {media}: a form is an object"
                assert set(sch.get("properties", {})) == set(route["form"]), \
                    f"{where}: documented form fields {sorted(sch.get('properties', {}))} != read {route['form']}"
                assert sch.get("additionalProperties", True) is True, f"{where}: other form fields are ignored"
            else:
                assert (sch.get("type"), sch.get("format")) == ("string", "binary"), \
                    f"{where} {media}: a file is a string of format binary"
        for code in ("400", "413"):
            assert code in op["responses"], f"{where}: an upload must document {code}"
        # 415 is documented where the walk meets it (test_every_route_answers_as_documented).
    elif flags & {"body", "body_optional"}:
        rb = deref(op.get("requestBody"))
        assert rb, f"{where}: needs a requestBody"
        assert bool(rb.get("required", False)) == ("body" in flags), \
            f"{where}: requestBody.required must be {'body' in flags}"
        assert list(rb["content"]) == ["application/json"], f"{where}: bodies are application/json"
        for code in ("400", "413", "415"):
            assert code in op["responses"], f"{where}: a route with a body must document {code}"
    else:
        assert "requestBody" not in op, f"{where}: the route takes no body"

    # Idempotency-Key: the server stores and replays answers only for authenticated POSTs that write, and never
    # for no_replay routes (their answers hold secrets).
    no_replay = "no_replay" in flags
    assert op.get("x-no-replay", False) in (True, False), f"{where}: x-no-replay is a boolean"
    assert bool(op.get("x-no-replay", False)) == no_replay, f"{where}: x-no-replay must be {no_replay}"
    idem = any(p.get("name") == "Idempotency-Key" for p in _params(item, op, "header"))
    replays = route["method"] == "POST" and route["access"] != "public" and not no_replay and "writes" in flags
    assert idem == replays, \
        f"{where}: Idempotency-Key must {'' if replays else 'not '}be documented" + \
        (" (no_replay: never stored nor replayed)" if no_replay else "")
    assert ("422" in op["responses"]) == idem, f"{where}: 422 idempotency_key_reused goes with Idempotency-Key"


FORM = "application/x-www-form-urlencoded"


def _body_schema(op):
    rb = deref(op.get("requestBody") or {})
    schema = rb.get("content", {}).get("application/json", {}).get("schema")
    return deref(schema) if schema else None


def check_field(field, prop, where, query=False):
    """A declared field (a body field or a query parameter) against its documented schema: type, bounds, enum.
    A query parameter's bounds: a text's length is bounded only when max > 0."""
    p = deref(prop)
    t = field["type"]
    if t in ("text", "name", "block"):  # block: text that may span lines; name: a name or title
        assert p.get("type") == "string", f"{where}: a string"
        if query:  # bounded when max > 0
            want = (field["min"] or None, field["max"]) if field["max"] > 0 else (None, None)
            assert (p.get("minLength") or None, p.get("maxLength")) == want, \
                f"{where}: length {p.get('minLength')}..{p.get('maxLength')} != declared {want[0]}..{want[1]}"
        else:
            assert (p.get("minLength"), p.get("maxLength")) == (field["min"], field["max"]), \
                f"{where}: length {p.get('minLength')}..{p.get('maxLength')} != declared {field['min']}..{field['max']}"
    elif t in ("integer", "number"):
        assert p.get("type") == t, f"{where}: {t}, not {p.get('type')}"
        assert p.get("minimum") == field["min"], f"{where}: minimum {p.get('minimum')} != {field['min']}"
        if field["max"] == INT64_MAX:
            assert p.get("maximum") in (None, field["max"]), where
        else:
            assert p.get("maximum") == field["max"], f"{where}: maximum {p.get('maximum')} != {field['max']}"
    elif t == "boolean":
        if query:  # ?x=0 or ?x=1
            assert p.get("type") == "integer" and p.get("enum") == [0, 1], f"{where}: 0 or 1"
        else:
            assert p.get("type") == "boolean", f"{where}: a boolean"
    elif t == "enum":
        assert p.get("type") == "string", where
        assert [x for x in p.get("enum", []) if x is not None] == field["enum"], \
            f"{where}: enum {p.get('enum')} != declared {field['enum']}"
    elif t == "date":
        assert p.get("type") == "string" and p.get("format") == "date", f"{where}: a date"
    elif t == "list":  # at most max strings
        assert p.get("type") == "array" and deref(p.get("items", {})).get("type") == "string", \
            f"{where}: an array of strings"
        assert p.get("maxItems") == field["max"], f"{where}: maxItems {p.get('maxItems')} != {field['max']}"
    elif t == "ids":  # min to max ids, integers from 1
        items = deref(p.get("items", {}))
        assert p.get("type") == "array" and items.get("type") == "integer" and items.get("minimum") == 1, \
            f"{where}: an array of ids"
        assert p.get("maxItems") == field["max"] and p.get("minItems", 0) == field["min"], \
            f"{where}: {p.get('minItems', 0)} to {p.get('maxItems')} items != {field['min']} to {field['max']}"
        assert p.get("uniqueItems") is True, f"{where}: each id once"
    elif t == "json":  # any JSON value whose form the family checks: documented as the shapes it takes
        shapes = [deref(x) for x in p.get("oneOf", p.get("anyOf", []))]
        assert shapes and all(x.get("type") for x in shapes), f"{where}: the shapes a value takes (oneOf)"
    elif t == "coordinates":  # GeoJSON positions: an array, or one of several shapes of arrays
        shapes = [deref(x) for x in p.get("oneOf", p.get("anyOf", []))] or [p]
        assert all(x.get("type") == "array" for x in shapes), f"{where}: arrays"
    else:
        raise AssertionError(f"{where}: unknown field type {t}")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r["name"])
def test_request_body_matches_declared_fields(route):
    """The body schema says what the table declares: names, types, bounds, required, null; nothing else."""
    _, _, op = OPS[(route["method"], norm(route["pattern"]))]
    schema = _body_schema(op)
    where = route["name"]
    if "upload" in route["flags"]:
        # The body is a file: the rows in it are checked, not a JSON body; the doc names the file's columns.
        assert schema is None, f"{where}: an upload has no JSON body schema"
        described = op.get("description", "")
        for col in route.get("columns", []):
            for name in (col["zh"], col["alt"], f"`{col['en']}`"):
                assert name is None or name in described, f"{where}: the column {name} ({col['key']}) is not described"
        return
    fields = route["body"]
    if not fields:
        if schema is not None:
            assert not schema.get("properties"), f"{where}: declares no fields, the doc has some"
        return
    assert schema is not None, f"{where}: declares body fields but the doc has no body schema"
    props = schema.get("properties", {})
    assert schema.get("type") == "object"
    assert schema.get("additionalProperties") is False, f"{where}: unknown fields are refused"
    assert set(props) == {f["name"] for f in fields}, \
        f"{where}: doc fields {sorted(props)} != declared {sorted(f['name'] for f in fields)}"
    assert set(schema.get("required", [])) == {f["name"] for f in fields if f["required"]}, \
        f"{where}: required fields differ"
    for f in fields:
        w = f"{where}.{f['name']}"
        nullable = bool(props[f["name"]].get("nullable") or deref(props[f["name"]]).get("nullable"))
        assert nullable == f["nullable"], \
            f"{w}: nullable must be {f['nullable']} (optional fields take null; not-null and required ones do not)"
        check_field(f, props[f["name"]], w)


def declared_query(route):
    """The query parameters the table declares (a paged operation's limit and after among them)."""
    out = {f["name"]: f for f in route["query"]}
    assert len(out) == len(route["query"]), f"{route['name']}: a query parameter declared twice"
    assert ("paged" in route["flags"]) == ({"limit", "after"} <= set(out)), f"{route['name']}: paged, limit, after"
    return out


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r["name"])
def test_query_parameters_match_the_table(route):
    """Every declared query parameter is documented with its type, bounds, values and required-ness, and every
    documented one is declared (the server refuses the others, Open311 routes ignore them)."""
    path, item, op = OPS[(route["method"], norm(route["pattern"]))]
    documented = {p["name"]: p for p in _params(item, op, "query")}
    declared = declared_query(route)
    assert set(documented) == set(declared), \
        f"{route['name']}: documented {sorted(documented)} != declared {sorted(declared)}"
    for name, f in declared.items():
        w = f"{route['name']}?{name}"
        p = documented[name]
        assert bool(p.get("required", False)) == f["required"], f"{w}: required must be {f['required']}"
        check_field(f, p["schema"], w, query=True)


def _route_by_name(name):
    route = [r for r in ROUTES if r["name"] == name]
    assert len(route) == 1, f"no route {name}"
    return route[0], OPS[(route[0]["method"], norm(route[0]["pattern"]))][2]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_permission_names_are_the_documented_enum(admin):
    """The roles the server serves (GET /api/v1/roles) are the RoleName enum, their permissions the Permission
    enum, and every permission the table names is one of them."""
    roles = admin.get("/api/v1/roles").json()["items"]
    schemas = DOC["components"]["schemas"]
    assert schemas["RoleName"]["enum"] == [r["role"] for r in roles]
    documented = set(deref(schemas["Permission"])["enum"])
    served = {p for r in roles for p in r["permissions"]}
    assert served == documented, f"served {sorted(served)} != documented {sorted(documented)}"
    named = {r["access"] for r in ROUTES} - {"public", "authenticated", "all"}
    assert named <= documented, f"the table names {sorted(named - documented)}"


def schema_check_list(column):
    """The values a CHECK (column IN (...)) of schema/*.sql allows."""
    sql = "\n".join(read(f) for f in sorted(glob.glob(os.path.join(ROOT, "schema", "*.sql"))))
    m = re.search(r"\b" + column + r"\s+TEXT[^,\n]*?CHECK\s*\(\s*" + column + r"\s+IN\s*\((.*?)\)\s*\)", sql, re.S)
    assert m, f"no CHECK list for {column} in schema/*.sql"
    return re.findall(r"'([^']*)'", m.group(1))


def test_case_enums_are_the_schema():
    """States, ratings, sources and handler kinds are those the database allows; the walk checks every value the
    server sends against these enums and meets every event action documented (each move of CaseAction among them)."""
    schemas = DOC["components"]["schemas"]
    assert schemas["CaseState"]["enum"] == schema_check_list("state")
    assert schemas["CaseRating"]["enum"] == schema_check_list("rating")
    assert schemas["CaseSource"]["enum"] == schema_check_list("source")
    assert schemas["CaseCategory"]["properties"]["handler_kind"]["enum"] == schema_check_list("handler_kind")
    _, op = _route_by_name("cases.action")
    action = _body_schema(op)["properties"]["action"]
    assert action.get("allOf") == [{"$ref": "#/components/schemas/CaseAction"}], "the body's action is a CaseAction"
    assert set(schemas["CaseAction"]["enum"]) <= set(schemas["CaseEventAction"]["enum"]), "every move is logged"


# The answers of casework, Open311 and anonymous reports are built by hand in C; their schemas are closed (no key
# the server sends may be missing from them) and complete (every key documented is sent), and the walk validates
# every answer against them.
CLOSED = ("Case", "CaseDetail", "NearbyCase", "CaseBrief", "CasePhoto", "Casework", "CaseworkBucket",
          "CaseworkTrend", "TestTick", "Inbox", "InboxList", "Open311Request", "Open311Service", "PublicCaseCreated",
          "PublicCase")


@pytest.mark.parametrize("name", CLOSED)
def test_hand_built_answers_are_closed_schemas(name):
    schema = DOC["components"]["schemas"][name]
    assert schema.get("additionalProperties") is False, f"{name} refuses unknown keys"
    optional = ["children"] if name == "Casework" else []  # only with children=1
    assert sorted(schema["required"] + optional) == sorted(schema["properties"]), f"{name}: all required"


# ---------------------------------------------------------------- 3. the server answers as documented


HIT = set()
SEEN = {}  # (method, normalised path) -> {(status, media type)} the walk met
EVENTS = set()  # the actions of the case events the walk was shown


def credit_code(body17):
    """A unified social credit code (GB 32100): 17 characters plus their check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(body17, weights))
    return body17 + alphabet[(31 - total % 31) % 31]


def id_card(body17):
    """A resident ID number (GB 11643): 17 digits plus their check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights)) % 11]


def check(r, method, path):
    """Assert response r of `method path` (a documented template) is as the document says; returns the JSON."""
    key = (method, norm(path))
    assert key in OPS, f"{method} {path} is not documented"
    _, _, op = OPS[key]
    status = str(r.status_code)
    assert status in op["responses"], f"{method} {path} answered {status} (undocumented): {r.text[:300]}"
    SEEN.setdefault(key, set()).add((status, r.headers.get("Content-Type", "").split(";")[0].strip()))
    resp = deref(op["responses"][status])
    for name, h in resp.get("headers", {}).items():
        if deref(h).get("required"):
            assert name in r.headers, f"{method} {path} {status}: header {name} missing"
    content = resp.get("content")
    if not content:
        assert r.content == b"", f"{method} {path} {status}: documented without a body, got {r.text[:200]}"
        HIT.add(key)
        return None
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype in content, f"{method} {path} {status}: Content-Type {ctype} not documented ({list(content)})"
    schema = content[ctype].get("schema")
    if ctype == "application/json":
        data = r.json()
        if schema:
            validate(data, schema, f"{method} {path} {status}")
        if isinstance(data, dict) and isinstance(data.get("events"), list):
            EVENTS.update(e.get("action") for e in data["events"])
        HIT.add(key)
        return data
    if schema:
        validate(r.text, schema, f"{method} {path} {status}")
    HIT.add(key)
    return r.text


@pytest.mark.parametrize("url,template", [
    ("/healthz", "/healthz"),
    ("/api/v1/auth/me", "/api/v1/auth/me"),
    ("/api/v1/orgs?limit=5", "/api/v1/orgs"),
    ("/api/v1/orgs/1", "/api/v1/orgs/{id}"),
    ("/api/v1/orgs/1/stats", "/api/v1/orgs/{id}/stats"),
    ("/api/v1/orgs/1/children?limit=3", "/api/v1/orgs/{id}/children"),
    ("/api/v1/roles", "/api/v1/roles"),
    ("/api/v1/enums", "/api/v1/enums"),
    ("/api/v1/audit?limit=5", "/api/v1/audit"),
    ("/api/v1/users?limit=5", "/api/v1/users"),
    ("/api/v1/party-orgs?limit=5", "/api/v1/party-orgs"),
    ("/api/v1/units?limit=5", "/api/v1/units"),
    ("/api/v1/auth/tokens", "/api/v1/auth/tokens"),
    ("/api/v1/persons?limit=5", "/api/v1/persons"),
    ("/api/v1/person-tags", "/api/v1/person-tags"),
    ("/api/v1/households?limit=5", "/api/v1/households"),
    ("/api/v1/party-members?limit=5", "/api/v1/party-members"),
    ("/api/v1/cadres?limit=5", "/api/v1/cadres"),
    ("/api/v1/orgs/1/geometry", "/api/v1/orgs/{id}/geometry"),
    ("/api/v1/orgs/1/coverage", "/api/v1/orgs/{id}/coverage"),
    ("/api/v1/orgs/1/map", "/api/v1/orgs/{id}/map"),
    ("/api/v1/locate?lng=117.2&lat=31.8", "/api/v1/locate"),
    ("/api/v1/case-categories", "/api/v1/case-categories"),
    ("/api/v1/cases?limit=5", "/api/v1/cases"),
    ("/metrics", "/metrics"),
])
def test_get_answers_match_the_schema(admin, url, template):
    r = admin.get(url)
    assert r.status_code == 200, r.text
    check(r, "GET", template)


def test_pages_follow_the_cursor(admin):
    first = check(admin.get("/api/v1/orgs?limit=2"), "GET", "/api/v1/orgs")
    assert len(first["items"]) == 2 and first["next"] is not None
    second = check(admin.get(f"/api/v1/orgs?limit=2&after={first['next']}"), "GET", "/api/v1/orgs")
    assert second["items"][0]["id"] > first["items"][-1]["id"]


def test_errors_match_the_schema(server, admin):
    check(admin.get("/api/v1/orgs/999999999"), "GET", "/api/v1/orgs/{id}")
    check(admin.get("/api/v1/orgs?limit=0"), "GET", "/api/v1/orgs")
    check(admin.get("/api/v1/audit?from=yesterday"), "GET", "/api/v1/audit")
    anon = server.client()
    r = anon.get("/api/v1/orgs")
    assert r.status_code == 401
    check(r, "GET", "/api/v1/orgs")
    r = anon.post("/api/v1/auth/login", json={"username": "nobody-at-all", "password": "x"})
    assert r.status_code == 401
    check(r, "POST", "/api/v1/auth/login")
    r = admin.post("/api/v1/orgs", json={"parent_id": 1}, csrf=False)
    assert r.status_code == 403
    check(r, "POST", "/api/v1/orgs")
    r = admin.post("/api/v1/orgs", json={"bogus": 1})
    assert r.status_code == 400
    check(r, "POST", "/api/v1/orgs")
    r = admin.post("/api/v1/orgs", data="{}")
    assert r.status_code == 415
    check(r, "POST", "/api/v1/orgs")
    r = admin.post("/api/v1/orgs", data="[1]", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    check(r, "POST", "/api/v1/orgs")


def test_every_route_answers_as_documented(server, admin):
    """Walk every route once with real data; each answer must be documented and match its schema."""
    HIT.clear()
    SEEN.clear()
    EVENTS.clear()
    check(admin.get("/healthz"), "GET", "/healthz")
    check(admin.get("/metrics"), "GET", "/metrics")
    check(admin.get("/api/v1/roles"), "GET", "/api/v1/roles")
    check(admin.get("/api/v1/enums"), "GET", "/api/v1/enums")

    community = check(admin.get("/api/v1/orgs", params={"level": "community", "limit": 1}), "GET", "/api/v1/orgs")
    cid = community["items"][0]["id"]
    check(admin.get("/api/v1/orgs", params={"q": "合肥", "limit": 5}), "GET", "/api/v1/orgs")

    # the organisation tree
    r = admin.post("/api/v1/orgs", json={"parent_id": cid, "level": "grid", "name": "文档网格", "kind": None})
    assert r.status_code == 201, r.text
    grid = check(r, "POST", "/api/v1/orgs")
    gid = grid["id"]
    r = admin.patch(f"/api/v1/orgs/{gid}", json={"name": "文档网格二", "version": grid["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/orgs/{id}")
    r = admin.patch(f"/api/v1/orgs/{gid}", json={"name": "冲突", "version": grid["version"]})
    assert r.status_code == 409, r.text
    check(r, "PATCH", "/api/v1/orgs/{id}")
    check(admin.get(f"/api/v1/orgs/{gid}"), "GET", "/api/v1/orgs/{id}")
    check(admin.get(f"/api/v1/orgs/{cid}/children"), "GET", "/api/v1/orgs/{id}/children")
    check(admin.get(f"/api/v1/orgs/{cid}/stats"), "GET", "/api/v1/orgs/{id}/stats")

    # resident units and party organisations
    r = admin.post("/api/v1/units", json={"org_id": gid, "name": "文档测试公司", "type": "enterprise",
                                          "credit_code": credit_code("91340100MA2DQC001"), "address": None})
    assert r.status_code == 201, r.text
    uid = check(r, "POST", "/api/v1/units")["id"]
    check(admin.get(f"/api/v1/units/{uid}"), "GET", "/api/v1/units/{id}")
    check(admin.get("/api/v1/units", params={"org": gid, "type": "enterprise"}), "GET", "/api/v1/units")
    r = admin.patch(f"/api/v1/units/{uid}", json={"address": "某路 1 号"})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/units/{id}")

    r = admin.post("/api/v1/party-orgs", json={"unit_id": uid, "kind": "党支部", "name": "文档测试公司党支部",
                                               "founded_on": "2020-07-01"})
    assert r.status_code == 201, r.text
    pid = check(r, "POST", "/api/v1/party-orgs")["id"]
    check(admin.get(f"/api/v1/party-orgs/{pid}"), "GET", "/api/v1/party-orgs/{id}")
    check(admin.get("/api/v1/party-orgs", params={"unit_id": uid, "kind": "党支部"}), "GET", "/api/v1/party-orgs")
    r = admin.patch(f"/api/v1/party-orgs/{pid}", json={"secretary": "李四", "parent_id": None})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/party-orgs/{id}")
    r = admin.delete(f"/api/v1/units/{uid}")
    assert r.status_code == 409, r.text  # its party organisation still belongs to it
    check(r, "DELETE", "/api/v1/units/{id}")

    # users and grants
    r = admin.post("/api/v1/users", json={"username": "openapi.doc", "display_name": "文档", "password": PASSWORD,
                                          "org_id": gid, "lang": "en"})
    assert r.status_code == 201, r.text
    user = check(r, "POST", "/api/v1/users")
    check(admin.get(f"/api/v1/users/{user['id']}"), "GET", "/api/v1/users/{id}")
    check(admin.get("/api/v1/users", params={"q": "openapi"}), "GET", "/api/v1/users")
    r = admin.get("/api/v1/users/export", params={"q": "openapi"})
    assert r.status_code == 200 and xlsx_rows(r.content)[1][1] == "openapi.doc", r.text
    check(r, "GET", "/api/v1/users/export")
    r = admin.get("/api/v1/audit/export", params={"action": "users.exported"})
    assert r.status_code == 200 and xlsx_rows(r.content)[1][4] == "导出账号", r.text
    check(r, "GET", "/api/v1/audit/export")
    r = admin.patch(f"/api/v1/users/{user['id']}", json={"display_name": "文档用户", "unlock": True})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/users/{id}")
    r = admin.post(f"/api/v1/users/{user['id']}/grants", json={"role": "resident", "org_id": gid},
                   headers={"Idempotency-Key": "openapi-grant-1"})
    assert r.status_code == 201, r.text
    granted = check(r, "POST", "/api/v1/users/{id}/grants")
    r = admin.post(f"/api/v1/users/{user['id']}/grants", json={"role": "resident", "org_id": gid})
    assert r.status_code == 409, r.text
    check(r, "POST", "/api/v1/users/{id}/grants")

    # the new user's own session: login, me, password, logout
    c = server.client()
    r = c.login("openapi.doc", PASSWORD)
    check(r, "POST", "/api/v1/auth/login")
    check(c.get("/api/v1/auth/me"), "GET", "/api/v1/auth/me")
    r = c.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": PASSWORD + "-2"})
    assert r.status_code == 204, r.text
    check(r, "POST", "/api/v1/auth/password")
    r = c.post("/api/v1/auth/password", json={"current_password": "wrong", "new_password": PASSWORD})
    assert r.status_code == 400, r.text
    check(r, "POST", "/api/v1/auth/password")
    r = c.post("/api/v1/auth/logout")
    assert r.status_code == 204, r.text
    check(r, "POST", "/api/v1/auth/logout")
    check(c.get("/api/v1/auth/me"), "GET", "/api/v1/auth/me")  # 401 now

    r = admin.delete(f"/api/v1/users/{user['id']}/grants/{granted['grants'][0]['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/users/{id}/grants/{grant_id}")

    # API tokens, and the Bearer view of /auth/me (no csrf_token)
    r = admin.post("/api/v1/auth/tokens", json={"name": "openapi", "expires_in_days": 1})
    assert r.status_code == 201, r.text
    token = check(r, "POST", "/api/v1/auth/tokens")
    check(admin.get("/api/v1/auth/tokens"), "GET", "/api/v1/auth/tokens")
    bearer = server.client()
    me = check(bearer.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['token']}"}),
               "GET", "/api/v1/auth/me")
    assert "csrf_token" not in me
    r = admin.delete(f"/api/v1/auth/tokens/{token['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/auth/tokens/{id}")
    # x-no-replay: the same Idempotency-Key and body make a new token each time, never a stored answer
    made = []
    for _ in range(2):
        r = admin.post("/api/v1/auth/tokens", json={"name": "openapi-again"},
                       headers={"Idempotency-Key": "openapi-tok"})
        assert r.status_code == 201, r.text
        made.append(check(r, "POST", "/api/v1/auth/tokens"))
    assert made[0]["id"] != made[1]["id"] and made[0]["token"] != made[1]["token"]
    r = admin.post("/api/v1/auth/tokens", json={"name": "openapi-other"}, headers={"Idempotency-Key": "openapi-tok"})
    assert r.status_code == 201, r.text  # nor is the key remembered: no 422 for another body
    made.append(check(r, "POST", "/api/v1/auth/tokens"))
    r = admin.post("/api/v1/auth/tokens", json={"name": "openapi-bad-key"}, headers={"Idempotency-Key": "k" * 129})
    assert r.status_code == 400 and r.json()["error"]["field"] == "Idempotency-Key", r.text  # still checked
    check(r, "POST", "/api/v1/auth/tokens")
    for t in made:
        r = admin.delete(f"/api/v1/auth/tokens/{t['id']}")
        assert r.status_code == 204, r.text

    # residents, households, tags and party members
    tags = check(admin.get("/api/v1/person-tags"), "GET", "/api/v1/person-tags")
    codes = [t["code"] for t in tags["items"]]
    assert len(codes) >= 2 and tags["next"] is None
    r = admin.post("/api/v1/households", json={"org_id": gid, "address": "文档路 1 号"})
    assert r.status_code == 201, r.text
    household = check(r, "POST", "/api/v1/households")
    hid = household["id"]
    assert household["members"] == 0
    check(admin.get(f"/api/v1/households/{hid}"), "GET", "/api/v1/households/{id}")
    found = check(admin.get("/api/v1/households", params={"org": gid, "q": "文档路"}), "GET", "/api/v1/households")
    assert [h["id"] for h in found["items"]] == [hid]
    r = admin.get("/api/v1/households/export", params={"org": gid, "q": "文档路"})
    check(r, "GET", "/api/v1/households/export")
    assert [row[1] for row in xlsx_rows(r.content)[1:]] == ["文档路 1 号"]
    r = admin.patch(f"/api/v1/households/{hid}", json={"address": "文档路 2 号", "version": household["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/households/{id}")
    r = admin.patch(f"/api/v1/households/{hid}", json={"address": "冲突", "version": household["version"]})
    assert r.status_code == 409, r.text
    check(r, "PATCH", "/api/v1/households/{id}")

    head_id = "11010519491231002X"
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "文档户主", "id_card": head_id,
                                            "phone": "13856785678", "household_id": hid, "relation": "户主",
                                            "gender": "F", "birth_date": "1949-12-31", "tags": codes[:2]},
                   headers={"Idempotency-Key": "openapi-person-1"})
    assert r.status_code == 201, r.text
    head = check(r, "POST", "/api/v1/persons")
    assert (head["id_card"], head["phone"], head["gender"]) == ("1101*************X", "138****5678", "F")
    assert sorted(head["tags"]) == sorted(codes[:2]) and head["party_member"] is False
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "文档配偶", "id_card": id_card("34010419500101001"),
                                            "household_id": hid, "relation": "配偶", "phone": None})
    assert r.status_code == 201, r.text
    spouse = check(r, "POST", "/api/v1/persons")
    assert spouse["phone"] is None and spouse["tags"] == [] and spouse["birth_year"] == 1950
    r = admin.post("/api/v1/persons/bulk", json={"action": "tag_add", "tag": codes[0], "ids": [head["id"]]})
    assert check(r, "POST", "/api/v1/persons/bulk") == {"action": "tag_add", "count": 1, "changed": 0}, r.text
    r = admin.post("/api/v1/persons/bulk", json={"action": "move", "ids": [head["id"]]})
    assert check(r, "POST", "/api/v1/persons/bulk")["error"]["field"] == "org_id", r.text
    r = admin.post("/api/v1/persons/bulk", json={"action": "delete", "ids": [999999999]})
    assert r.status_code == 404 and check(r, "POST", "/api/v1/persons/bulk")["error"]["id"] == 999999999, r.text
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "重复", "id_card": head_id.lower()})
    assert r.status_code == 409, r.text  # the number is registered already
    check(r, "POST", "/api/v1/persons")
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "错号", "id_card": "110105194912310021"})
    assert r.status_code == 400, r.text
    assert check(r, "POST", "/api/v1/persons")["error"]["reason"] == "idcard_checksum"
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "错标签", "id_card": id_card("34010419500101002"),
                                            "tags": ["no-such-tag"]})
    assert r.status_code == 400, r.text
    assert check(r, "POST", "/api/v1/persons")["error"]["field"] == "tags"
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "无户", "id_card": id_card("34010419500101003"),
                                            "household_id": 999999999})
    assert r.status_code == 404, r.text
    check(r, "POST", "/api/v1/persons")

    check(admin.get(f"/api/v1/persons/{head['id']}"), "GET", "/api/v1/persons/{id}")
    check(admin.get("/api/v1/persons/999999999"), "GET", "/api/v1/persons/{id}")
    found = check(admin.get("/api/v1/persons", params={"org": gid, "household": hid, "q": "文档", "id_tail": "002X",
                                                       "phone_tail": "5678", "tag": codes[0], "id_card": head_id,
                                                       "limit": 1}),
                  "GET", "/api/v1/persons")
    assert [p["id"] for p in found["items"]] == [head["id"]] and found["next"] is None
    page = check(admin.get("/api/v1/persons", params={"household": hid, "limit": 1}), "GET", "/api/v1/persons")
    assert page["next"] is not None
    r = admin.get("/api/v1/persons", params={"id_tail": "12"})
    assert r.status_code == 400, r.text
    check(r, "GET", "/api/v1/persons")
    r = admin.patch(f"/api/v1/persons/{head['id']}", json={"phone": None, "tags": [codes[0]], "name": "文档户主二",
                                                           "version": head["version"]})
    assert r.status_code == 200, r.text
    changed = check(r, "PATCH", "/api/v1/persons/{id}")
    assert changed["phone"] is None and changed["tags"] == [codes[0]]
    r = admin.patch(f"/api/v1/persons/{head['id']}", json={"name": "冲突", "version": head["version"]})
    assert r.status_code == 409, r.text
    check(r, "PATCH", "/api/v1/persons/{id}")
    r = admin.patch(f"/api/v1/persons/{head['id']}", json={"tags": None})
    assert r.status_code == 400, r.text
    check(r, "PATCH", "/api/v1/persons/{id}")

    reveals = {"entity": "person", "entity_id": head["id"], "action": "person.revealed", "limit": 200}
    before = len(check(admin.get("/api/v1/audit", params=reveals), "GET", "/api/v1/audit")["items"])
    for _ in range(2):  # x-no-replay: the same key reveals (and is audited) anew each time
        r = admin.post(f"/api/v1/persons/{head['id']}/reveal", json={"field": "id_card", "reason": "文档核对"},
                       headers={"Idempotency-Key": "openapi-reveal"})
        assert r.status_code == 200, r.text
        assert check(r, "POST", "/api/v1/persons/{id}/reveal")["value"] == head_id
    after = check(admin.get("/api/v1/audit", params=reveals), "GET", "/api/v1/audit")["items"]
    assert len(after) == before + 2, after
    r = admin.post(f"/api/v1/persons/{head['id']}/reveal", json={"field": "phone", "reason": "文档核对"})
    assert r.status_code == 200, r.text
    assert check(r, "POST", "/api/v1/persons/{id}/reveal")["value"] is None  # removed above
    r = admin.post(f"/api/v1/persons/{head['id']}/reveal", json={"field": "name", "reason": "文档核对"})
    assert r.status_code == 400, r.text
    check(r, "POST", "/api/v1/persons/{id}/reveal")
    r = admin.post("/api/v1/persons/999999999/reveal", json={"field": "phone", "reason": "文档核对"})
    assert r.status_code == 404, r.text
    check(r, "POST", "/api/v1/persons/{id}/reveal")

    r = admin.post("/api/v1/party-orgs", json={"org_id": gid, "kind": "党支部", "name": "文档网格党支部"})
    assert r.status_code == 201, r.text
    branch = check(r, "POST", "/api/v1/party-orgs")["id"]
    r = admin.post("/api/v1/party-members", json={"person_id": head["id"], "party_org_id": branch, "status": "预备",
                                                  "joined_on": "2020-07-01", "in_service": True,
                                                  "employer_unit_id": uid, "registered_org_id": cid})
    assert r.status_code == 201, r.text
    member = check(r, "POST", "/api/v1/party-members")
    assert member["in_service"] is True and member["employer_name"] == "文档测试公司"
    r = admin.post("/api/v1/party-members", json={"person_id": head["id"], "party_org_id": branch, "status": "正式",
                                                  "joined_on": "2020-07-01"})
    assert r.status_code == 409, r.text
    check(r, "POST", "/api/v1/party-members")
    r = admin.post("/api/v1/party-members", json={"person_id": spouse["id"], "party_org_id": branch, "status": "正式",
                                                  "joined_on": "2020-07-01", "registered_org_id": gid})
    assert r.status_code == 400, r.text  # members register with a community, not a grid
    check(r, "POST", "/api/v1/party-members")
    r = admin.post("/api/v1/party-members", json={"person_id": 999999999, "party_org_id": branch, "status": "正式",
                                                  "joined_on": "2020-07-01"})
    assert r.status_code == 404, r.text
    check(r, "POST", "/api/v1/party-members")
    check(admin.get(f"/api/v1/party-members/{head['id']}"), "GET", "/api/v1/party-members/{id}")
    found = check(admin.get("/api/v1/party-members", params={"org": gid, "party_org": branch, "in_service": 1,
                                                             "status": "预备"}),
                  "GET", "/api/v1/party-members")
    assert [m["person_id"] for m in found["items"]] == [head["id"]]
    r = admin.get("/api/v1/party-members", params={"status": "积极分子"})
    assert r.status_code == 400, r.text
    check(r, "GET", "/api/v1/party-members")
    r = admin.patch(f"/api/v1/party-members/{head['id']}", json={"status": "正式", "employer_unit_id": None,
                                                                 "version": member["version"]})
    assert r.status_code == 200, r.text
    assert check(r, "PATCH", "/api/v1/party-members/{id}")["employer_name"] is None
    r = admin.patch(f"/api/v1/party-members/{head['id']}", json={"status": "预备", "version": member["version"]})
    assert r.status_code == 409, r.text
    check(r, "PATCH", "/api/v1/party-members/{id}")
    assert check(admin.get(f"/api/v1/persons/{head['id']}"), "GET", "/api/v1/persons/{id}")["party_member"] is True
    r = admin.post("/api/v1/party-members/bulk", json={"action": "move", "party_org_id": branch, "ids": [head["id"]]})
    assert check(r, "POST", "/api/v1/party-members/bulk") == {"action": "move", "count": 1, "changed": 0}, r.text
    r = admin.post("/api/v1/party-members/bulk", json={"action": "move", "ids": [head["id"]]})
    assert check(r, "POST", "/api/v1/party-members/bulk")["error"]["field"] == "party_org_id", r.text
    r = admin.post("/api/v1/party-members/bulk", json={"action": "delete", "ids": [999999999]})
    assert r.status_code == 404 and check(r, "POST", "/api/v1/party-members/bulk")["error"]["id"] == 999999999, r.text

    walk_geometry(admin, community["items"][0], gid)
    walk_cadres(admin, cid, gid, head, spouse)
    walk_norms(admin, cid, gid)
    walk_duties(admin, cid, gid)
    walk_notices(admin, cid, gid)
    walk_review(admin, cid)  # 述职评议
    walk_problems(admin, cid, gid)  # ---- rectification problems (问题清单) ----
    walk_assessment(admin, cid)  # annual assessment (年度综合考核)
    walk_partner(admin, cid)  # 结对共建 and purchased services
    walk_alliances(admin, cid)  # ---- 区域化党建联盟 ---- (end)
    walk_pay(admin, cid)  # 村/社区干部报酬
    walk_venues_funds(admin, cid)  # venues and operating funds (venue.c, funds.c)
    walk_dues(admin, cid)  # 党费 dues (dues.c)
    walk_party_meetings(admin, cid)  # 三会一课 (party_meeting.c)
    walk_service_report(admin, cid)  # 双报到
    walk_party_development(admin, cid)  # 发展党员
    walk_work_teams(admin)  # ---- work teams and poverty ledger ----

    # the rollups: the grid's figures, and the community's for the member who registered there
    stats = check(admin.get(f"/api/v1/orgs/{gid}/stats"), "GET", "/api/v1/orgs/{id}/stats")
    people = stats["people"]
    assert (people.get("residents"), people.get("households"), people.get("party_members"),
            people.get("party_members_formal"), people.get("party_members_in_service"),
            people.get(f"tag.{codes[0]}"), people.get(f"tag.{codes[1]}", 0)) == (2, 1, 1, 1, 1, 1, 0), people
    stats = check(admin.get(f"/api/v1/orgs/{cid}/stats"), "GET", "/api/v1/orgs/{id}/stats")
    assert stats["people"].get("in_service_registered") == 1, stats["people"]
    assert [c["people"] for c in stats["children"] if c["id"] == gid] == [people]

    r = admin.delete(f"/api/v1/households/{hid}")
    assert r.status_code == 409, r.text  # it still has members
    check(r, "DELETE", "/api/v1/households/{id}")
    r = admin.delete(f"/api/v1/party-members/{head['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/party-members/{id}")
    check(admin.get(f"/api/v1/party-members/{head['id']}"), "GET", "/api/v1/party-members/{id}")  # 404 now
    for p in (head, spouse):
        r = admin.delete(f"/api/v1/persons/{p['id']}")
        assert r.status_code == 204, r.text
        check(r, "DELETE", "/api/v1/persons/{id}")
    for url, template in ((f"/api/v1/households/{hid}", "/api/v1/households/{id}"),
                          (f"/api/v1/party-orgs/{branch}", "/api/v1/party-orgs/{id}")):
        r = admin.delete(url)
        assert r.status_code == 204, r.text
        check(r, "DELETE", template)
    people = check(admin.get(f"/api/v1/orgs/{gid}/stats"), "GET", "/api/v1/orgs/{id}/stats")["people"]
    assert not any(people.values()), people  # every figure back to 0

    # the audit log saw all of it
    audit = check(admin.get("/api/v1/audit", params={"entity": "unit", "entity_id": uid}), "GET", "/api/v1/audit")
    assert {row["action"] for row in audit["items"]} >= {"unit.created", "unit.updated"}

    # clean up, deepest first
    r = admin.delete(f"/api/v1/orgs/{cid}")
    assert r.status_code == 409, r.text  # it has children
    check(r, "DELETE", "/api/v1/orgs/{id}")
    for url, template in ((f"/api/v1/party-orgs/{pid}", "/api/v1/party-orgs/{id}"),
                          (f"/api/v1/units/{uid}", "/api/v1/units/{id}")):
        r = admin.delete(url)
        assert r.status_code == 204, r.text
        check(r, "DELETE", template)

    walk_claims(server, admin, cid)  # service posts and 微心愿
    walk_import_export(server, admin)
    walk_transfers(server, admin)
    ctx = walk_cases(server, admin)
    walk_case_extras(server, admin, ctx)
    walk_open311(server, admin, ctx)
    walk_public_cases(server, admin, ctx)
    walk_escalation(server, admin, ctx)  # moves the clock: every cookie session but the admin's ends
    walk_teams(admin, cid, gid)  # volunteer and service teams (a case of their own, after the escalation's)
    walk_village(admin)  # 村级集体经济
    walk_honours(admin, cid)  # 党建品牌 and 荣誉
    walk_party_transfers(admin, cid)  # 组织关系转接
    walk_member_evaluation(admin, cid)  # 民主评议党员
    check(admin.get("/api/v1/outbox", params={"limit": 5}), "GET", "/api/v1/outbox")  # the walk's dispatches

    # the test clock (the fixture's server runs with --test-clock)
    r = admin.post("/api/v1/_test/clock", json={"advance_seconds": 0})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/_test/clock")

    missing = sorted(set(OPS) - HIT)
    assert not missing, f"routes not exercised: {missing}"
    # Every move and record the document names, the walk has met in a case's log (the enums refuse any other).
    events = DOC["components"]["schemas"]["CaseEventAction"]["enum"]
    assert set(events) == EVENTS, f"documented {sorted(set(events) - EVENTS)} never met; met {sorted(EVENTS)}"

    # What the walk met of the table's facts that are not declarations: an upload documents 415 exactly when the
    # server refused one for its media type, and a file download documents exactly the media types it served.
    for route in ROUTES:
        key = (route["method"], norm(route["pattern"]))
        _, _, op = OPS[key]
        statuses = {status for status, _ in SEEN.get(key, ())}
        if "upload" in route["flags"]:
            assert ("415" in op["responses"]) == ("415" in statuses), \
                f"{route['name']}: 415 documented {'415' in op['responses']}, met {'415' in statuses}"
        ok = deref(op["responses"].get("200", {})).get("content", {})
        if ok and "application/json" not in ok:
            served = {media for status, media in SEEN.get(key, ()) if status == "200"}
            assert set(ok) == served, f"{route['name']}: documents {sorted(ok)}, served {sorted(served)}"


def square(x0, y0, size):
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]}


def error_field(r, method, template, status=400):
    """Check an error answer against the document; returns its error object."""
    assert r.status_code == status, f"{method} {template}: {r.status_code} {r.text}"
    return check(r, method, template)["error"]


def walk_geometry(admin, community, gid):
    """Part of the walk: outlines and points, the coverage audit and locate, on a grid of the walk's
    community (gid, holding a household and a party branch) and a few nodes made here."""
    cid, lng, lat, d = community["id"], 100.0, 20.0, 0.01
    geo, put = "/api/v1/orgs/{id}/geometry", "PUT"

    got = check(admin.get(f"/api/v1/orgs/{gid}/geometry"), "GET", geo)
    assert got == {"org_id": gid, "geometry": None}
    cover = check(admin.get(f"/api/v1/orgs/{cid}/coverage"), "GET", "/api/v1/orgs/{id}/coverage")
    assert gid in [g["id"] for g in cover["grids_without_outline"]["items"]]
    assert gid in [g["id"] for g in cover["grids_without_worker"]["items"]]
    assert gid not in [g["id"] for g in cover["grids_without_party_branch"]["items"]]

    outline = square(lng, lat, d)
    r = admin.request(put, f"/api/v1/orgs/{gid}/geometry", json=outline)
    assert r.status_code == 200, r.text
    assert check(r, put, geo) == {"org_id": gid, "geometry": outline}
    assert check(admin.get(f"/api/v1/orgs/{gid}/geometry"), "GET", geo)["geometry"] == outline
    drawn = check(admin.get(f"/api/v1/orgs/{cid}/map"), "GET", "/api/v1/orgs/{id}/map")
    ring = {c["id"]: c for c in drawn["children"]}[gid]["geometry"]["coordinates"][0]
    assert ring == [pytest.approx(p) for p in outline["coordinates"][0]]  # fifteen digits, not seventeen
    assert check(admin.get("/api/v1/map/tiles"), "GET", "/api/v1/map/tiles")["url"] is None
    pub = check(admin.get(f"/api/v1/public/map?org={cid}"), "GET", "/api/v1/public/map")
    assert gid in [c["id"] for c in pub["children"]]
    spot = check(admin.get(f"/api/v1/public/locate?lng={lng + d / 2}&lat={lat + d / 2}"), "GET", "/api/v1/public/locate")
    assert spot["grid"]["id"] == gid
    # a hole, and a third coordinate (altitude), are taken
    holed = {"type": "Polygon", "coordinates": outline["coordinates"] + [
        [[lng + d / 4, lat + d / 4, 5], [lng + d / 3, lat + d / 4, 5], [lng + d / 3, lat + d / 3, 5],
         [lng + d / 4, lat + d / 4, 5]]]}
    r = admin.request(put, f"/api/v1/orgs/{gid}/geometry", json=holed)
    assert r.status_code == 200, r.text
    assert check(r, put, geo)["geometry"] == holed

    # what a bad geometry answers, and that it changes nothing
    ring = outline["coordinates"][0]
    bad = [
        ({**outline, "bbox": [0, 0, 1, 1]}, "bbox", None),
        ({"coordinates": outline["coordinates"]}, "type", None),
        ({"type": "LineString", "coordinates": ring}, "type", None),
        ({"type": "Point", "coordinates": [lng, lat]}, "type", None),  # a grid takes a Polygon
        ({"type": "Polygon"}, "coordinates", "bad_rings"),
        ({"type": "Polygon", "coordinates": []}, "coordinates", "bad_rings"),
        ({"type": "Polygon", "coordinates": [ring] * 33}, "coordinates", "bad_rings"),
        ({"type": "Polygon", "coordinates": [ring[:3]]}, "coordinates", "ring_too_short"),
        ({"type": "Polygon", "coordinates": [ring[:4]]}, "coordinates", "ring_not_closed"),
        ({"type": "Polygon", "coordinates": [[[lng, lat], [lng + d, lat], [lng + 2 * d, lat], [lng, lat]]]},
         "coordinates", "ring_degenerate"),
        ({"type": "Polygon", "coordinates": [[[lng, lat], [190, lat], [lng, lat + d], [lng, lat]]]},
         "coordinates", "bad_position"),
        ({"type": "Polygon", "coordinates": [[[lng, lat], ["x", lat], [lng, lat + d], [lng, lat]]]},
         "coordinates", "bad_position"),
        ({"type": "Polygon", "coordinates": [[[lng, lat]] * 10001]}, "coordinates", "too_many_points"),
        ({"type": "Point", "coordinates": [lng]}, "coordinates", "bad_position"),
    ]
    for body, field, reason in bad:
        err = error_field(admin.request(put, f"/api/v1/orgs/{gid}/geometry", json=body), put, geo)
        assert (err["code"], err["field"], err.get("reason")) == ("validation_failed", field, reason), (body, err)
    r = admin.request(put, f"/api/v1/orgs/{gid}/geometry", data=b"{}")
    assert r.status_code == 415, r.text
    check(r, put, geo)
    assert error_field(admin.request(put, "/api/v1/orgs/999999999/geometry", json=outline), put, geo,
                       404)["code"] == "not_found"
    assert error_field(admin.get("/api/v1/orgs/999999999/geometry"), "GET", geo, 404)["code"] == "not_found"
    r = admin.request(put, f"/api/v1/orgs/{gid}/geometry", json=outline)
    assert r.status_code == 200, r.text
    assert check(admin.get(f"/api/v1/orgs/{gid}/geometry"), "GET", geo)["geometry"] == outline

    # buildings take a point
    made = []
    for name, point in (("文档1栋", [lng + d / 2, lat + d / 2]), ("文档2栋", [lng + 5 * d, lat + d / 2])):
        r = admin.post("/api/v1/orgs", json={"parent_id": gid, "level": "building", "name": name})
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
        r = admin.request(put, f"/api/v1/orgs/{made[-1]}/geometry", json={"type": "Point", "coordinates": point})
        assert r.status_code == 200, r.text
        assert check(r, put, geo)["geometry"] == {"type": "Point", "coordinates": point}
    inside_bld, outside_bld = made
    err = error_field(admin.request(put, f"/api/v1/orgs/{inside_bld}/geometry", json=outline), put, geo)
    assert err["field"] == "type"
    # a second grid overlapping the first, with neither outline nor branch nor worker of its own at first:
    # half over it is refused, a sliver (0.4% of the area, within the tolerance) is taken
    r = admin.post("/api/v1/orgs", json={"parent_id": cid, "level": "grid", "name": "文档重叠网格"})
    assert r.status_code == 201, r.text
    grid2 = r.json()["id"]
    err = error_field(admin.request(put, f"/api/v1/orgs/{grid2}/geometry", json=square(lng + d / 2, lat, d)), put,
                      geo, 409)
    assert (err["code"], err["field"]) == ("geometry_overlap", "geometry"), err
    bowtie = {"type": "Polygon", "coordinates": [[[lng, lat], [lng + d, lat + d], [lng + d, lat], [lng, lat + d / 2],
                                                  [lng, lat]]]}
    err = error_field(admin.request(put, f"/api/v1/orgs/{grid2}/geometry", json=bowtie), put, geo)
    assert (err["code"], err["field"]) == ("geometry_invalid", "geometry") and err["reason"], err
    r = admin.request(put, f"/api/v1/orgs/{grid2}/geometry", json=square(lng + d * 0.996, lat, d))
    assert r.status_code == 200, r.text
    # a household above grid level
    r = admin.post("/api/v1/households", json={"org_id": cid, "address": "文档无网格地址"})
    assert r.status_code == 201, r.text
    stray = r.json()["id"]

    cover = check(admin.get(f"/api/v1/orgs/{cid}/coverage"), "GET", "/api/v1/orgs/{id}/coverage")
    assert stray in [h["id"] for h in cover["households_without_grid"]["items"]]
    assert [h for h in cover["households_without_grid"]["items"] if h["id"] == stray] == \
        [{"id": stray, "address": "文档无网格地址", "org_id": cid, "org_name": community["name"]}]
    assert grid2 in [g["id"] for g in cover["grids_without_party_branch"]["items"]]
    assert gid not in [g["id"] for g in cover["grids_without_outline"]["items"]]
    assert grid2 not in [g["id"] for g in cover["grids_without_outline"]["items"]]
    assert cover["buildings_outside_grid"]["items"] == [{"id": outside_bld, "name": "文档2栋", "grid_id": gid}]
    pairs = [{p["a"]["id"], p["b"]["id"]} for p in cover["overlapping_grids"]["items"]]
    assert {gid, grid2} in pairs and cover["overlapping_grids"]["count"] >= 1
    assert cover["communities_without_grids"]["count"] == 0
    for finding in cover.values():
        assert finding["count"] >= len(finding["items"])
    # one level up, the community's neighbours without grids show
    above = check(admin.get(f"/api/v1/orgs/{community['parent_id']}/coverage"), "GET", "/api/v1/orgs/{id}/coverage")
    assert above["communities_without_grids"]["count"] > 0
    assert cid not in [c["id"] for c in above["communities_without_grids"]["items"]]
    r = admin.get("/api/v1/orgs/999999999/coverage")
    assert r.status_code == 404, r.text
    check(r, "GET", "/api/v1/orgs/{id}/coverage")

    # locate: inside, on the edge, nowhere, and bad input
    loc = "/api/v1/locate"
    got = check(admin.get(loc, params={"lng": lng + d / 4, "lat": lat + d / 2}), "GET", loc)
    assert got["position"] == "inside" and got["grid"]["id"] == gid, got
    assert (got["grid"]["community_id"], got["grid"]["community_name"]) == (cid, community["name"])
    got = check(admin.get(loc, params={"lng": lng, "lat": lat + d / 2}), "GET", loc)
    assert (got["position"], got["grid"]["id"]) == ("boundary", gid), got
    got = check(admin.get(loc, params={"lng": lng - 1, "lat": lat - 1}), "GET", loc)
    assert got == {"grid": None, "position": "outside", "district": None}
    for params, field in (({"lat": lat}, "lng"), ({"lng": "east", "lat": lat}, "lng"),
                          ({"lng": 181, "lat": lat}, "lng"), ({"lng": lng}, "lat"), ({"lng": lng, "lat": -90.5}, "lat")):
        assert error_field(admin.get(loc, params=params), "GET", loc)["field"] == field, params

    # clean up what was made here (the grid's outline stays)
    r = admin.delete(f"/api/v1/households/{stray}")
    assert r.status_code == 204, r.text
    for org in (inside_bld, outside_bld, grid2):
        r = admin.delete(f"/api/v1/orgs/{org}")
        assert r.status_code == 204, r.text
    cover = check(admin.get(f"/api/v1/orgs/{cid}/coverage"), "GET", "/api/v1/orgs/{id}/coverage")
    assert cover["overlapping_grids"]["count"] == 0 and cover["buildings_outside_grid"]["count"] == 0


def walk_norms(admin, cid, gid):
    """Part of the walk: a norm of each kind at the walk's community, what applies at its grid, the catalogue."""
    col, one = "/api/v1/norms", "/api/v1/norms/{id}"
    keys = check(admin.get("/api/v1/norm-keys"), "GET", "/api/v1/norm-keys")["items"]
    values = {"number": 30, "steps": [10, 20], "shares": None, "bands": None}
    made = []
    for k in keys:
        value = values[k["kind"]]
        if k["kind"] == "shares":
            value = {n: (k["sum"] / len(k["names"]) if k["sum"] else 1) for n in k["names"]}
        if k["kind"] == "bands":
            value = [{"grade": n, "min": 10 * (len(k["names"]) - 1 - i)} for i, n in enumerate(k["names"])]
        r = admin.post(col, json={"org_id": cid, "key": k["key"], "year_from": 2024, "value": value,
                                  "basis": "文档测试"})
        assert r.status_code == 201, r.text
        made.append(check(r, "POST", col))
        assert made[-1]["value"] == value
    r = admin.post(col, json={"org_id": cid, "key": keys[0]["key"], "year_from": 2024, "value": made[0]["value"]})
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    r = admin.post(col, json={"org_id": cid, "key": "review.satisfaction_floor", "year_from": 2025, "value": "x"})
    assert r.status_code == 400, r.text
    check(r, "POST", col)
    page = check(admin.get(col, params={"org": cid, "key": keys[0]["key"]}), "GET", col)
    assert [n["id"] for n in page["items"]] == [made[0]["id"]]
    now = check(admin.get("/api/v1/norms/effective", params={"org": gid, "year": 2024}), "GET", "/api/v1/norms/effective")
    assert [i["norm"]["id"] for i in now["items"]] == [n["id"] for n in made]
    r = admin.get("/api/v1/norms/effective", params={"org": 999999999})
    assert r.status_code == 404, r.text
    check(r, "GET", "/api/v1/norms/effective")
    n = made[-1]
    check(admin.get(f"/api/v1/norms/{n['id']}"), "GET", one)
    r = admin.patch(f"/api/v1/norms/{n['id']}", json={"basis": None, "version": n["version"]})
    assert r.status_code == 200 and r.json()["basis"] is None, r.text
    check(r, "PATCH", one)
    for x in made:
        r = admin.delete(f"/api/v1/norms/{x['id']}")
        assert r.status_code == 204, r.text
        check(r, "DELETE", one)
    check(admin.get(f"/api/v1/norms/{n['id']}"), "GET", one)  # 404 now


def walk_party_development(admin, cid):
    """Part of the walk (发展党员): the norm, an applicant of a branch, a step and one refused, the candidate, the
    lists and the figures."""
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    po = admin.post("/api/v1/party-orgs", json={"org_id": cid, "kind": "党支部", "name": "文档发展党支部"}).json()["id"]
    r = admin.post("/api/v1/norms", json={"org_id": street, "key": "development.periods", "year_from": 2000, "value": {
        "dev_min_age": 18, "dev_talk_months": 1, "dev_activist_months": 12, "dev_assessment_months": 6,
        "dev_training_days": 3, "dev_training_hours": 24, "dev_publicity_workdays": 5, "dev_approval_months": 3,
        "dev_approval_months_max": 6, "dev_probation_months": 12, "dev_extension_months_min": 6,
        "dev_extension_months_max": 12}})
    assert r.status_code == 201, r.text
    p = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档申请人", "id_card": id_card("34010419990101332")})
    assert p.status_code == 201, p.text
    col = "/api/v1/party-candidates"
    for status in (201, 409):
        r = admin.post(col, json={"person_id": p.json()["id"], "party_org_id": po, "note": "文档申请"})
        assert r.status_code == status, r.text
        c = check(r, "POST", col) if status == 201 else c
    r = admin.post(f"{col}/{c['id']}/steps", json={"step": 2, "persons": "文档谈话人"})
    assert r.status_code == 201, r.text
    c = check(r, "POST", col + "/{id}/steps")
    r = admin.post(f"{col}/{c['id']}/steps", json={"step": 4})
    assert r.status_code == 409, r.text
    check(r, "POST", col + "/{id}/steps")
    check(admin.get(f"{col}/{c['id']}"), "GET", col + "/{id}")
    page = check(admin.get(col, params={"org": cid, "stage": 1, "state": "active", "q": "文档"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [c["id"]]
    due = check(admin.get(col + "/due", params={"party_org": po}), "GET", col + "/due")
    assert due["items"][0]["next"]["step"] == 3
    f = check(admin.get("/api/v1/party-development-figures", params={"org": street}), "GET",
              "/api/v1/party-development-figures")
    assert f["stage1"] >= 1


def walk_service_report(admin, cid):
    """Part of the walk (双报到): an in-service member of a community of its own reports there, is received,
    serves, is verified and rated; the quarter's card goes to the employer's party organisation, which
    acknowledges it; the lists, exports, figures and the member's own page (an admin is no member: 403)."""
    now = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc)
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    r = admin.post("/api/v1/orgs", json={"parent_id": street, "level": "community", "name": "文档报到社区"})
    assert r.status_code == 201, r.text
    community = r.json()["id"]
    unit = admin.post("/api/v1/units", json={"org_id": community, "name": "文档报到单位", "type": "agency"}).json()["id"]
    po = admin.post("/api/v1/party-orgs", json={"org_id": community, "unit_id": unit, "kind": "党支部",
                                                "name": "文档报到单位党支部"}).json()["id"]
    p = admin.post("/api/v1/persons", json={"org_id": community, "name": "文档报到党员",
                                            "id_card": id_card("34010419800101331")})
    assert p.status_code == 201, p.text
    person = p.json()["id"]
    r = admin.post("/api/v1/party-members", json={"person_id": person, "party_org_id": po, "status": "正式",
                                                  "joined_on": "2010-07-01", "in_service": True,
                                                  "employer_unit_id": unit})
    assert r.status_code == 201, r.text
    col = "/api/v1/member-reports"
    body = {"person_id": person, "org_id": community, "employer_unit_id": unit, "employer_party_org_id": po,
            "skills": "文档特长", "preferred_team": "文档服务队"}
    for status in (201, 409):
        r = admin.post(col, json=body)
        assert r.status_code == status, r.text
        rep = check(r, "POST", col) if status == 201 else rep
    r = admin.post(f"{col}/{rep['id']}/moves", json={"action": "receive", "version": rep["version"]})
    assert r.status_code == 200, r.text
    rep = check(r, "POST", col + "/{id}/moves")
    r = admin.post(f"{col}/{rep['id']}/moves", json={"action": "receive", "version": rep["version"]})
    assert r.status_code == 409, r.text
    check(r, "POST", col + "/{id}/moves")
    check(admin.get(f"{col}/{rep['id']}"), "GET", col + "/{id}")
    page = check(admin.get(col, params={"org": community, "sort": "member_name"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [rep["id"]]
    check(admin.get(col + "/export", params={"org": community}), "GET", col + "/export")
    rc = "/api/v1/service-records"
    day = now.date().isoformat()
    r = admin.post(rc, json={"person_id": person, "served_on": day, "start_min": 480, "end_min": 540,
                             "content": "文档服务"})
    assert r.status_code == 201, r.text
    rec = check(r, "POST", rc)
    r = admin.post(rc, json={"person_id": person, "served_on": day, "start_min": 500, "end_min": 560,
                             "content": "文档重叠"})
    assert r.status_code == 409, r.text
    check(r, "POST", rc)
    r = admin.post(f"{rc}/{rec['id']}/verify", json={"version": rec["version"]})
    assert r.status_code == 409, r.text  # the community's own entry is verified already
    check(r, "POST", rc + "/{id}/verify")
    r = admin.post(f"{rc}/{rec['id']}/rating", json={"rating": 4, "version": rec["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", rc + "/{id}/rating")
    check(admin.get(f"{rc}/{rec['id']}"), "GET", rc + "/{id}")
    check(admin.get(rc, params={"org": community, "verified": 1, "sort": "-served_on"}), "GET", rc)
    check(admin.get(rc + "/export", params={"org": community}), "GET", rc + "/export")
    cc = "/api/v1/service-cards"
    body = {"report_id": rep["id"], "year": now.year, "quarter": (now.month - 1) // 3 + 1, "grade": "qualified"}
    r = admin.post(cc, json=body)
    assert r.status_code == 201, r.text
    card = check(r, "POST", cc)
    assert card["minutes"] == 60
    r = admin.post(f"{cc}/{card['id']}/acknowledge", json={"version": card["version"], "note": "文档签收"})
    assert r.status_code == 200, r.text
    check(r, "POST", cc + "/{id}/acknowledge")
    check(admin.get(f"{cc}/{card['id']}"), "GET", cc + "/{id}")
    check(admin.get(cc, params={"party_org_id": po, "acknowledged": 1}), "GET", cc)
    check(admin.get(cc + "/export", params={"org": community}), "GET", cc + "/export")
    r = admin.get("/api/v1/my/service")
    assert r.status_code == 403, r.text
    check(r, "GET", "/api/v1/my/service")
    f = check(admin.get("/api/v1/service-report-figures", params={"org": street, "year": now.year}), "GET",
              "/api/v1/service-report-figures")
    assert (f["cards_sent"], f["cards_acknowledged"]) >= (1, 1)
    uc = "/api/v1/unit-reports"
    body = {"unit_id": unit, "party_org_id": po, "org_id": community, "reported_on": day, "contact_role": "文档联系人",
            "offers": "文档资源"}
    for status in (201, 409):
        r = admin.post(uc, json=body)
        assert r.status_code == status, r.text
        ur = check(r, "POST", uc) if status == 201 else ur
    r = admin.post(f"{uc}/{ur['id']}/agreements", json={"year": now.year})
    assert r.status_code == 409, r.text  # not received yet
    check(r, "POST", uc + "/{id}/agreements")
    r = admin.post(f"{uc}/{ur['id']}/receive", json={"version": ur["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", uc + "/{id}/receive")
    r = admin.post(f"{uc}/{ur['id']}/agreements", json={"year": now.year})
    assert r.status_code == 201, r.text
    ag = check(r, "POST", uc + "/{id}/agreements")["agreements"][0]
    r = admin.post(f"/api/v1/unit-agreements/{ag['id']}/items", json={"what": "文档共建", "due_on": f"{now.year}-12-31",
                                                                     "responsible": "文档负责人"})
    assert r.status_code == 201, r.text
    item = check(r, "POST", "/api/v1/unit-agreements/{id}/items")["agreements"][0]["items"][0]
    r = admin.post(f"/api/v1/unit-agreement-items/{item['id']}/done", json={"done": True, "version": item["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/unit-agreement-items/{id}/done")
    check(admin.get(f"{uc}/{ur['id']}"), "GET", uc + "/{id}")
    check(admin.get(uc, params={"org": community, "sort": "-reported_on"}), "GET", uc)
    check(admin.get(uc + "/export", params={"unit_id": unit}), "GET", uc + "/export")

# ---- 民主评议党员 ----
def walk_member_evaluation(admin, cid):
    """Part of the walk (民主评议党员): a branch of a community of its own with a full and a probationary
    member opens this year's round (a second is 409), takes each through their steps (a grade for the
    probationary one is 409), records the 不合格 member's follow-up and closes; the list, an entry, the
    member's own page (an admin is no member) and the figures."""
    year = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc).year
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    r = admin.post("/api/v1/orgs", json={"parent_id": street, "level": "community", "name": "文档评议社区"})
    assert r.status_code == 201, r.text
    community = r.json()["id"]
    po = admin.post("/api/v1/party-orgs", json={"org_id": community, "kind": "党支部", "name": "文档评议党支部"}).json()["id"]
    for i, status in enumerate(("正式", "预备")):
        p = admin.post("/api/v1/persons", json={"org_id": community, "name": f"文档评议党员{i}",
                                                "id_card": id_card(f"3401041980{i + 1:02d}01441")})
        assert p.status_code == 201, p.text
        r = admin.post("/api/v1/party-members", json={"person_id": p.json()["id"], "party_org_id": po,
                                                      "status": status, "joined_on": "2010-07-01"})
        assert r.status_code == 201, r.text
    col, one = "/api/v1/member-evaluations", "/api/v1/member-evaluations/{id}"
    for status in (201, 409):
        r = admin.post(col, json={"party_org_id": po, "year": year})
        assert r.status_code == status, r.text
        rnd = check(r, "POST", col) if status == 201 else rnd
    step = "/api/v1/member-evaluation-entries/{id}/steps"

    def move(entry, name, status=200, **kw):
        r = admin.post(step.replace("{id}", str(entry["id"])), json={"step": name, "version": entry["version"], **kw})
        assert r.status_code == status, r.text
        return check(r, "POST", step)

    full, prob = sorted(rnd["entries"], key=lambda e: e["probationary"])
    full = move(full, "self", text="文档自评")
    full = move(full, "peer", peer_excellent=0, peer_qualified=0, peer_basic=0, peer_unqualified=1)
    full = move(full, "branch", grade="unqualified")
    full = move(full, "decision", grade="unqualified")
    full = move(full, "follow_up", follow_up="rectify", note="文档限期改正")
    prob = move(prob, "self", text="文档自评")
    prob = move(prob, "peer", peer_excellent=0, peer_qualified=1, peer_basic=0, peer_unqualified=0)
    move(prob, "branch", 409, grade="qualified")
    r = admin.post(one.replace("{id}", str(rnd["id"])) + "/close", json={"version": rnd["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", one + "/close")
    check(admin.get(one.replace("{id}", str(rnd["id"]))), "GET", one)
    check(admin.get(f"/api/v1/member-evaluation-entries/{full['id']}"), "GET", "/api/v1/member-evaluation-entries/{id}")
    page = check(admin.get(col, params={"org": community, "sort": "-year"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [rnd["id"]]
    assert check(admin.get("/api/v1/my/evaluation"), "GET", "/api/v1/my/evaluation")["member"] is False
    f = check(admin.get("/api/v1/member-evaluation-figures", params={"org": street, "year": year}), "GET",
              "/api/v1/member-evaluation-figures")
    assert (f["rounds_closed"], f["unqualified"], f["follow_ups"]) >= (1, 1, 1)


# ---- service posts and 微心愿 ----
def walk_claims(server, admin, cid):
    """Part of the walk: a service post claimed, withdrawn, claimed again, its attendance refused before the slot, a
    post cancelled; a resident's wish from posting to confirmation by the member who claimed it; the public board,
    the phone pages and the figures."""
    from datetime import timedelta
    today = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc).date()
    code = admin.get(f"/api/v1/orgs/{cid}").json()["code"]
    branch = admin.post("/api/v1/party-orgs", json={"org_id": cid, "kind": "党支部", "name": "文档认领党支部"})
    assert branch.status_code == 201, branch.text
    hh = admin.post("/api/v1/households", json={"org_id": cid, "address": "文档认领路1号"}).json()["id"]

    def account(name, id17, role, household=None):
        body = {"org_id": cid, "name": name, "id_card": id_card(id17)}
        if household:
            body.update(household_id=household, relation="户主")
        pid = admin.post("/api/v1/persons", json=body).json()["id"]
        if role == "party_member":
            r = admin.post("/api/v1/party-members", json={"person_id": pid, "party_org_id": branch.json()["id"],
                                                          "status": "正式", "joined_on": "2010-07-01",
                                                          "in_service": True, "registered_org_id": cid})
            assert r.status_code == 201, r.text
        uid = admin.post("/api/v1/users", json={"username": f"doc.{role}", "display_name": name, "password": PASSWORD,
                                                "org_id": cid}).json()["id"]
        assert admin.post(f"/api/v1/users/{uid}/grants", json={"role": role, "org_id": cid}).status_code == 201
        assert admin.patch(f"/api/v1/users/{uid}", json={"person_id": pid}).status_code == 200
        c = server.client()
        c.login(f"doc.{role}", PASSWORD)
        return c

    member = account("文档党员", "34010419550101071", "party_member")
    resident = account("文档居民", "34010419450101072", "resident", hh)
    col = "/api/v1/service-posts"
    body = {"org_id": cid, "category": "社区治理", "title": "文档岗位", "served_on": str(today + timedelta(days=3)),
            "start_min": 540, "end_min": 600, "capacity": 2}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    post = check(r, "POST", col)
    error_field(admin.post(col, json={**body, "end_min": 500}), "POST", col)
    r = admin.patch(f"{col}/{post['id']}", json={"title": "文档岗位二", "version": post["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", col + "/{id}")
    check(admin.get(f"{col}/{post['id']}"), "GET", col + "/{id}")
    page = check(admin.get(col, params={"org": cid, "state": "open", "sort": "-served_on"}), "GET", col)
    assert page["total"] == 1
    for status in (201, 409):
        r = member.post(f"{col}/{post['id']}/claims")
        assert r.status_code == status, r.text
        check(r, "POST", col + "/{id}/claims")
    claims = check(admin.get("/api/v1/post-claims", params={"post": post["id"]}), "GET", "/api/v1/post-claims")
    claim = claims["items"][0]["id"]
    r = member.post(f"/api/v1/post-claims/{claim}/withdraw")
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/post-claims/{id}/withdraw")
    assert member.post(f"{col}/{post['id']}/claims").status_code == 201
    claim = admin.get(f"{col}/{post['id']}").json()["claims"][-1]["id"]
    r = admin.post(f"/api/v1/post-claims/{claim}/attendance", json={"attended": True})
    assert r.status_code == 409, r.text  # the slot has not started
    check(r, "POST", "/api/v1/post-claims/{id}/attendance")
    other = admin.post(col, json={**body, "title": "文档取消岗位"}).json()
    r = admin.post(f"{col}/{other['id']}/cancel", json={"reason": "文档取消", "version": other["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", col + "/{id}/cancel")
    anon = server.client()
    pub = check(anon.get("/api/v1/public/service-posts", params={"code": code}), "GET", "/api/v1/public/service-posts")
    assert [p["claimants"] for p in pub["items"]] == [["文*"]]

    wishes = "/api/v1/wishes"
    r = resident.post(wishes, json={"household_id": hh, "kind": "实物", "value_fen": 8000, "content": "一台电风扇"})
    assert r.status_code == 201, r.text
    w = check(r, "POST", wishes)
    r = resident.patch(f"{wishes}/{w['id']}", json={"value_fen": 9000, "version": w["version"]})
    assert r.status_code == 200, r.text
    w = check(r, "PATCH", wishes + "/{id}")
    for who, action in ((resident, "submit"), (admin, "publish")):
        r = who.post(f"{wishes}/{w['id']}/moves", json={"action": action, "version": w["version"]})
        assert r.status_code == 200, r.text
        w = check(r, "POST", wishes + "/{id}/moves")
    board = check(anon.get("/api/v1/public/wishes", params={"code": code}), "GET", "/api/v1/public/wishes")
    assert [(x["id"], x["beneficiary"]) for x in board["items"]] == [(w["id"], "文*")]
    check(member.get("/api/v1/my/claims"), "GET", "/api/v1/my/claims")
    r = member.post(f"{wishes}/{w['id']}/claims")
    assert r.status_code == 201, r.text
    w = check(r, "POST", wishes + "/{id}/claims")
    r = member.post(f"{wishes}/{w['id']}/moves", json={"action": "fulfil", "version": w["version"],
                                                       "served_on": str(today), "start_min": 900, "end_min": 960})
    assert r.status_code == 200, r.text
    w = check(r, "POST", wishes + "/{id}/moves")
    r = resident.post(f"{wishes}/{w['id']}/moves", json={"action": "confirm", "version": w["version"]})
    assert r.status_code == 200, r.text
    assert check(r, "POST", wishes + "/{id}/moves")["state"] == "confirmed"
    check(admin.get(f"{wishes}/{w['id']}"), "GET", wishes + "/{id}")
    page = check(admin.get(wishes, params={"org": cid, "state": "confirmed"}), "GET", wishes)
    assert page["total"] == 1
    mine = check(resident.get("/api/v1/my/wishes"), "GET", "/api/v1/my/wishes")
    assert [x["id"] for x in mine["wishes"]] == [w["id"]]
    f = check(admin.get("/api/v1/claims-figures", params={"org": cid, "year": today.year}), "GET",
              "/api/v1/claims-figures")
    assert (f["fulfilled_in_year"], f["post_claims"]) == (1, 1)
    for path in ("/api/v1/service-posts/export", "/api/v1/post-claims/export", "/api/v1/wishes/export"):
        r = admin.get(path, params={"org": cid})
        assert r.status_code == 200, r.text
        check(r, "GET", path)


def walk_duties(admin, cid, gid):
    """Part of the walk: a community secretary's duty list from draft to published, a common item issued by the
    street above, progress, a quarterly review, the lists and the figures."""
    year = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc).year  # Shanghai's
    p = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档书记", "id_card": id_card("34010419600101021")})
    assert p.status_code == 201, p.text
    c = admin.post("/api/v1/cadres", json={"person_id": p.json()["id"], "org_id": cid, "post": "书记",
                                           "term_start": "2021-01-01"})
    assert c.status_code == 201, c.text
    col, one = "/api/v1/duty-lists", "/api/v1/duty-lists/{id}"
    r = admin.post(col, json={"cadre_id": c.json()["id"], "year": year})
    assert r.status_code == 201, r.text
    lst = check(r, "POST", col)
    r = admin.post(col, json={"cadre_id": c.json()["id"], "year": year})
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    items = f"{col}/{lst['id']}/items"
    body = {"what": "文档事项", "how": "文档措施", "deadline": f"{year}-12-31", "secretary_project": True}
    for _ in range(2):
        r = admin.post(items, json=body)
        assert r.status_code == 201, r.text
        lst = check(r, "POST", col + "/{id}/items")
    r = admin.post(items, json={**body, "deadline": f"{year + 1}-01-01"})
    assert r.status_code == 400, r.text
    check(r, "POST", col + "/{id}/items")
    first, second = lst["items"][0], lst["items"][1]
    r = admin.patch(f"/api/v1/duty-items/{first['id']}", json={"indicator": None, "evidence": "台账",
                                                              "version": first["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/duty-items/{id}")
    r = admin.delete(f"/api/v1/duty-items/{second['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/duty-items/{id}")
    lst = check(admin.get(f"{col}/{lst['id']}"), "GET", one)
    moves = col + "/{id}/moves"
    for action in ("submit", "sign"):
        r = admin.post(f"{col}/{lst['id']}/moves", json={"action": action, "version": lst["version"]})
        assert r.status_code == 200, r.text
        lst = check(r, "POST", moves)
    r = admin.post(f"{col}/{lst['id']}/moves", json={"action": "sign", "version": lst["version"]})
    assert r.status_code == 409, r.text
    check(r, "POST", moves)
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    r = admin.post("/api/v1/duty-commons", json={"org_id": street, "year": year, "what": "文档统一事项",
                                                 "how": "文档统一措施", "deadline": f"{year}-06-30"})
    assert r.status_code == 201, r.text
    assert check(r, "POST", "/api/v1/duty-commons")["lists"] >= 1
    r = admin.post(f"/api/v1/duty-items/{first['id']}/progress", json={"note": "文档进展", "done": True})
    assert r.status_code == 201, r.text
    check(r, "POST", "/api/v1/duty-items/{id}/progress")
    for status in (201, 409):
        r = admin.post(f"{col}/{lst['id']}/reviews", json={"quarter": 1, "rating": "good", "comment": "文档点评"})
        assert r.status_code == status, r.text
        lst = check(r, "POST", col + "/{id}/reviews") if status == 201 else lst
    r = admin.post(f"{col}/{lst['id']}/moves", json={"action": "publish", "version": lst["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", moves)
    page = check(admin.get(col, params={"org": cid, "year": year, "state": "published"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [lst["id"]]
    check(admin.get("/api/v1/duty-commons", params={"org": street, "year": year}), "GET", "/api/v1/duty-commons")
    f = check(admin.get("/api/v1/duty-figures", params={"org": cid, "year": year}), "GET", "/api/v1/duty-figures")
    assert (f["lists"], f["lists_published"], f["items_done"]) == (1, 1, 1)
    r = admin.get("/api/v1/duty-figures", params={"org": 999999999})
    assert r.status_code == 404, r.text
    check(r, "GET", "/api/v1/duty-figures")


# ---- rectification problems (问题清单) ----
def walk_problems(admin, cid, gid):
    """Part of the walk: a problem the community raises about its grid, from pending to closed by the admin
    above it, a refusal, the carry-over, the lists and the figures."""
    year = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc).year  # Shanghai's
    col, one, moves = "/api/v1/problems", "/api/v1/problems/{id}", "/api/v1/problems/{id}/moves"
    body = {"org_id": gid, "raised_org_id": cid, "year": year, "source": "daily_inspection", "category": "文档",
            "severity": "minor", "description": "文档问题", "evidence": None, "measure": "文档措施",
            "deadline": f"{year}-12-31", "lead_name": "文档领导", "unit_name": None, "person_name": None}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    p = check(r, "POST", col)
    r = admin.post(col, json={**body, "org_id": 999999999})
    assert r.status_code == 404, r.text
    check(r, "POST", col)
    for action in ("start", "apply", "close"):
        r = admin.post(f"{col}/{p['id']}/moves", json={"action": action, "version": p["version"]})
        assert r.status_code == 200, r.text
        p = check(r, "POST", moves)
    r = admin.post(f"{col}/{p['id']}/moves", json={"action": "return", "reason": "文档", "version": p["version"]})
    assert r.status_code == 409, r.text
    check(r, "POST", moves)
    check(admin.get(f"{col}/{p['id']}"), "GET", one)
    r = admin.post("/api/v1/problem-carry-over", json={"org_id": cid, "year": year - 1})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/problem-carry-over")
    page = check(admin.get(col, params={"org": cid, "year": year, "state": "closed", "source": "daily_inspection",
                                        "overdue": 0, "supervised": 0}), "GET", col)
    assert [x["id"] for x in page["items"]] == [p["id"]]
    f = check(admin.get("/api/v1/problem-figures", params={"org": cid, "year": year}), "GET", "/api/v1/problem-figures")
    assert (f["problems"], f["closed"], f["closure_rate"]) == (1, 1, 1.0)
    r = admin.get("/api/v1/problem-figures", params={"org": 999999999})
    assert r.status_code == 404, r.text
    check(r, "GET", "/api/v1/problem-figures")
    # An inspection of the grid by the community: a result, a finding, the 通报.
    ins, one_ins = "/api/v1/inspections", "/api/v1/inspections/{id}"
    me = admin.get("/api/v1/auth/me").json()["user"]["id"]
    r = admin.post(ins, json={"org_id": cid, "type": "covert", "title": "文档暗访", "held_on": f"{year}-01-02",
                              "team_user_ids": [me], "team_names": ["文档组"], "nodes": [gid], "items": ["文档项"]})
    assert r.status_code == 201, r.text
    x = check(r, "POST", ins)
    r = admin.post(ins, json={"org_id": cid, "type": "daily", "title": "文档", "held_on": f"{year}-01-02",
                              "nodes": [], "items": ["文档项"]})
    assert r.status_code == 400, r.text
    check(r, "POST", ins)
    item = x["items"][0]["id"]
    r = admin.post(f"/api/v1/inspection-items/{item}/result", json={"result": "fail", "note": None})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/inspection-items/{id}/result")
    finding = {"severity": "minor", "measure": "文档措施", "deadline": f"{year}-12-31", "category": None}
    for status in (201, 409):
        r = admin.post(f"/api/v1/inspection-items/{item}/problem", json=finding)
        assert r.status_code == status, r.text
        check(r, "POST", "/api/v1/inspection-items/{id}/problem")
    r = admin.post(f"/api/v1/inspection-items/{item}/result", json={"result": "pass"})
    assert r.status_code == 409, r.text
    check(r, "POST", "/api/v1/inspection-items/{id}/result")
    x = check(admin.get(f"{ins}/{x['id']}"), "GET", one_ins)
    for status in (200, 409):
        r = admin.post(f"{ins}/{x['id']}/publish", json={"version": x["version"]})
        assert r.status_code == status, r.text
        x = check(r, "POST", one_ins + "/publish") if status == 200 else x
    page = check(admin.get(ins, params={"org": cid, "type": "covert"}), "GET", ins)
    assert [i["id"] for i in page["items"]] == [x["id"]]
    walk_figures(admin, cid, year)


def walk_figures(admin, cid, year):
    """Part of the walk: the figures of a node and year (inspections, 述职评议, all of them,
    the workbook)."""
    page = check(admin.get("/api/v1/inspections", params={"org": cid, "year": year}), "GET", "/api/v1/inspections")
    f = check(admin.get("/api/v1/inspection-figures", params={"org": cid, "year": year}), "GET",
              "/api/v1/inspection-figures")
    assert f["inspections"] == page["total"] == 1 and f["covert"] == 1 and f["findings"] == 1
    check(admin.get("/api/v1/review-figures", params={"org": cid, "year": year}), "GET", "/api/v1/review-figures")
    for path in ("/api/v1/inspection-figures", "/api/v1/review-figures", "/api/v1/responsibility-figures",
                 "/api/v1/responsibility-figures/export"):
        r = admin.get(path, params={"org": 999999999})
        assert r.status_code == 404, r.text
        check(r, "GET", path)
        r = admin.get(path, params={"org": cid, "year": 1999})
        assert r.status_code == 400, r.text
        check(r, "GET", path)
    all_ = check(admin.get("/api/v1/responsibility-figures", params={"org": cid, "year": year}), "GET",
                 "/api/v1/responsibility-figures")
    assert all_["inspection"] == f and set(all_) >= {"duty", "problem", "notice", "review"}
    # the party life of issue 19: each family's figures, as its own endpoint answers them
    for key, path in (("party_meeting", "/api/v1/party-meeting-figures"), ("dues", "/api/v1/dues-figures"), ("party_transfer", "/api/v1/party-transfer-figures"),
                      ("party_development", "/api/v1/party-development-figures"),
                      ("member_eval", "/api/v1/member-evaluation-figures")):
        assert all_[key] == admin.get(path, params={"org": cid, "year": year}).json(), key
    r = admin.get("/api/v1/responsibility-figures/export", params={"org": cid, "year": year})
    assert r.status_code == 200 and r.content.startswith(b"PK"), r.text
    check(r, "GET", "/api/v1/responsibility-figures/export")
# ---- end rectification problems ----


# ---- 村级集体经济 ----
def walk_village(admin):
    """Part of the walk: a village's account created, listed, exported, read, changed (and a stale
    change refused), a second one for its year refused, deleted."""
    r = admin.get("/api/v1/orgs", params={"q": "340103100200"})
    assert r.status_code == 200, r.text
    village = next(o["id"] for o in r.json()["items"] if o["code"] == "340103100200")
    col, one = "/api/v1/village-accounts", "/api/v1/village-accounts/{id}"
    body = {"org_id": village, "year": 2020, "contracting": 12000, "investment": 3000, "business": 1000,
            "subsidy": 80000, "other_income": 500, "assets": 900000, "measures": ["land_transfer"], "note": "文档台账"}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    a = check(r, "POST", col)
    r = admin.post(col, json=body)
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    check(admin.get(col, params={"org": village, "year": 2020, "band": "unclassified"}), "GET", col)
    check(admin.get(col, params={"change": "left_shell", "q": "村"}), "GET", col)
    r = admin.get(f"{col}/export", params={"org": village})
    assert r.status_code == 200, r.text
    check(r, "GET", f"{col}/export")
    check(admin.get(f"{col}/{a['id']}"), "GET", one)
    r = admin.patch(f"{col}/{a['id']}", json={"business": 9000, "measures": None, "version": a["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    r = admin.patch(f"{col}/{a['id']}", json={"business": 1, "version": 1})
    assert r.status_code == 409, r.text
    check(r, "PATCH", one)
    r = admin.delete(f"{col}/{a['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
# ---- end 村级集体经济 ----


# ---- volunteer and service teams ----
def walk_teams(admin, cid, gid):
    """Part of the walk: a volunteer team with a member and an activity (sign-up, verify, the check-in code as
    an account without a person), the volunteer's record and certificate, a service team's visit made a case,
    the unvisited and the figures."""
    r = admin.post("/api/v1/persons", json={"org_id": gid, "name": "文档志愿者", "id_card": id_card("34010419700101061")})
    assert r.status_code == 201, r.text
    person = r.json()
    col, one = "/api/v1/teams", "/api/v1/teams/{id}"
    r = admin.post(col, json={"org_id": cid, "kind": "volunteer", "name": "文档志愿队", "leader_name": None,
                              "description": None})
    assert r.status_code == 201, r.text
    t = check(r, "POST", col)
    r = admin.patch(f"{col}/{t['id']}", json={"leader_name": "文档队长", "version": t["version"]})
    assert r.status_code == 200, r.text
    t = check(r, "PATCH", one)
    r = admin.patch(f"{col}/{t['id']}", json={"name": "冲突", "version": 1})
    assert r.status_code == 409, r.text
    check(r, "PATCH", one)
    check(admin.get(f"{col}/{t['id']}"), "GET", one)
    check(admin.get(col, params={"org": cid, "kind": "volunteer", "q": "文档"}), "GET", col)
    year = datetime.fromisoformat(t["updated_at"].replace("Z", "+00:00")) + timedelta(hours=8)  # the server's day
    today, month = year.date().isoformat(), year.date().isoformat()[:7]
    r = admin.post(f"{col}/{t['id']}/members", json={"person_id": person["id"], "retired_from_unit_id": None,
                                                     "joined_on": None})
    assert r.status_code == 201, r.text
    m = check(r, "POST", "/api/v1/teams/{id}/members")
    r = admin.post(f"{col}/{t['id']}/members", json={"person_id": person["id"]})
    assert r.status_code == 409, r.text
    check(r, "POST", "/api/v1/teams/{id}/members")
    check(admin.get("/api/v1/team-members", params={"team": t["id"], "sort": "person_name"}), "GET",
          "/api/v1/team-members")
    start = datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))  # the server's clock (the walk moved it)
    acts = "/api/v1/volunteer-activities"
    body = {"team_id": t["id"], "title": "文档活动", "place": "文档广场", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 3}
    r = admin.post(acts, json=body)
    assert r.status_code == 201, r.text
    a = check(r, "POST", acts)
    r = admin.post(acts, json={**body, "ends_at": body["starts_at"]})
    assert r.status_code == 400, r.text
    check(r, "POST", acts)
    check(admin.get(f"{acts}/{a['id']}"), "GET", acts + "/{id}")
    check(admin.get(acts, params={"org": cid, "team": t["id"], "year": year.year}), "GET", acts)
    r = admin.post(f"{acts}/{a['id']}/signups", json={"person_id": person["id"]})
    assert r.status_code == 201, r.text
    check(r, "POST", acts + "/{id}/signups")
    r = admin.post(f"{acts}/{a['id']}/signups", json={"person_id": person["id"]})
    assert r.status_code == 409, r.text
    check(r, "POST", acts + "/{id}/signups")
    r = admin.post(f"{acts}/{a['id']}/verify", json={})
    assert r.status_code == 409, r.text  # nobody checked out yet
    check(r, "POST", acts + "/{id}/verify")
    for method, call in (("GET", lambda tok: admin.get("/api/v1/activity-checkin", params={"token": tok})),
                         ("POST", lambda tok: admin.post("/api/v1/activity-checkin", json={"token": tok}))):
        for tok, status in (("0" * 32, 404), (a["token"], 403)):  # the admin's account is no volunteer's
            r = call(tok)
            assert r.status_code == status, r.text
            check(r, method, "/api/v1/activity-checkin")
    r = admin.get("/api/v1/my-volunteer")
    assert r.status_code == 403, r.text
    check(r, "GET", "/api/v1/my-volunteer")
    v = check(admin.get(f"/api/v1/volunteers/{person['id']}"), "GET", "/api/v1/volunteers/{id}")
    assert v["teams"][0]["id"] == t["id"] and v["records"][0]["activity_id"] == a["id"]
    check(admin.get("/api/v1/volunteers", params={"org": cid, "sort": "-minutes"}), "GET", "/api/v1/volunteers")
    r = admin.get(f"/api/v1/volunteers/{person['id']}/certificate")
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:200]
    check(r, "GET", "/api/v1/volunteers/{id}/certificate")
    check(admin.get("/api/v1/volunteer-figures", params={"org": cid}), "GET", "/api/v1/volunteer-figures")
    # A service team's visit to an enterprise of the community, its problem made a case.
    r = admin.post(col, json={"org_id": cid, "kind": "service", "name": "文档服务队"})
    svc = check(r, "POST", col)
    r = admin.post("/api/v1/units", json={"org_id": gid, "name": "文档非公企业", "type": "non_public_enterprise"})
    assert r.status_code == 201, r.text
    unit = r.json()["id"]
    visits = "/api/v1/enterprise-visits"
    body = {"team_id": svc["id"], "unit_id": unit, "visited_on": today, "branch_state": "preparing",
            "problems": "文档问题", "help_given": None, "follow_up": None}
    r = admin.post(visits, json=body)
    assert r.status_code == 201, r.text
    x = check(r, "POST", visits)
    r = admin.post(visits, json={**body, "team_id": t["id"]})
    assert r.status_code == 400, r.text
    check(r, "POST", visits)
    check(admin.get(f"{visits}/{x['id']}"), "GET", visits + "/{id}")
    page = check(admin.get(visits, params={"org": cid, "team": svc["id"], "unit": unit, "month": month,
                                           "branch_state": "preparing"}), "GET", visits)
    assert [i["id"] for i in page["items"]] == [x["id"]]
    check(admin.get(visits + "/unvisited", params={"org": cid, "month": month}), "GET", visits + "/unvisited")
    r = admin.post(f"{visits}/{x['id']}/case", json={"category": "sanitation", "title": None, "description": None})
    assert r.status_code == 201, r.text
    assert check(r, "POST", visits + "/{id}/case")["case_id"]
    r = admin.post(f"{visits}/{x['id']}/case", json={"category": "sanitation"})
    assert r.status_code == 409, r.text
    check(r, "POST", visits + "/{id}/case")
    f = check(admin.get("/api/v1/enterprise-visit-figures", params={"org": cid}), "GET",
              "/api/v1/enterprise-visit-figures")
    assert f["visited_this_month"] >= 1 and f["cases"] >= 1
    for path, params in (("/api/v1/teams/export", {"org": cid, "kind": "service", "q": "文档"}),
                         ("/api/v1/team-members/export", {"org": cid, "team": t["id"]}),
                         ("/api/v1/volunteer-activities/export", {"org": cid, "team": t["id"], "year": year.year}),
                         ("/api/v1/volunteers/export", {"org": cid, "team": t["id"]}),
                         ("/api/v1/enterprise-visits/export", {"org": cid, "team": svc["id"], "unit": unit,
                                                              "month": month, "branch_state": "preparing"}),
                         ("/api/v1/enterprise-visits/unvisited/export", {"org": cid, "team": svc["id"], "month": month})):
        r = admin.get(path, params=params)
        assert r.status_code == 200 and r.content.startswith(b"PK"), r.text[:200]
        check(r, "GET", path)
        r = admin.get(path, params={"org": 999999999})
        assert r.status_code == 404, r.text
        check(r, "GET", path)
    r = admin.delete(f"{col}/{svc['id']}")
    assert r.status_code == 409, r.text  # its visit refers to it
    check(r, "DELETE", one)
    r = admin.delete(f"/api/v1/team-members/{m['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/team-members/{id}")
    r = admin.post(col, json={"org_id": cid, "kind": "volunteer", "name": "文档空队"})
    r = admin.delete(f"{col}/{r.json()['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
# ---- end volunteer and service teams ----


# ---- 党建品牌 and 荣誉 ----
def walk_honours(admin, cid):
    """Part of the walk: a brand and an honour of a community (a resident's too), listed, changed, refused as a
    duplicate, exported and deleted."""
    col, one = "/api/v1/brands", "/api/v1/brands/{id}"
    r = admin.post(col, json={"org_id": cid, "party_org_id": None, "name": "文档品牌", "started_year": 2018,
                              "description": "文档简介", "results": None})
    assert r.status_code == 201, r.text
    b = check(r, "POST", col)
    r = admin.post(col, json={"org_id": cid, "name": "文档品牌", "started_year": 2018})
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    check(admin.get(col, params={"org": cid, "year": 2018, "q": "文档", "sort": "-started_year"}), "GET", col)
    check(admin.get(f"{col}/{b['id']}"), "GET", one)
    r = admin.patch(f"{col}/{b['id']}", json={"results": "文档成效", "version": b["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    hcol, hone = "/api/v1/honours", "/api/v1/honours/{id}"
    r = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档获奖人", "id_card": id_card("34010419700101071")})
    assert r.status_code == 201, r.text
    r = admin.post(hcol, json={"person_id": r.json()["id"], "title": "文档优秀共产党员", "level": "city",
                               "awarding_body": "中共合肥市委", "year": 2020, "doc_no": "合发〔2020〕1号", "note": None})
    assert r.status_code == 201, r.text
    h = check(r, "POST", hcol)
    r = admin.post(hcol, json={"org_id": cid, "title": "文档先进基层党组织", "level": "national",
                               "awarding_body": "中共中央", "year": 2021})
    assert r.status_code == 201, r.text
    h2 = check(r, "POST", hcol)
    r = admin.post(hcol, json={"org_id": cid, "title": "文档先进基层党组织", "level": "national",
                               "awarding_body": "中共中央", "year": 2021})
    assert r.status_code == 409, r.text
    check(r, "POST", hcol)
    check(admin.get(hcol, params={"org": cid, "year": 2020, "level": "city", "holder": "person", "q": "文档",
                                  "sort": "title"}), "GET", hcol)
    check(admin.get(f"{hcol}/{h['id']}"), "GET", hone)
    r = admin.patch(f"{hcol}/{h['id']}", json={"level": "provincial", "version": h["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", hone)
    for path, params in (("/api/v1/brands/export", {"org": cid, "year": 2018, "q": "文档"}),
                         ("/api/v1/honours/export", {"org": cid, "year": 2020, "level": "provincial",
                                                     "holder": "person", "q": "文档"})):
        r = admin.get(path, params=params)
        assert r.status_code == 200 and r.content.startswith(b"PK"), r.text[:200]
        check(r, "GET", path)
        r = admin.get(path, params={"org": 999999999})
        assert r.status_code == 404, r.text
        check(r, "GET", path)
    for path, x in ((hone, h), (hone, h2), (one, b)):
        r = admin.delete(path.replace("{id}", str(x["id"])))
        assert r.status_code == 204, r.text
        check(r, "DELETE", path)
# ---- end 党建品牌 and 荣誉 ----


# ---- membership transfers (组织关系转接) ----
def walk_party_transfers(admin, cid):
    """Part of the walk: a member's transfer between two party organisations of a community, asked, refused
    twice, approved with a letter, received and completed; listed, exported, counted and the member's own."""
    col, one, moves = "/api/v1/party-transfers", "/api/v1/party-transfers/{id}", "/api/v1/party-transfers/{id}/moves"
    pos = []
    for name in ("文档转出党支部", "文档转入党支部"):
        r = admin.post("/api/v1/party-orgs", json={"org_id": cid, "kind": "党支部", "name": name})
        assert r.status_code == 201, r.text
        pos.append(r.json()["id"])
    r = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档转接党员", "id_card": id_card("34010419700101081")})
    assert r.status_code == 201, r.text
    person = r.json()["id"]
    r = admin.post("/api/v1/party-members", json={"person_id": person, "party_org_id": pos[0], "status": "正式",
                                                  "joined_on": "2001-07-01"})
    assert r.status_code == 201, r.text
    body = {"person_id": person, "to_party_org_id": pos[1], "type": "same_committee", "away_months": 3,
            "fixed_place": False, "purpose": "文档", "dues_paid_to": "2026-01"}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    t = check(r, "POST", col)
    r = admin.post(col, json=body)
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    path = lambda p: p.replace("{id}", str(t["id"]))  # noqa: E731
    r = admin.post(path(moves), json={"action": "receive", "version": t["version"]})
    assert r.status_code == 409, r.text
    check(r, "POST", moves)
    for action, more in (("approve", {"letter_no": "文档001", "valid_days": 30}), ("receive", {}), ("complete", {})):
        r = admin.post(path(moves), json={"action": action, "version": t["version"], **more})
        assert r.status_code == 200, r.text
        t = check(r, "POST", moves)
    check(admin.get(path(one)), "GET", one)
    check(admin.get(col, params={"org": cid, "box": "out", "state": "completed", "open": 0, "person_id": person,
                                 "sort": "-created_at"}), "GET", col)
    r = admin.get(col + "/export", params={"org": cid, "box": "in"})
    assert r.status_code == 200 and r.content.startswith(b"PK"), r.text[:200]
    check(r, "GET", col + "/export")
    check(admin.get("/api/v1/party-transfer-figures", params={"org": cid}), "GET", "/api/v1/party-transfer-figures")
    check(admin.get("/api/v1/my/party-transfer"), "GET", "/api/v1/my/party-transfer")
    r = admin.get(col + "/destinations", params={"q": "文档转入"})
    assert [d["id"] for d in r.json()["items"]] == [pos[1]], r.text
    check(r, "GET", col + "/destinations")
# ---- end membership transfers ----


def walk_notices(admin, cid, gid):
    """Part of the walk: a notice from the walk's community to its grids, its reads and the refusals."""
    col = "/api/v1/notices"
    body = {"org_id": cid, "kind": "work_tip", "title": "文档测试通知", "doc_no": None, "body": "正文",
            "target_org_id": cid, "levels": ["grid"], "reply_due": "2099-12-31"}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    n = check(r, "POST", col)
    assert n["recipients"] >= 1
    r = admin.post(col, json={**body, "levels": ["city"]})
    assert r.status_code == 400, r.text
    check(r, "POST", col)
    nid = n["id"]
    check(admin.get(col, params={"org": cid, "kind": "work_tip"}), "GET", col)
    check(admin.get(col, params={"box": "received"}), "GET", col)
    check(admin.get(f"{col}/{nid}"), "GET", "/api/v1/notices/{id}")
    check(admin.get(f"{col}/999999999"), "GET", "/api/v1/notices/{id}")
    rows = check(admin.get(f"{col}/{nid}/receipts", params={"state": "unread"}), "GET", "/api/v1/notices/{id}/receipts")
    assert [x["org_id"] for x in rows["items"]] == [gid]
    pdf = admin.get(f"{col}/{nid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    check(pdf, "GET", "/api/v1/notices/{id}/pdf")
    check(admin.post(f"{col}/{nid}/read"), "POST", "/api/v1/notices/{id}/read")
    r = admin.post(f"{col}/{nid}/reply", json={"text": "回复"})  # the admin's global grant is at no receiving node
    assert r.status_code == 403, r.text
    check(r, "POST", "/api/v1/notices/{id}/reply")
    r = admin.post(f"{col}/{nid}/remind", json={"whom": None})
    assert r.status_code == 200 and r.json()["reminded"] == 1, r.text
    check(r, "POST", "/api/v1/notices/{id}/remind")
    check(admin.get("/api/v1/notice-figures", params={"org": cid}), "GET", "/api/v1/notice-figures")
    walk_attachments(admin, nid)


def ooxml(part):
    """A minimal Office Open XML package: its content types and one part."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
    return buf.getvalue()


def walk_attachments(admin, nid):
    """Part of the walk: a file on the walk's notice (its issuer's side), listed, fetched, refused, removed."""
    col, one = "/api/v1/attachments", "/api/v1/attachments/{id}"
    owner = {"owner": "notice", "owner_id": nid}
    pdf = b"%PDF-1.4\n%%EOF\n"
    r = admin.post(col, params={**owner, "name": "文档.pdf"}, data=pdf, headers={"Idempotency-Key": "openapi-file"})
    assert r.status_code == 201, r.text
    f = check(r, "POST", col)
    for data, status in ((b"", 400), (b"plain text", 415)):
        r = admin.post(col, params={**owner, "name": "x.pdf"}, data=data)
        assert r.status_code == status, r.text
        check(r, "POST", col)
    kept = [f["id"]]
    for name, data in (("p.png", png_bytes()), ("j.jpg", JPEG), ("w.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8),
                       ("d.docx", ooxml("word/document.xml")), ("x.xlsx", ooxml("xl/workbook.xml"))):
        r = admin.post(col, params={**owner, "name": name}, data=data)
        assert r.status_code == 201, r.text
        kept.append(check(r, "POST", col)["id"])
    assert [x["id"] for x in check(admin.get(col, params=owner), "GET", col)["items"]] == kept
    for i in kept:  # each type served as what it is
        got = admin.get(f"{col}/{i}")
        assert got.status_code == 200, got.text
        check(got, "GET", one)
    assert admin.get(f"{col}/{f['id']}").content == pdf
    for status in (204, 404):
        r = admin.delete(f"{col}/{f['id']}")
        assert r.status_code == status, r.text
        check(r, "DELETE", one)
    check(admin.get(f"{col}/{f['id']}"), "GET", one)


# ---- 述职评议 ----
def walk_review(admin, cid):
    """Part of the walk: a session held by the walk's street for its community's secretary, a
    delegate voting from the public routes, the close and the confirmed grade."""
    year = 2027
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    for key, value in (("review.grade_points", {"good": 100, "fairly_good": 80, "average": 60, "poor": 0}),
                       ("review.grade_bands", [{"grade": "good", "min": 90}, {"grade": "fairly_good", "min": 80},
                                                {"grade": "average", "min": 60}, {"grade": "poor", "min": 0}]),
                       ("review.satisfaction_floor", 50)):
        r = admin.post("/api/v1/norms", json={"org_id": street, "key": key, "year_from": year, "value": value})
        assert r.status_code == 201, r.text
    p = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档述职书记", "id_card": id_card("34010419600101031")})
    assert p.status_code == 201, p.text
    r = admin.post("/api/v1/cadres", json={"person_id": p.json()["id"], "org_id": cid, "post": "书记",
                                           "term_start": "2021-01-01"})
    assert r.status_code == 201, r.text
    cadre = r.json()["id"]
    col = "/api/v1/review-sessions"
    r = admin.post(col, json={"org_id": street, "year": year, "held_on": f"{year}-01-10", "title": "文档述职评议"})
    assert r.status_code == 201, r.text
    sid = check(r, "POST", col)["id"]
    r = admin.post(f"{col}/{sid}/reporters", json={"cadre_id": cadre})
    assert r.status_code == 201, r.text
    rep = check(r, "POST", col + "/{id}/reporters")["reporter_list"][0]["id"]
    r = admin.post(f"{col}/{sid}/reporters", json={"cadre_id": cadre})
    assert r.status_code == 409, r.text
    check(r, "POST", col + "/{id}/reporters")
    r = admin.post(f"{col}/{sid}/delegates", json={"names": ["文档代表"]})
    assert r.status_code == 201, r.text
    delegate = check(r, "POST", col + "/{id}/delegates")["delegates"][0]["id"]
    r = admin.post(f"/api/v1/review-delegates/{delegate}/reissue")  # the first code is lost: a new one, the old dead
    assert r.status_code == 200, r.text
    code = check(r, "POST", "/api/v1/review-delegates/{id}/reissue")["code"]
    r = admin.post("/api/v1/review-delegates/999999999/reissue")
    assert r.status_code == 404, r.text
    check(r, "POST", "/api/v1/review-delegates/{id}/reissue")
    r = admin.patch(f"/api/v1/review-reporters/{rep}", json={"report": "述职报告", "comment": None})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/review-reporters/{id}")
    r = admin.post(f"/api/v1/review-reporters/{rep}/questions", json={"text": "质询"})
    assert r.status_code == 201, r.text
    qid = check(r, "POST", "/api/v1/review-reporters/{id}/questions")["questions"][0]["id"]
    r = admin.post(f"/api/v1/review-questions/{qid}/answer", json={"text": "答复"})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/review-questions/{id}/answer")
    # 列入问题清单: refused while no comment is recorded, then a problem of the reporter's node.
    finding = {"severity": "minor", "measure": "文档措施", "deadline": f"{year + 1}-06-30", "category": None}
    for status, body in ((409, None), (201, {"comment": "文档点评"})):
        if body:
            assert admin.patch(f"/api/v1/review-reporters/{rep}", json=body).status_code == 200
        r = admin.post(f"/api/v1/review-reporters/{rep}/problems", json=finding)
        assert r.status_code == status, r.text
        check(r, "POST", "/api/v1/review-reporters/{id}/problems")
    plain = requests.Session()
    base = admin.url("")
    r = plain.post(base + "/api/v1/public/review-sheet", json={"code": code})
    assert r.status_code == 200 and r.json()["reporters"][0]["my_grade"] is None, r.text
    check(r, "POST", "/api/v1/public/review-sheet")
    r = plain.post(base + "/api/v1/public/review-sheet", json={"code": "2222222222"})
    assert r.status_code == 404, r.text
    check(r, "POST", "/api/v1/public/review-sheet")
    r = plain.post(base + "/api/v1/public/review-ballots", json={"code": code, "reporter_id": rep, "grade": "good"})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/public/review-ballots")
    r = admin.post(f"/api/v1/review-reporters/{rep}/confirm", json={"grade": "good"})
    assert r.status_code == 409, r.text
    check(r, "POST", "/api/v1/review-reporters/{id}/confirm")
    r = admin.post(f"{col}/{sid}/close")
    assert r.status_code == 200, r.text
    assert check(r, "POST", col + "/{id}/close")["reporter_list"][0]["result"]["proposed"] == "good"
    r = admin.post(f"/api/v1/review-reporters/{rep}/confirm", json={"grade": "poor", "reason": "文档理由"})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/review-reporters/{id}/confirm")
    check(admin.get(f"{col}/{sid}"), "GET", col + "/{id}")
    page = check(admin.get(col, params={"org": street, "year": year, "state": "closed"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [sid]
# ---- end 述职评议 ----


def walk_cadres(admin, cid, gid, head, spouse):
    """Part of the walk: posts for the walk's two residents, at its grid and its community."""
    col, one = "/api/v1/cadres", "/api/v1/cadres/{id}"
    worker_body = {"person_id": head["id"], "org_id": gid, "post": "网格员", "term_start": "2024-01-01"}
    r = admin.post(col, json=worker_body, headers={"Idempotency-Key": "openapi-cadre-1"})
    assert r.status_code == 201, r.text
    worker = check(r, "POST", col)
    assert (worker["person_id"], worker["name"], worker["org_id"], worker["org_level"], worker["post"],
            worker["term_start"], worker["term_end"]) == (head["id"], "文档户主二", gid, "grid", "网格员",
                                                          "2024-01-01", None), worker
    r = admin.post(col, json=worker_body, headers={"Idempotency-Key": "openapi-cadre-1"})
    assert r.status_code == 201, r.text  # a repeat answers the first answer
    assert check(r, "POST", col) == worker
    r = admin.post(col, json={**worker_body, "term_start": "2024-02-01"},
                   headers={"Idempotency-Key": "openapi-cadre-1"})
    assert r.status_code == 422, r.text
    check(r, "POST", col)
    r = admin.post(col, json={"person_id": spouse["id"], "org_id": cid, "post": "书记", "term_start": "2021-01-01",
                              "term_end": "2026-01-01"})
    assert r.status_code == 201, r.text
    secretary = check(r, "POST", col)
    assert (secretary["org_level"], secretary["phone"], secretary["term_end"]) == ("community", None, "2026-01-01")

    for body, status, field in (
        ({**worker_body, "org_id": cid}, 400, "post"),  # a grid worker serves a grid
        ({**worker_body, "post": "书记"}, 400, "post"),  # the other posts do not
        ({**worker_body, "post": "村长"}, 400, "post"),
        ({**worker_body, "term_end": "2023-12-31"}, 400, "term_end"),
        ({**worker_body, "term_start": "2024-13-01"}, 400, "term_start"),
        ({k: v for k, v in worker_body.items() if k != "term_start"}, 400, "term_start"),
        ({**worker_body, "extra": 1}, 400, "extra"),
        ({**worker_body, "person_id": 999999999}, 404, "person_id"),
        ({**worker_body, "org_id": 999999999}, 404, "org_id"),
    ):
        assert error_field(admin.post(col, json=body), "POST", col, status).get("field") == field, body

    assert check(admin.get(f"/api/v1/cadres/{worker['id']}"), "GET", one) == worker
    assert error_field(admin.get("/api/v1/cadres/999999999"), "GET", one, 404)["code"] == "not_found"
    found = check(admin.get(col, params={"org": cid, "post": "网格员"}), "GET", col)
    assert [c["id"] for c in found["items"]] == [worker["id"]] and found["next"] is None
    found = check(admin.get(col, params={"org": gid}), "GET", col)
    assert [c["id"] for c in found["items"]] == [worker["id"]]
    page = check(admin.get(col, params={"org": cid, "limit": 1}), "GET", col)
    assert [c["id"] for c in page["items"]] == [worker["id"]] and page["next"] is not None
    page = check(admin.get(col, params={"org": cid, "limit": 1, "after": page["next"]}), "GET", col)
    assert [c["id"] for c in page["items"]] == [secretary["id"]]
    for params, status, field in (({"post": "村长"}, 400, "post"), ({"org": "x"}, 400, "org"),
                                  ({"limit": 0}, 400, "limit"), ({"org": 999999999}, 404, None)):
        assert error_field(admin.get(col, params=params), "GET", col, status).get("field") == field, params

    # the grid is staffed now
    cover = check(admin.get(f"/api/v1/orgs/{cid}/coverage"), "GET", "/api/v1/orgs/{id}/coverage")
    assert gid not in [g["id"] for g in cover["grids_without_worker"]["items"]]

    r = admin.patch(f"/api/v1/cadres/{secretary['id']}", json={"post": "主任", "term_end": None,
                                                                "version": secretary["version"]})
    assert r.status_code == 200, r.text
    changed = check(r, "PATCH", one)
    assert (changed["post"], changed["term_end"], changed["version"]) == ("主任", None, secretary["version"] + 1)
    r = admin.patch(f"/api/v1/cadres/{secretary['id']}", json={"term_end": "2027-01-01",
                                                                "version": secretary["version"]})
    assert r.status_code == 409, r.text
    assert check(r, "PATCH", one)["error"]["code"] == "version_conflict"
    for body, field in (({"term_end": "2020-12-31"}, "term_end"),  # before the stored term_start
                        ({"term_start": "2022-01-01", "term_end": "2021-06-30"}, "term_end"),
                        ({"post": None}, "post"), ({"person_id": spouse["id"]}, "person_id")):
        assert error_field(admin.patch(f"/api/v1/cadres/{secretary['id']}", json=body), "PATCH", one)["field"] == \
            field, body
    assert check(admin.get(f"/api/v1/cadres/{secretary['id']}"), "GET", one) == changed
    r = admin.patch("/api/v1/cadres/999999999", json={"term_end": None})
    assert r.status_code == 404, r.text
    check(r, "PATCH", one)

    # a resident holding a post cannot be deleted
    r = admin.delete(f"/api/v1/persons/{head['id']}")
    assert r.status_code == 409, r.text
    assert check(r, "DELETE", "/api/v1/persons/{id}")["error"]["code"] == "not_empty"

    for c in (worker, secretary):
        r = admin.delete(f"/api/v1/cadres/{c['id']}")
        assert r.status_code == 204, r.text
        check(r, "DELETE", one)
    r = admin.delete(f"/api/v1/cadres/{worker['id']}")
    assert r.status_code == 404, r.text
    check(r, "DELETE", one)
    r = admin.get(f"/api/v1/cadres/{worker['id']}")
    assert r.status_code == 404, r.text
    check(r, "GET", one)


IMPORT, TEMPLATE, EXPORT = "/api/v1/persons/import", "/api/v1/persons/import-template", "/api/v1/persons/export"
BOM = "\ufeff"


def upload(client, data, ctype="text/csv", headers=None, **params):
    """POST a file to the import route, as the body itself; a type the doc lists must be one it takes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    h = dict(headers or {})
    if ctype is not None:
        h["Content-Type"] = ctype
    return client.post(IMPORT, params=params, data=data, headers=h)


def csv_rows(r):
    """The rows of a CSV answer, after checking it is one."""
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/csv", r.headers["Content-Type"]
    assert "charset=utf-8" in r.headers["Content-Type"].replace(" ", "").lower(), r.headers["Content-Type"]
    text = r.content.decode("utf-8")
    assert text.startswith(BOM), "a CSV answer starts with a byte order mark"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_file(rows):
    """A small .xlsx workbook of one worksheet holding rows (lists of strings) as inline strings, empty cells left
    out as spreadsheet programs do."""
    def ref(col, row):
        letters = ""
        col += 1
        while col:
            col, rest = divmod(col - 1, 26)
            letters = chr(ord("A") + rest) + letters
        return f"{letters}{row}"

    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    cell = '<c r="{}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>'
    sheet = "".join(f'<row r="{r}">' + "".join(cell.format(ref(c, r), escape(v)) for c, v in enumerate(row) if v != "")
                    + "</row>" for r, row in enumerate(rows, 1))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": head + f'<workbook xmlns="{SML}" xmlns:r="{rel}"><sheets>'
        '<sheet name="居民" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": head + '<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": head + f'<worksheet xmlns="{SML}"><sheetData>{sheet}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def zip_of(members):
    """A zip archive of {name: text} (no workbook unless its members make one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


def walk_import_export(server, admin):
    """Part of the walk: a CSV import into 龙居社区 (a preview, the import, its replay and repeat, a rejected
    file and the refusals), the same file as a workbook (.xlsx), the template in both formats, and exports masked
    and revealed, as CSV and as a workbook imported again, each audited."""
    found = check(admin.get("/api/v1/orgs", params={"q": "340104006006", "limit": 5}), "GET", "/api/v1/orgs")
    longju = [o for o in found["items"] if o["code"] == "340104006006"]
    assert len(longju) == 1 and longju[0]["name"] == "龙居社区", found
    lj = longju[0]["id"]
    accepted = set(deref(OPS[("POST", IMPORT)][2]["requestBody"])["content"])
    assert {"text/csv", XLSX} <= accepted

    # the template: a CSV file whose header names the columns
    r = admin.get(TEMPLATE)
    assert r.status_code == 200, r.text
    check(r, "GET", TEMPLATE)
    template = csv_rows(r)
    assert template[0] == ["姓名", "身份证号", "手机号", "组织编码", "户地址", "与户主关系", "标签"], template
    assert template[0] == [c["zh"] for c in _route_by_name("persons.import")[0]["columns"]], "the import's columns"
    for name in template[0]:
        assert name in OPS[("GET", TEMPLATE)][2].get("description", ""), f"{TEMPLATE}: column {name} not described"
    assert len(template) == 2 and template[1][3] == "340104006006"
    r = upload(admin, r.content, dry_run=1)  # the template as it comes is a good file
    assert r.status_code == 200, r.text
    assert (check(r, "POST", IMPORT)["valid"], r.json()["errors"]) == (1, [])
    # ... and as a workbook: the same rows, all text, a good file too
    r = admin.get(TEMPLATE, params={"format": "xlsx"})
    assert r.status_code == 200, r.text
    check(r, "GET", TEMPLATE)
    assert r.content.startswith(b"PK\x03\x04") and xlsx_rows(r.content) == template
    r = upload(admin, r.content, ctype=XLSX, dry_run=1)
    assert r.status_code == 200, r.text
    assert (check(r, "POST", IMPORT)["valid"], r.json()["errors"]) == (1, [])
    for fmt in ("pdf", "XLSX", ""):
        assert error_field(admin.get(TEMPLATE, params={"format": fmt}), "GET", TEMPLATE)["field"] == "format", fmt

    tags = check(admin.get("/api/v1/person-tags"), "GET", "/api/v1/person-tags")["items"]
    ids = [id_card(f"34010419800101{n:03d}") for n in range(1, 4)]
    good = ("姓名,公民身份号码,联系电话,所在组织,地址,与户主关系,标签,备注\r\n"
            f"文档导入甲,{ids[0]},13800001111,,文档导入路 1 号,户主,{tags[0]['code']}\r\n"
            f"文档导入乙,{ids[1].lower()},,340104006006,文档导入路 1 号,配偶,{tags[0]['name_zh']}、{tags[1]['code']}\r\n"
            "\r\n"
            f'"文档导入丙",{ids[2]},,,,,,"随便写写"\r\n')  # 备注 is no column: ignored
    report = {"rows": 3, "valid": 3, "invalid": 0, "mode": "all", "errors": []}
    good_xlsx = xlsx_file([row for row in csv.reader(io.StringIO(good, newline="")) if row])  # no blank row stored

    # a preview writes nothing and says so; the bytes, not the Content-Type, tell a workbook from CSV
    for ctype in sorted(accepted):
        for data in (good, good_xlsx):
            r = upload(admin, data, ctype=ctype, org=lj, dry_run=1)
            assert r.status_code == 200, (ctype, r.text)
            assert check(r, "POST", IMPORT) == report, (ctype, r.text)
    r = upload(admin, good, ctype=None, org=lj, dry_run=1)  # no Content-Type at all is taken too
    assert r.status_code == 200 and r.json() == report, r.text
    r = upload(admin, good.encode("gb18030"), org=lj, dry_run=1, mode="partial")
    assert r.status_code == 200, r.text
    assert check(r, "POST", IMPORT) == {**report, "mode": "partial"}
    assert check(admin.get("/api/v1/persons", params={"org": lj, "q": "文档导入"}), "GET",
                 "/api/v1/persons")["items"] == []

    # the import, replayed under its Idempotency-Key, then made again: no one twice
    r = upload(admin, good, org=lj, headers={"Idempotency-Key": "openapi-import-1"})
    assert r.status_code == 200, r.text
    done = check(r, "POST", IMPORT)
    assert done == {**report, "imported": 3, "unchanged": 0}, done
    r = upload(admin, good, org=lj, headers={"Idempotency-Key": "openapi-import-1"})
    assert r.status_code == 200 and check(r, "POST", IMPORT) == done, r.text
    r = upload(admin, good + "多一行,%s\r\n" % id_card("34010419800101009"), org=lj,
               headers={"Idempotency-Key": "openapi-import-1"})
    assert r.status_code == 422, r.text
    assert check(r, "POST", IMPORT) == {"error": {**r.json()["error"], "code": "idempotency_key_reused"}}
    r = upload(admin, good, org=lj)
    assert r.status_code == 200, r.text
    assert check(r, "POST", IMPORT) == {**report, "imported": 0, "unchanged": 3}

    people = check(admin.get("/api/v1/persons", params={"org": lj, "q": "文档导入"}), "GET", "/api/v1/persons")
    people = {p["name"]: p for p in people["items"]}
    assert sorted(people) == ["文档导入丙", "文档导入乙", "文档导入甲"], people
    a, b, c = people["文档导入甲"], people["文档导入乙"], people["文档导入丙"]
    assert {p["org_id"] for p in people.values()} == {lj}
    assert (a["phone"], a["relation"], a["tags"], a["id_card"]) == ("138****1111", "户主", [tags[0]["code"]],
                                                                    ids[0][:4] + "*" * 13 + ids[0][-1:])
    assert (b["relation"], sorted(b["tags"]), b["household_id"]) == \
        ("配偶", sorted([tags[0]["code"], tags[1]["code"]]), a["household_id"])
    assert (c["household_id"], c["relation"], c["phone"], c["tags"]) == (None, None, None, [])
    household = check(admin.get(f"/api/v1/households/{a['household_id']}"), "GET", "/api/v1/households/{id}")
    assert (household["org_id"], household["address"], household["members"]) == (lj, "文档导入路 1 号", 2)
    audit = check(admin.get("/api/v1/audit", params={"action": "persons.imported", "entity": "org",
                                                     "entity_id": lj}), "GET", "/api/v1/audit")["items"]
    assert [e["summary"] for e in audit] == [{**report, "imported": 0, "unchanged": 3}, done], audit

    # a file with bad rows: all or nothing by default, row by row when asked
    bad = ("name,id_card,phone,org,household_address,relation,tags\n"
           f"文档导入丁,{id_card('34010419800101004')},,,,,\n"
           "文档错号,110105194912310021,,,,,\n"
           f"文档错电话,{id_card('34010419800101005')},123,,,,\n"
           f"文档越界,{id_card('34010419800101006')},,999999999,,,\n"
           f"文档错关系,{id_card('34010419800101007')},,,,邻居,\n"
           f"文档错标签,{id_card('34010419800101008')},,,,,no-such-tag\n"
           f"文档重复,{id_card('34010419800101004')},,,,,\n")
    row_errors = [(2, "id_card", "validation_failed"), (3, "phone", "validation_failed"), (4, "org", "not_found"),
                  (5, "relation", "validation_failed"), (6, "tags", "validation_failed"), (7, "id_card", "conflict")]
    r = upload(admin, bad, org=lj)
    assert r.status_code == 422, r.text
    rejected = check(r, "POST", IMPORT)
    assert (rejected["error"]["code"], rejected["error"]["field"]) == ("import_rejected", "file")
    assert (rejected["rows"], rejected["valid"], rejected["invalid"], rejected["mode"]) == (7, 1, 6, "all")
    assert [(e["row"], e["field"], e["code"]) for e in rejected["errors"]] == row_errors, rejected["errors"]
    assert "imported" not in rejected
    r = upload(admin, bad, org=lj, mode="partial", dry_run=1)
    assert r.status_code == 200, r.text
    preview = check(r, "POST", IMPORT)
    assert preview == {k: v for k, v in rejected.items() if k != "error"} | {"mode": "partial"}, preview
    assert check(admin.get("/api/v1/persons", params={"org": lj, "q": "文档导入丁"}), "GET",
                 "/api/v1/persons")["items"] == []
    r = upload(admin, bad, org=lj, mode="partial")
    assert r.status_code == 200, r.text
    assert check(r, "POST", IMPORT) == {**preview, "imported": 1, "unchanged": 0}
    d = check(admin.get("/api/v1/persons", params={"org": lj, "q": "文档导入丁"}), "GET", "/api/v1/persons")["items"]
    assert len(d) == 1, d

    # what the route refuses
    header_only = "姓名,身份证号\r\n"
    for kw, data, status, field in (
        ({"mode": "some"}, good, 400, "mode"),
        ({"dry_run": 2}, good, 400, "dry_run"),
        ({"org": "x"}, good, 400, "org"),
        ({"org": 999999999}, good, 404, None),
        ({}, header_only, 400, "file"),
        ({}, "", 400, "file"),
        ({}, "姓名,电话\r\n张三,13800001111\r\n", 400, "file"),  # no ID column
        ({}, 'name,id_card\r\n"open,quote\r\n', 400, "file"),
        ({}, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", 400, "file"),
        ({}, b"PK\x03\x04" + b"\x00" * 26, 400, "file"),  # a zip's signature, no zip
        ({}, zip_of({"readme.txt": "no workbook here"}), 400, "file"),  # a zip, no worksheet
        ({}, xlsx_file([["姓名", "身份证号"]]), 400, "file"),  # a header row only
        ({}, xlsx_file([["姓名", "电话"], ["张三", "13800001111"]]), 400, "file"),  # no ID column
    ):
        err = error_field(upload(admin, data, org=lj, **kw) if "org" not in kw else upload(admin, data, **kw),
                          "POST", IMPORT, status)
        assert err.get("field") == field, (kw, data, err)
    err = error_field(upload(admin, good, headers={"Idempotency-Key": ""}, org=lj), "POST", IMPORT)
    assert err["field"] == "Idempotency-Key", err
    err = error_field(upload(admin, b"{}", ctype="application/json", org=lj), "POST", IMPORT, 415)
    assert (err["code"], err["field"]) == ("unsupported_media_type", "Content-Type"), err
    err = error_field(upload(admin, good, ctype="multipart/form-data; boundary=x", org=lj), "POST", IMPORT, 415)
    assert err["code"] == "unsupported_media_type", err
    err = error_field(upload(admin, b"a" * (10 * 1024 * 1024 + 1), org=lj), "POST", IMPORT, 413)
    assert err["code"] == "payload_too_large", err
    # 10 MiB exactly is taken as a body, and its one long cell refused by the import's cap as it is read.
    err = error_field(upload(admin, header_only.encode() + b"x" * (10 * 1024 * 1024 - len(header_only.encode())),
                             org=lj, dry_run=1), "POST", IMPORT, 413)
    assert (err["code"], err["field"], err["limit"], err["max"], err["cell"]) == \
        ("import_too_large", "file", "cell", 4096, "A2"), err
    anon = server.client()
    for r, method, path in ((upload(anon, good, org=lj), "POST", IMPORT), (anon.get(TEMPLATE), "GET", TEMPLATE),
                            (anon.get(EXPORT), "GET", EXPORT)):
        assert error_field(r, method, path, 401)["code"] == "unauthenticated"
    err = error_field(admin.post(IMPORT, params={"org": lj}, data=good.encode(), headers={"Content-Type": "text/csv"},
                                 csrf=False), "POST", IMPORT, 403)
    assert err["code"] == "csrf_failed", err
    auditor = server.make_user(admin, "openapi.auditor", "auditor", lj)
    for r, method, path in ((upload(auditor, good, org=lj), "POST", IMPORT), (auditor.get(TEMPLATE), "GET", TEMPLATE)):
        assert error_field(r, method, path, 403)["code"] == "forbidden"  # no people.write

    # exports: masked, revealed, refused; each audited
    exported = {"action": "persons.exported", "entity": "org", "entity_id": lj}
    before = check(admin.get("/api/v1/audit", params=exported), "GET", "/api/v1/audit")["items"]
    r = admin.get(EXPORT, params={"org": lj})
    assert r.status_code == 200, r.text
    check(r, "GET", EXPORT)
    rows = csv_rows(r)
    assert rows[0] == ["姓名", "性别", "出生年份", "身份证号", "手机号", "组织编码", "组织", "社区", "社区编码", "网格",
                       "网格编码", "楼栋", "楼栋编码", "户地址", "与户主关系", "标签"], rows[0]
    for name in rows[0]:
        assert name in OPS[("GET", EXPORT)][2].get("description", ""), f"{EXPORT}: column {name} not described"
    mine = {row[0]: row for row in rows[1:] if row[0].startswith("文档导入")}
    assert sorted(mine) == ["文档导入丁", "文档导入丙", "文档导入乙", "文档导入甲"], rows
    assert mine["文档导入甲"] == ["文档导入甲", "男" if int(ids[0][16]) % 2 else "女", str(a["birth_year"]), a["id_card"],
                              "138****1111", "340104006006", "龙居社区", "龙居社区", "340104006006", "", "", "", "",
                              "文档导入路 1 号", "户主", tags[0]["name_zh"]]
    assert sorted(mine["文档导入乙"][15].split("、")) == sorted([tags[0]["name_zh"], tags[1]["name_zh"]])
    assert all("*" in row[3] for row in rows[1:])
    r = admin.get(EXPORT, params={"org": lj, "reveal": 1, "reason": "文档核对"})
    assert r.status_code == 200, r.text
    check(r, "GET", EXPORT)
    full = {row[0]: row for row in csv_rows(r)[1:]}
    assert (full["文档导入甲"][3], full["文档导入甲"][4]) == (ids[0], "13800001111")
    assert (full["文档导入乙"][3], full["文档导入乙"][4]) == (ids[1], "")
    assert len(full) == len(rows) - 1
    for params, status, field in (({"org": lj, "reveal": 2}, 400, "reveal"), ({"org": "x"}, 400, "org"),
                                  ({"org": 999999999}, 404, None), ({"org": lj, "format": "pdf"}, 400, "format"),
                                  ({"org": lj, "format": ""}, 400, "format")):
        assert error_field(admin.get(EXPORT, params=params), "GET", EXPORT, status).get("field") == field, params
    err = error_field(auditor.get(EXPORT, params={"org": lj, "reveal": 1, "reason": "文档核对"}), "GET", EXPORT, 403)
    assert (err["code"], err["field"]) == ("forbidden", "reveal"), err
    r = auditor.get(EXPORT, params={"reveal": 0})  # the auditor's own node
    assert r.status_code == 200, r.text
    check(r, "GET", EXPORT)
    assert csv_rows(r) == rows
    after = check(admin.get("/api/v1/audit", params=exported), "GET", "/api/v1/audit")["items"]
    assert [(e["actor_name"], e["summary"]["rows"], e["summary"]["revealed"], e["summary"]["format"])
            for e in after[:3]] == [("openapi.auditor", len(rows) - 1, False, "csv"),
                                    ("admin", len(rows) - 1, True, "csv"),
                                    ("admin", len(rows) - 1, False, "csv")], after[:3]
    assert len(after) == len(before) + 3 and after[1]["summary"]["query"] == {"org": lj, "reveal": 1}

    # the same export as a workbook: the same table, every cell text; in full, it imports again as it is
    def sheet(r):
        assert r.status_code == 200, r.text
        check(r, "GET", EXPORT)
        assert r.headers["Cache-Control"] == "no-store" and r.content.startswith(b"PK\x03\x04"), r.headers
        got = xlsx_rows(r.content)
        return [row + [""] * (len(got[0]) - len(row)) for row in got]  # trailing empty cells may be left out

    assert sheet(admin.get(EXPORT, params={"org": lj, "format": "xlsx"})) == rows
    r = admin.get(EXPORT, params={"org": lj, "format": "xlsx", "reveal": 1, "reason": "文档核对"})
    whole = sheet(r)
    assert whole[0] == rows[0] and {row[0]: row for row in whole[1:]} == full, whole
    again = upload(admin, r.content, ctype=XLSX, org=lj)
    assert again.status_code == 200, again.text
    n = len(full)
    assert check(again, "POST", IMPORT) == {"rows": n, "valid": n, "invalid": 0, "mode": "all", "errors": [],
                                             "imported": 0, "unchanged": n}, again.text
    r = admin.get(EXPORT, params={"org": lj, "format": "csv"})  # csv, named
    assert r.status_code == 200 and csv_rows(r) == rows, r.text
    check(r, "GET", EXPORT)
    after = check(admin.get("/api/v1/audit", params=exported), "GET", "/api/v1/audit")["items"]
    assert [(e["summary"]["revealed"], e["summary"]["format"], e["summary"]["query"]) for e in after[:3]] == \
        [(False, "csv", {"org": lj, "format": "csv"}), (True, "xlsx", {"org": lj, "format": "xlsx", "reveal": 1}),
         (False, "xlsx", {"org": lj, "format": "xlsx"})], after[:3]

    # clean up
    for p in list(people.values()) + d:
        r = admin.delete(f"/api/v1/persons/{p['id']}")
        assert r.status_code == 204, r.text
    r = admin.delete(f"/api/v1/households/{a['household_id']}")
    assert r.status_code == 204, r.text


def walk_cases(server, admin):
    """Part of the walk: casework in 龙居社区. A grid with an outline, a resident who reports a problem inside
    it, and the whole loop (accept, dispatch, claim, handle, a refused verify, return, handle, verify, close,
    rate) by the community's staff, the grid's worker and the reporter; a second report, placed at the
    community and rejected; the lists; and the main refusals."""
    col, one, acts = "/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/cases/{id}/actions"
    found = check(admin.get("/api/v1/orgs", params={"q": "340104006006", "limit": 5}), "GET", "/api/v1/orgs")
    lj = [o for o in found["items"] if o["code"] == "340104006006"][0]["id"]
    r = admin.post("/api/v1/orgs", json={"parent_id": lj, "level": "grid", "name": "文档案件网格"})
    assert r.status_code == 201, r.text
    grid = check(r, "POST", "/api/v1/orgs")["id"]
    lng, lat, d = 117.30, 31.90, 0.01
    r = admin.request("PUT", f"/api/v1/orgs/{grid}/geometry", json=square(lng, lat, d))
    assert r.status_code == 200, r.text
    check(r, "PUT", "/api/v1/orgs/{id}/geometry")
    resident = server.make_user(admin, "openapi.case-resident", "resident", lj)
    neighbour = server.make_user(admin, "openapi.case-neighbour", "resident", lj)
    staff = server.make_user(admin, "openapi.case-staff", "org_staff", lj)
    worker = server.make_user(admin, "openapi.case-worker", "grid_worker", grid)
    anon = server.client()

    # the categories, for anyone signed in
    cats = check(resident.get("/api/v1/case-categories"), "GET", "/api/v1/case-categories")
    assert cats["next"] is None and "sanitation" in [c["code"] for c in cats["items"]], cats
    sanitation = [c for c in cats["items"] if c["code"] == "sanitation"][0]
    assert error_field(anon.get("/api/v1/case-categories"), "GET", "/api/v1/case-categories", 401)["code"] == \
        "unauthenticated"
    # configuring them: the city's administrators only
    cc, cc_one = "/api/v1/case-categories", "/api/v1/case-categories/{id}"
    new = {"code": "openapi_noise", "name_zh": "文档噪音", "name_en": "noise", "handler_kind": "org",
           "accept_hours": 1, "dispatch_hours": 2, "claim_hours": 3, "handle_hours": 4, "verify_hours": 5}
    made = check(admin.post(cc, json=new), "POST", cc)
    assert (made["code"], made["parent_id"], made["active"], made["sort"]) == ("openapi_noise", None, True, 0), made
    assert error_field(staff.post(cc, json={**new, "code": "x"}), "POST", cc, 403)["code"] == "forbidden"
    assert error_field(admin.post(cc, json={**new, "accept_hours": 0}), "POST", cc)["field"] == "accept_hours"
    assert error_field(admin.post(cc, json=new), "POST", cc, 409)["field"] == "code"
    sub = check(admin.post(cc, json={**new, "code": "openapi_noise_sub", "parent_id": made["id"]}), "POST", cc)
    changed = check(admin.patch(f"{cc}/{sub['id']}", json={"name_zh": "文档夜间噪音", "active": False}), "PATCH", cc_one)
    assert (changed["parent_id"], changed["name_zh"], changed["active"]) == (made["id"], "文档夜间噪音", False)
    assert error_field(admin.patch(f"{cc}/{made['id']}", json={"parent_id": sub["id"]}), "PATCH", cc_one)["field"] == \
        "parent_id"
    assert error_field(admin.patch(f"{cc}/999999", json={"sort": 1}), "PATCH", cc_one, 404)["code"] == "not_found"
    every = check(admin.get(cc, params={"include_inactive": 1}), "GET", cc)["items"]
    assert {c["code"]: c["active"] for c in every}["openapi_noise_sub"] is False
    assert "openapi_noise_sub" not in [c["code"] for c in check(admin.get(cc), "GET", cc)["items"]]

    # a report inside the grid, replayed under its Idempotency-Key
    body = {"category": "sanitation", "title": "垃圾满溢", "description": "文档路口垃圾桶满了",
            "lat": lat + d / 2, "lng": lng + d / 2}
    r = resident.post(col, json=body, headers={"Idempotency-Key": "openapi-case-1"})
    assert r.status_code == 201, r.text
    case = check(r, "POST", col)
    assert (case["org_id"], case["org_name"], case["outside_grid"], case["state"], case["source"]) == \
        (grid, "文档案件网格", False, "reported", "resident"), case
    assert (case["category"], case["category_name"], case["reporter_id"], case["version"]) == \
        ("sanitation", sanitation["name_zh"], resident.user_id, 1), case
    assert (case["lat"], case["lng"], case["building_id"], case["handler_org_id"], case["returns"]) == \
        (body["lat"], body["lng"], None, None, 0), case
    assert case["stage_deadline_at"] and case["overdue"] is False and case["closed_at"] is None
    assert [(e["action"], e["from_state"], e["to_state"], e["actor_name"]) for e in case["events"]] == \
        [("report", None, "reported", "openapi.case-resident")], case["events"]
    r = resident.post(col, json=body, headers={"Idempotency-Key": "openapi-case-1"})
    assert r.status_code == 201 and check(r, "POST", col) == case, r.text
    r = resident.post(col, json={**body, "title": "另一件事"}, headers={"Idempotency-Key": "openapi-case-1"})
    assert error_field(r, "POST", col, 422)["code"] == "idempotency_key_reused"

    # a point in no grid goes to the node given, flagged outside every grid
    r = resident.post(col, json={**body, "title": "路灯不亮", "category": "municipal", "lat": lat - 1,
                                 "org_id": lj})
    assert r.status_code == 201, r.text
    other = check(r, "POST", col)
    assert (other["org_id"], other["org_name"], other["outside_grid"], other["category"]) == \
        (lj, "龙居社区", True, "municipal"), other

    # what a report refuses
    for extra, status, field in (
        ({"lng": None}, 400, "lng"),                   # null is no coordinate
        ({"lat": 95}, 400, "lat"),
        ({"lat": "31.9"}, 400, "lat"),
        ({"lng": -181}, 400, "lng"),
        ({"lat": None, "lng": None}, 400, "lat"),
        ({"lat": lat - 1}, 400, "org_id"),             # a point in no grid needs org_id
        ({"category": "no-such-category"}, 400, "category"),
        ({"category": ""}, 400, "category"),
        ({"title": "x" * 101}, 400, "title"),
        ({"source": "open311"}, 400, "source"),
        ({"bogus": 1}, 400, "bogus"),
        ({"building_id": 999999999}, 404, "building_id"),
        ({"building_id": grid}, 404, "building_id"),   # a grid is no building
    ):
        err = error_field(resident.post(col, json={**body, **extra}), "POST", col, status)
        assert err.get("field") == field, (extra, err)
    for drop, field in (("lng", "lng"), ("lat", "lat"), ("description", "description")):
        err = error_field(resident.post(col, json={k: v for k, v in body.items() if k != drop}), "POST", col)
        assert err["field"] == field, (drop, err)
    no_place = {k: v for k, v in body.items() if k not in ("lat", "lng")}
    assert error_field(resident.post(col, json=no_place), "POST", col)["field"] == "org_id"
    err = error_field(resident.post(col, json={**no_place, "org_id": 999999999}), "POST", col, 404)
    assert (err["code"], err["field"]) == ("not_found", "org_id"), err
    assert error_field(anon.post(col, json=body), "POST", col, 401)["code"] == "unauthenticated"
    assert error_field(resident.post(col, json=body, csrf=False), "POST", col, 403)["code"] == "csrf_failed"
    r = resident.post(col, data=b"{}")
    assert error_field(r, "POST", col, 415)["code"] == "unsupported_media_type"

    # reading: the reporter and the staff over the grid see the case, another resident does not
    assert check(resident.get(f"{col}/{case['id']}"), "GET", one) == case
    assert check(worker.get(f"{col}/{case['id']}"), "GET", one) == case
    assert error_field(neighbour.get(f"{col}/{case['id']}"), "GET", one, 404)["code"] == "not_found"
    assert error_field(admin.get(f"{col}/999999999"), "GET", one, 404)["code"] == "not_found"
    assert error_field(anon.get(f"{col}/{case['id']}"), "GET", one, 401)["code"] == "unauthenticated"

    mine = check(resident.get(col, params={"mine": 1}), "GET", col)
    assert [c["id"] for c in mine["items"]] == [case["id"], other["id"]] and mine["next"] is None, mine
    assert {k: v for k, v in case.items() if k != "events"} == {k: v for k, v in mine["items"][0].items() if k != "place"}
    assert check(neighbour.get(col, params={"mine": 1}), "GET", col) == {"items": [], "next": None, "total": 0, "total_capped": False}
    listed = check(staff.get(col, params={"org": lj, "state": "reported"}), "GET", col)
    assert [c["id"] for c in listed["items"]] == [case["id"], other["id"]], listed
    r = staff.get(f"{col}/export", params={"org": lj, "state": "reported"})
    assert r.status_code == 200 and len(xlsx_rows(r.content)) == 3, r.text
    check(r, "GET", f"{col}/export")
    place = check(resident.get(f"{col}/{case['id']}/place"), "GET", f"{col}/{{id}}/place")["place"]
    assert place == listed["items"][0]["place"] and place[0]["level"] == "city"
    page = check(staff.get(col, params={"limit": 1}), "GET", col)
    assert [c["id"] for c in page["items"]] == [case["id"]] and page["next"] is not None
    page = check(staff.get(col, params={"limit": 1, "after": page["next"]}), "GET", col)
    assert [c["id"] for c in page["items"]] == [other["id"]]
    assert [c["id"] for c in check(worker.get(col), "GET", col)["items"]] == [case["id"]]  # its grid only
    assert check(staff.get(col, params={"org": lj, "overdue": 1}), "GET", col)["items"] == []
    assert check(staff.get(col, params={"org": grid, "state": "closed"}), "GET", col)["items"] == []
    for params, status, field in (({"state": "lost"}, 400, "state"), ({"limit": 0}, 400, "limit"),
                                  ({"after": "x"}, 400, "after"), ({"org": 999999999}, 404, None)):
        assert error_field(staff.get(col, params=params), "GET", col, status).get("field") == field, params
    assert error_field(worker.get(col, params={"org": lj}), "GET", col, 404)["code"] == "not_found"  # above its grid
    for params in ({"mine": 2}, {"overdue": "yes"}, {"org": "x"}):
        assert error_field(staff.get(col, params=params), "GET", col)["code"] == "validation_failed", params
    assert error_field(anon.get(col), "GET", col, 401)["code"] == "unauthenticated"

    # the loop
    def act(client, c, action, status=200, **extra):
        r = client.post(f"{col}/{c['id']}/actions", json={"action": action, "version": c["version"], **extra})
        assert r.status_code == status, (action, client, r.text)
        got = check(r, "POST", acts)
        if status == 200:
            assert (got["version"], got["events"][-1]["action"]) == (c["version"] + 1, action), got
            return got
        return got["error"]

    err = act(resident, case, "accept", 403)
    assert (err["code"], err["field"]) == ("forbidden", "action"), err
    err = act(staff, case, "close", 409)
    assert (err["code"], err["field"]) == ("invalid_transition", "action"), err
    err = act(staff, case, "fly", 400)
    assert err["field"] == "action", err
    err = act(staff, {**case, "version": case["version"] + 1}, "accept", 409)
    assert (err["code"], err["field"]) == ("version_conflict", "version"), err
    c = act(staff, case, "accept", note="已受理")
    assert c["state"] == "accepted" and c["events"][-1]["note"] == "已受理"
    err = act(staff, case, "accept", 409)  # the version read before: the case has moved on, accept is past
    assert (err["code"], err["field"]) == ("invalid_transition", "action"), err
    for extra, status, field in (({}, 400, "org_id"), ({"org_id": grid, "unit_id": 1}, 400, "org_id"),
                                 ({"unit_id": 999999999}, 404, "unit_id"), ({"org_id": 999999999}, 404, "org_id")):
        err = act(staff, c, "dispatch", status, **extra)
        assert err["field"] == field, (extra, err)
    c = act(staff, c, "dispatch", org_id=grid)
    assert (c["state"], c["handler_org_id"], c["handler_unit_id"]) == ("dispatched", grid, None), c
    assert act(resident, c, "claim", 403)["code"] == "forbidden"
    c = act(worker, c, "claim")
    c = act(worker, c, "handle", note="已清运")
    assert c["state"] == "handled"
    err = act(worker, c, "verify", 403)  # whoever handled it cannot verify it
    assert (err["code"], err["field"]) == ("verifier_is_handler", "action"), err
    assert act(neighbour, c, "return", 404)["code"] == "not_found"  # not theirs: not even visible
    c = act(resident, c, "return", note="还有残留")
    assert (c["state"], c["returns"]) == ("handling", 1), c
    c = act(worker, c, "handle", note="已彻底清理")
    c = act(staff, c, "verify")
    assert act(resident, c, "close", 403)["code"] == "forbidden"
    c = act(staff, c, "close")
    assert c["state"] == "closed" and c["closed_at"] and c["stage_deadline_at"] is None and c["overdue"] is False
    assert act(staff, c, "rate", 403, rating="满意")["code"] == "forbidden"  # only the reporter rates
    assert act(resident, c, "rate", 400)["field"] == "rating"
    assert act(resident, c, "rate", 400, rating="很好")["field"] == "rating"
    c = act(resident, c, "rate", rating="基本满意", note="处理得挺快")
    assert (c["state"], c["rating"], c["rating_comment"]) == ("rated", "基本满意", "处理得挺快"), c
    assert [(e["action"], e["from_state"], e["to_state"]) for e in c["events"]] == [
        ("report", None, "reported"), ("accept", "reported", "accepted"), ("dispatch", "accepted", "dispatched"),
        ("claim", "dispatched", "handling"), ("handle", "handling", "handled"), ("return", "handled", "handling"),
        ("handle", "handling", "handled"), ("verify", "handled", "verified"), ("close", "verified", "closed"),
        ("rate", "closed", "rated")], c["events"]
    assert [e["actor_name"] for e in c["events"]][1:5] == ["openapi.case-staff", "openapi.case-staff",
                                                          "openapi.case-worker", "openapi.case-worker"]
    assert check(staff.get(f"{col}/{case['id']}"), "GET", one) == c
    assert act(staff, c, "close", 409)["code"] == "invalid_transition"  # a rated case is done

    # the second report: rejected with its reason, the move replayed under its Idempotency-Key
    assert act(staff, other, "reject", 400)["field"] == "note"
    move = {"action": "reject", "version": other["version"], "note": "重复上报"}
    r = staff.post(f"{col}/{other['id']}/actions", json=move, headers={"Idempotency-Key": "openapi-case-reject"})
    assert r.status_code == 200, r.text
    rejected = check(r, "POST", acts)
    assert (rejected["state"], rejected["stage_deadline_at"], rejected["events"][-1]["note"]) == \
        ("rejected", None, "重复上报"), rejected
    r = staff.post(f"{col}/{other['id']}/actions", json=move, headers={"Idempotency-Key": "openapi-case-reject"})
    assert r.status_code == 200 and check(r, "POST", acts) == rejected, r.text
    r = staff.post(f"{col}/{other['id']}/actions", json={**move, "note": "另一理由"},
                   headers={"Idempotency-Key": "openapi-case-reject"})
    assert error_field(r, "POST", acts, 422)["code"] == "idempotency_key_reused"

    # a repeat of the first report, merged into it
    r = resident.post(col, json={**body, "title": "垃圾还是满的"})
    assert r.status_code == 201, r.text
    repeat = check(r, "POST", col)
    assert repeat["merged_into"] is None and repeat["org_id"] == grid
    for extra, status in (({}, 400), ({"into": repeat["id"]}, 400), ({"into": 999999999}, 404)):
        err = act(staff, repeat, "merge", status, **extra)
        assert err["field"] == "into", (extra, err)
    assert act(resident, repeat, "merge", 403, into=case["id"])["code"] == "forbidden"
    err = act(staff, repeat, "merge", 409, into=case["id"])  # the first report is finished (rated) by now
    assert (err["code"], err["field"]) == ("invalid_transition", "into"), err
    # (walk_case_extras merges the repeat into an open case)

    # what a move refuses before looking at the case
    path = f"{col}/{case['id']}/actions"
    for bad, field in (({"action": "close"}, "version"), ({"version": 1}, "action"),
                       ({"action": "close", "version": 0}, "version"), ({"action": "x" * 17, "version": 1}, "action"),
                       ({"action": "close", "version": 1, "note": ""}, "note"),
                       ({"action": "close", "version": 1, "extra": 1}, "extra")):
        assert error_field(staff.post(path, json=bad), "POST", acts)["field"] == field, bad
    assert error_field(staff.post(f"{col}/999999999/actions", json={"action": "accept", "version": 1}), "POST",
                       acts, 404)["code"] == "not_found"
    assert error_field(anon.post(path, json={"action": "close", "version": 1}), "POST", acts, 401)["code"] == \
        "unauthenticated"
    assert error_field(staff.post(path, json={"action": "close", "version": 1}, csrf=False), "POST", acts,
                       403)["code"] == "csrf_failed"
    assert error_field(staff.post(path, data=b"{}"), "POST", acts, 415)["code"] == "unsupported_media_type"

    # audited
    audit = check(admin.get("/api/v1/audit", params={"entity": "case", "entity_id": case["id"], "limit": 50}),
                  "GET", "/api/v1/audit")["items"]
    assert [e["action"] for e in audit] == ["case.moved"] * 9 + ["case.reported"], audit
    return {"lj": lj, "grid": grid, "lat": lat, "lng": lng, "d": d, "resident": resident, "neighbour": neighbour,
            "staff": staff, "worker": worker, "anon": anon, "rated": c, "repeat": repeat}


BRIEF = {"id", "tracking_code", "category", "category_name", "title", "state", "created_at", "distance_m"}


def png_bytes():
    """A PNG of a few bytes: the signature and an IHDR chunk (1x1 RGBA) with its CRC."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP = b"RIFF" + struct.pack("<I", 4) + b"WEBP"


def move(client, c, action, **extra):
    """A move of a case that must succeed; the case as it is then."""
    r = client.post(f"/api/v1/cases/{c['id']}/actions", json={"action": action, "version": c["version"], **extra})
    assert r.status_code == 200, (action, r.text)
    return check(r, "POST", "/api/v1/cases/{id}/actions")


def org_by_code(admin, code):
    found = check(admin.get("/api/v1/orgs", params={"q": code, "limit": 200}), "GET", "/api/v1/orgs")
    got = [o["id"] for o in found["items"] if o["code"] == code]
    assert len(got) == 1, (code, found)
    return got[0]


def walk_case_extras(server, admin, ctx):
    """Part of the walk, on the grid of walk_cases: duplicate hints near a point and for a case (whole for staff,
    brief for residents), supervision from the street and from the admin (as the city), photos, the inbox lists as
    a case goes round the loop, and the indicators of the grid and its community. Moves the test clock on a few
    minutes (twice) so that the times the indicators average differ. Leaves ctx["open"], the cases still open."""
    col, one = "/api/v1/cases", "/api/v1/cases/{id}"
    near, dups, sup = "/api/v1/cases/nearby", "/api/v1/cases/{id}/duplicates", "/api/v1/cases/{id}/supervise"
    photos, photo, inbox = "/api/v1/cases/{id}/photos", "/api/v1/cases/{id}/photos/{photo_id}", "/api/v1/inbox"
    cw = "/api/v1/orgs/{id}/casework"
    resident, neighbour, staff, worker, anon = (ctx[k] for k in ("resident", "neighbour", "staff", "worker", "anon"))
    lj, grid, lat, lng, d = (ctx[k] for k in ("lj", "grid", "lat", "lng", "d"))
    street = org_by_code(admin, "340104006")
    street_staff = server.make_user(admin, "openapi.case-street", "org_staff", street)
    ctx["street"] = street

    def later(seconds):
        r = admin.post("/api/v1/_test/clock", json={"advance_seconds": seconds})
        assert r.status_code == 200, r.text
        check(r, "POST", "/api/v1/_test/clock")

    later(600)  # the repeat of walk_cases waits 10 minutes before it is merged (rejected)

    def report(**extra):
        r = resident.post(col, json={"category": "municipal", "title": "路灯不亮", "description": "文档路口的路灯不亮",
                                     **extra})
        assert r.status_code == 201, r.text
        return check(r, "POST", col)

    # ---- hints: open cases of a category within 50 m
    spot = (lat + d / 4, lng + d / 4)
    a = report(lat=spot[0], lng=spot[1])
    # the repeat of walk_cases, merged into a now that there is an open case to merge into
    merged = move(staff, ctx["repeat"], "merge", into=a["id"])
    assert (merged["state"], merged["merged_into"], merged["stage_deadline_at"]) == ("rejected", a["id"], None)
    assert merged["events"][-1]["action"] == "merge"
    r = staff.post(f"{col}/{merged['id']}/actions", json={"action": "accept", "version": merged["version"]})
    assert error_field(r, "POST", "/api/v1/cases/{id}/actions", 409)["code"] == "invalid_transition"
    ask = {"category": "municipal", "lat": spot[0] + 0.0002, "lng": spot[1]}  # about 22 m north
    got = check(neighbour.get(near, params=ask), "GET", near)
    assert got["next"] is None and [h["id"] for h in got["items"]] == [a["id"]], got
    brief = got["items"][0]
    assert set(brief) == BRIEF and 15 <= brief["distance_m"] <= 30, brief
    assert {k: v for k, v in brief.items() if k != "distance_m"} == {k: a[k] for k in BRIEF - {"distance_m"}}
    whole = check(staff.get(near, params=ask), "GET", near)["items"]
    assert [h["id"] for h in whole] == [a["id"]], whole
    assert whole[0] == {**{k: v for k, v in a.items() if k != "events"}, "distance_m": brief["distance_m"]}
    assert check(staff.get(near, params={**ask, "lat": spot[0] + 0.001}), "GET", near)["items"] == []  # ~110 m
    assert a["id"] not in [h["id"] for h in check(staff.get(near, params={**ask, "category": "sanitation"}), "GET",
                                                  near)["items"]]
    for params, field in (({"lat": 1, "lng": 1}, "category"), ({"category": "no-such", "lat": 1, "lng": 1}, "category"),
                          ({"category": "municipal", "lng": 1}, "lat"), ({**ask, "lat": "north"}, "lat"),
                          ({**ask, "lat": 91}, "lat"), ({**ask, "lat": "3e1"}, "lat"), ({**ask, "lat": ""}, "lat"),
                          ({**ask, "lat": "x", "lng": "y"}, "lat"),  # lat first
                          ({**ask, "lng": 181}, "lng"), ({**ask, "lng": "1.2e2"}, "lng"),
                          ({**ask, "lng": "117.3x"}, "lng"), ({**ask, "lng": ""}, "lng"),
                          ({"category": "municipal", "lat": 1}, "lng")):
        assert error_field(neighbour.get(near, params=params), "GET", near)["field"] == field, params
    assert error_field(anon.get(near, params=ask), "GET", near, 401)["code"] == "unauthenticated"

    b = report(lat=spot[0] + 0.0001, lng=spot[1], title="路灯坏了")  # about 11 m from a
    got = check(staff.get(f"{col}/{b['id']}/duplicates"), "GET", dups)
    assert got["next"] is None and [h["id"] for h in got["items"]] == [a["id"]] and "source" in got["items"][0]
    got = check(resident.get(f"{col}/{b['id']}/duplicates"), "GET", dups)  # the reporter holds no case.read
    assert [h["id"] for h in got["items"]] == [a["id"]] and set(got["items"][0]) == BRIEF, got
    assert [h["id"] for h in check(staff.get(f"{col}/{a['id']}/duplicates"), "GET", dups)["items"]] == [b["id"]]
    c = report(org_id=lj, title="楼道灯不亮")  # no point: no hints
    assert check(staff.get(f"{col}/{c['id']}/duplicates"), "GET", dups) == {"items": [], "next": None}
    later(300)  # a and b (still reported) wait 5 minutes before anything happens to them
    for client, url, status in ((neighbour, f"{col}/{b['id']}/duplicates", 404),
                                (staff, f"{col}/999999999/duplicates", 404),
                                (anon, f"{col}/{b['id']}/duplicates", 401)):
        error_field(client.get(url), "GET", dups, status)

    # ---- supervision (督办) of b from the street above
    path = f"{col}/{b['id']}/supervise"
    good = {"deadline": "2099-01-01T00:00:00Z", "version": b["version"], "note": "限期办结"}
    for client in (staff, resident):  # the community is no street; a resident holds no case.write
        err = error_field(client.post(path, json=good), "POST", sup, 403)
        assert err["code"] == "forbidden" and "field" not in err, err
    for bad, field in (({**good, "deadline": "2000-01-01"}, "deadline"),  # past
                       ({**good, "deadline": "tomorrow noon"}, "deadline"), ({**good, "deadline": "2099"}, "deadline"),
                       ({**good, "deadline": None}, "deadline"),
                       ({k: v for k, v in good.items() if k != "deadline"}, "deadline"),
                       ({k: v for k, v in good.items() if k != "version"}, "version"),
                       ({**good, "version": 0}, "version"), ({**good, "note": ""}, "note"),
                       ({**good, "extra": 1}, "extra")):
        assert error_field(street_staff.post(path, json=bad), "POST", sup)["field"] == field, bad
    err = error_field(street_staff.post(path, json={**good, "version": b["version"] + 1}), "POST", sup, 409)
    assert (err["code"], err["field"]) == ("version_conflict", "version"), err
    r = street_staff.post(path, json=good, headers={"Idempotency-Key": "openapi-supervise"})
    assert r.status_code == 200, r.text
    supervised = check(r, "POST", sup)
    assert (supervised["supervised_org_id"], supervised["supervise_deadline_at"], supervised["state"],
            supervised["version"]) == (street, "2099-01-01T00:00:00Z", "reported", b["version"] + 1), supervised
    last = supervised["events"][-1]
    assert (last["action"], last["from_state"], last["to_state"], last["note"], last["actor_name"]) == \
        ("supervise", "reported", "reported", "限期办结", "openapi.case-street"), supervised["events"]
    r = street_staff.post(path, json=good, headers={"Idempotency-Key": "openapi-supervise"})
    assert r.status_code == 200 and check(r, "POST", sup) == supervised, r.text
    r = street_staff.post(path, json={**good, "note": "另一说明"}, headers={"Idempotency-Key": "openapi-supervise"})
    assert error_field(r, "POST", sup, 422)["code"] == "idempotency_key_reused"
    b = supervised
    rated = ctx["rated"]
    err = error_field(street_staff.post(f"{col}/{rated['id']}/supervise", json={**good, "version": rated["version"]}),
                      "POST", sup, 409)
    assert err["code"] == "invalid_transition" and "field" not in err, err  # a finished case
    # a system-wide grant (the admin's) supervises as the city above the case
    cities = check(admin.get("/api/v1/orgs", params={"level": "city"}), "GET", "/api/v1/orgs")["items"]
    assert len(cities) == 1, cities
    r = admin.post(f"{col}/{c['id']}/supervise", json={"deadline": "2099-06-01", "version": c["version"]})
    assert r.status_code == 200, r.text
    c = check(r, "POST", sup)
    assert (c["supervised_org_id"], c["supervise_deadline_at"], c["state"]) == \
        (cities[0]["id"], "2099-06-01T00:00:00Z", "reported"), c
    assert [(e["action"], e["actor_name"], e["note"]) for e in c["events"]][-1] == ("supervise", "admin", None)
    assert error_field(street_staff.post(f"{col}/999999999/supervise", json=good), "POST", sup, 404)["code"] == \
        "not_found"
    assert error_field(anon.post(path, json=good), "POST", sup, 401)["code"] == "unauthenticated"
    assert error_field(street_staff.post(path, json=good, csrf=False), "POST", sup, 403)["code"] == "csrf_failed"
    assert error_field(street_staff.post(path, data=b"{}"), "POST", sup, 415)["code"] == "unsupported_media_type"
    assert error_field(street_staff.post(path, data=b"[1]", headers={"Content-Type": "application/json"}), "POST",
                       sup)["code"] == "invalid_json"

    # ---- 吹哨 by hand on c, with a reason: to the street above it
    esc, esc_path = "/api/v1/cases/{id}/escalate", f"{col}/{c['id']}/escalate"
    assert error_field(staff.post(esc_path, json={"version": c["version"]}), "POST", esc)["field"] == "reason"
    err = error_field(staff.post(esc_path, json={"reason": "多次反映", "version": c["version"] + 1}), "POST", esc, 409)
    assert (err["code"], err["field"]) == ("version_conflict", "version"), err
    r = staff.post(esc_path, json={"reason": "多次反映", "version": c["version"]})
    assert r.status_code == 200, r.text
    c = check(r, "POST", esc)
    assert (c["escalation_level"], c["events"][-1]["action"], c["events"][-1]["note"]) == (1, "escalate_street", "多次反映")
    assert error_field(anon.post(esc_path, json={"reason": "多次反映", "version": c["version"]}), "POST", esc, 401)

    # ---- publicity of c: withheld from the public, published again
    pub, pub_path = "/api/v1/cases/{id}/publicity", f"{col}/{c['id']}/publicity"
    err = error_field(resident.post(pub_path, json={"public": False, "version": c["version"]}), "POST", pub, 403)
    assert err["code"] == "forbidden" and "field" not in err, err
    for bad, field in (({"public": 1, "version": c["version"]}, "public"), ({"version": c["version"]}, "public"),
                       ({"public": False}, "version"), ({"public": False, "version": c["version"], "x": 1}, "x")):
        assert error_field(staff.post(pub_path, json=bad), "POST", pub)["field"] == field, bad
    err = error_field(staff.post(pub_path, json={"public": False, "version": c["version"] + 1}), "POST", pub, 409)
    assert (err["code"], err["field"]) == ("version_conflict", "version"), err
    assert error_field(staff.post(f"{col}/999999999/publicity", json={"public": False, "version": 1}), "POST", pub,
                       404)["code"] == "not_found"
    assert error_field(anon.post(pub_path, json={"public": False, "version": 1}), "POST", pub, 401)["code"] == \
        "unauthenticated"
    for want in (False, True):
        r = staff.post(pub_path, json={"public": want, "version": c["version"]})
        assert r.status_code == 200, r.text
        c = check(r, "POST", pub)
        assert c["public"] is want, c

    # ---- the contact phone of c in full: pii.reveal over its node and a reason
    rev, rev_path = "/api/v1/cases/{id}/reveal", f"{col}/{c['id']}/reveal"
    r = staff.post(rev_path, json={"field": "contact_phone", "reason": "文档核对"})
    assert r.status_code == 200 and check(r, "POST", rev) == {"id": c["id"], "field": "contact_phone",
                                                             "value": None}, r.text
    assert error_field(resident.post(rev_path, json={"field": "contact_phone", "reason": "文档核对"}), "POST", rev,
                       403)["code"] == "forbidden"
    for bad, field in (({"field": "contact_phone"}, "reason"), ({"field": "title", "reason": "文档核对"}, "field"),
                       ({"field": "contact_phone", "reason": "回电 13912345678"}, "reason")):
        assert error_field(staff.post(rev_path, json=bad), "POST", rev)["field"] == field, bad
    assert error_field(staff.post(f"{col}/999999999/reveal", json={"field": "contact_phone", "reason": "文档核对"}),
                       "POST", rev, 404)["code"] == "not_found"

    # ---- photos of a: the type is read from the bytes, whatever the header says
    png = png_bytes()
    stored = []
    for data, mime, sent_as in ((png, "image/png", "image/png"), (JPEG, "image/jpeg", "application/octet-stream"),
                                (WEBP, "image/webp", "image/png")):
        r = resident.post(f"{col}/{a['id']}/photos", data=data, headers={"Content-Type": sent_as})
        assert r.status_code == 201, r.text
        p = check(r, "POST", photos)
        assert (p["case_id"], p["mime"], p["size"], p["sha256"]) == \
            (a["id"], mime, len(data), hashlib.sha256(data).hexdigest()), p
        stored.append((p, data))
    for client in (resident, staff):
        for p, data in stored:
            r = client.get(f"{col}/{a['id']}/photos/{p['id']}")
            assert r.status_code == 200 and r.content == data and r.headers["Content-Type"] == p["mime"], r.headers
            check(r, "GET", photo)
    r = staff.post(f"{col}/{a['id']}/photos", data=png, headers={"Idempotency-Key": "openapi-photo"})
    assert r.status_code == 201, r.text
    again = check(r, "POST", photos)
    r = staff.post(f"{col}/{a['id']}/photos", data=png, headers={"Idempotency-Key": "openapi-photo"})
    assert r.status_code == 201 and check(r, "POST", photos) == again, r.text  # replayed, not stored twice
    r = staff.post(f"{col}/{a['id']}/photos", data=JPEG, headers={"Idempotency-Key": "openapi-photo"})
    assert error_field(r, "POST", photos, 422)["code"] == "idempotency_key_reused"
    a = check(staff.get(f"{col}/{a['id']}"), "GET", one)
    assert a["photos"] == 4, a
    for data in (b"<svg onload=alert(1)>", b"", b"\xff\xd8", b"RIFF\x04\x00\x00\x00WEBQ"):
        err = error_field(resident.post(f"{col}/{a['id']}/photos", data=data, headers={"Content-Type": "image/png"}),
                          "POST", photos, 415)
        assert (err["code"], err["field"]) == ("unsupported_media_type", "file"), (data, err)
    err = error_field(resident.post(f"{col}/{a['id']}/photos", data=JPEG + b"0" * (10 * 1024 * 1024)), "POST",
                      photos, 413)
    assert err["code"] == "payload_too_large", err
    err = error_field(resident.post(f"{col}/{a['id']}/photos", data=png, headers={"Idempotency-Key": ""}), "POST",
                      photos)
    assert err["field"] == "Idempotency-Key", err
    first = stored[0][0]["id"]
    listed = check(staff.get(f"{col}/{a['id']}/photos"), "GET", photos)
    assert [p["id"] for p in listed["items"]][0] == first and len(listed["items"]) == 4, listed
    error_field(neighbour.get(f"{col}/{a['id']}/photos"), "GET", photos, 404)
    for client, url, status in ((neighbour, f"{col}/{a['id']}/photos/{first}", 404),  # not their case
                                (staff, f"{col}/{b['id']}/photos/{first}", 404),  # not b's photo
                                (staff, f"{col}/{a['id']}/photos/999999999", 404),
                                (staff, f"{col}/999999999/photos/{first}", 404),
                                (anon, f"{col}/{a['id']}/photos/{first}", 401)):
        error_field(client.get(url), "GET", photo, status)
    for client, url, status, code in ((neighbour, f"{col}/{a['id']}/photos", 404, "not_found"),
                                      (resident, f"{col}/999999999/photos", 404, "not_found"),
                                      (anon, f"{col}/{a['id']}/photos", 401, "unauthenticated")):
        assert error_field(client.post(url, data=png), "POST", photos, status)["code"] == code
    assert error_field(resident.post(f"{col}/{a['id']}/photos", data=png, csrf=False), "POST", photos,
                       403)["code"] == "csrf_failed"
    audit = check(admin.get("/api/v1/audit", params={"entity": "case", "entity_id": a["id"],
                                                     "action": "case.photo_added"}), "GET", "/api/v1/audit")["items"]
    assert sorted(e["summary"]["sha256"] for e in audit) == \
        sorted([hashlib.sha256(x).hexdigest() for _, x in stored] + [again["sha256"]]), audit

    # ---- the inbox as a goes round the loop
    def box(client, counts=None):
        got = check(client.get(inbox), "GET", inbox)
        # total: each waiting case once, though a case may wait in two parts
        cases = [v for k, v in got.items() if k not in ("total", "notices", "problems")]
        assert all(v["count"] <= 20 for v in cases), got
        assert got["total"] == len({x["id"] for v in cases for x in v["items"]}), got
        # count: every case waiting in the list; items: the first 20 of them
        assert all(len(v["items"]) == min(v["count"], 20) for k, v in got.items() if k != "total"), got
        if counts is not None:
            counts.update({k: v["count"] for k, v in got.items() if k != "total"})
        return {k: [x["id"] for x in v["items"]] for k, v in got.items() if k != "total"}

    counts = {}
    got = box(staff, counts)
    assert b["id"] not in got["supervised"], got  # the street supervises it, not the community
    assert {a["id"], b["id"], c["id"]} <= set(got["to_accept"]), got
    reported = check(staff.get(col, params={"org": lj, "state": "reported", "limit": 200}), "GET", col)
    assert reported["next"] is None and counts["to_accept"] == len(reported["items"]), (counts, reported)
    assert counts["supervised"] == counts["overdue"] == 0, counts
    got = box(worker)  # the grid's worker: a and b, not c (at the community)
    assert {a["id"], b["id"]} <= set(got["to_accept"]) and c["id"] not in got["to_accept"], got
    got = box(resident)  # no case.write: only the lists of a reporter
    assert all(got[k] == [] for k in ("to_accept", "dispatched", "overdue", "escalated", "supervised")), got
    got = box(street_staff)
    assert b["id"] in got["supervised"] and {a["id"], b["id"], c["id"]} <= set(got["to_accept"]), got
    assert c["id"] not in got["supervised"], got  # the city supervises it, not the street
    assert {b["id"], c["id"]} <= set(box(admin)["supervised"])
    a = move(staff, a, "accept")
    a = move(staff, a, "dispatch", org_id=grid)
    assert a["id"] in box(worker)["dispatched"]
    a = move(worker, a, "claim")
    a = move(worker, a, "handle", note="已修复")
    assert a["id"] in box(resident)["to_verify"] and a["id"] in box(staff)["to_verify"]
    assert a["id"] not in box(worker)["to_verify"]  # whoever handled it does not verify it
    a = move(staff, a, "verify")
    a = move(staff, a, "close")
    assert a["id"] in box(resident)["to_rate"] and a["id"] not in box(staff)["to_accept"]
    assert a["id"] not in box(neighbour)["to_rate"]
    error_field(anon.get(inbox), "GET", inbox, 401)

    # ---- indicators: in the grid, the rated case of walk_cases (returned once, 基本满意), a (closed) and b
    # (open) are due; the merged repeat is rejected and left out
    window = {"from": "2000-01-01", "to": "2100-01-01"}
    k = check(admin.get(f"/api/v1/orgs/{grid}/casework", params=window), "GET", cw)
    assert {n: k[n] for n in ("due", "closed", "closed_on_time", "handled", "reworked", "rated", "satisfied",
                              "overdue_now")} == {"due": 3, "closed": 2, "closed_on_time": 2, "handled": 2,
                                                  "reworked": 1, "rated": 1, "satisfied": 1, "overdue_now": 0}, k
    assert [round(k[n], 6) for n in ("closure_rate", "on_time_closure_rate", "on_time_handling_rate", "rework_rate",
                                     "satisfaction_rate")] == [round(2 / 3, 6)] * 3 + [0.5, 1.0], k
    assert set(k["avg_seconds_in_state"]) == {"reported", "accepted", "dispatched", "handling", "handled",
                                              "verified", "closed"}, k
    # the stays are those the logs of the cases due tell, counting only the moves that changed the state (not b's
    # supervise, which came 5 minutes after its report) and leaving the rejected repeat out (merged after 10 minutes)
    assert k["avg_seconds_in_state"] == stays(admin, grid), k
    for other in (stays(admin, grid, every_event=True), stays(admin, grid, rejected=True)):
        assert k["avg_seconds_in_state"] != other, ("the walk tells the countings apart", other)
    assert check(staff.get(f"/api/v1/orgs/{grid}/casework", params={"from": "2000-01-01T00:00:00Z",
                                                                     "to": "2100-01-01T00:00:00Z"}), "GET", cw) == k
    k = check(staff.get(f"/api/v1/orgs/{lj}/casework", params=window), "GET", cw)  # c is due there too
    assert (k["due"], k["closed"], k["closure_rate"]) == (4, 2, 0.5), k
    assert k["avg_seconds_in_state"] == stays(admin, lj), k
    k = check(admin.get(f"/api/v1/orgs/{lj}/casework", params={"from": "2000-01-01", "to": "2000-01-02"}), "GET", cw)
    assert k == {"due": 0, "closed": 0, "closed_on_time": 0, "handled": 0, "reworked": 0, "rated": 0, "satisfied": 0,
                 "overdue_now": 0, "closure_rate": None, "on_time_closure_rate": None, "on_time_handling_rate": None,
                 "rework_rate": None, "satisfaction_rate": None, "avg_seconds_in_state": {}}, k
    for params, field in (({"to": "2100-01-01"}, "from"), ({"from": "yesterday", "to": "2100-01-01"}, "from"),
                          ({"from": "2000-01-01"}, "to"), ({"from": "2000-01-01", "to": "2000-13-01"}, "to"),
                          ({"from": "2100-01-01", "to": "2000-01-01"}, "to"),
                          ({"from": "2000-01-01", "to": "2000-01-01"}, "to")):
        assert error_field(admin.get(f"/api/v1/orgs/{lj}/casework", params=params), "GET", cw)["field"] == field, params
    # the trend: one bucket over the same window is the indicators of the window
    err = error_field(staff.get(f"/api/v1/orgs/{grid}/casework/trend", params={**window, "bucket": "week"}), "GET",
                      cw + "/trend")
    assert err["field"] == "to", err  # a century of weeks is too many
    one = check(admin.get(f"/api/v1/orgs/{grid}/casework/trend", params={"from": "2000-01-01",
                                                                          "to": "2009-12-01"}), "GET", cw + "/trend")
    assert len(one["buckets"]) == 119 and one["bucket"] == "month", one
    error_field(resident.get(f"/api/v1/orgs/{grid}/casework/trend", params=window), "GET", cw + "/trend", 403)
    assert error_field(admin.get("/api/v1/orgs/999999999/casework", params=window), "GET", cw, 404)["code"] == \
        "not_found"
    assert error_field(worker.get(f"/api/v1/orgs/{lj}/casework", params=window), "GET", cw, 404)["code"] == \
        "not_found"  # above the worker's grid
    assert error_field(resident.get(f"/api/v1/orgs/{grid}/casework", params=window), "GET", cw, 403)["code"] == \
        "forbidden"  # no case.read
    assert error_field(anon.get(f"/api/v1/orgs/{grid}/casework", params=window), "GET", cw, 401)["code"] == \
        "unauthenticated"
    # the kept yearly figures of a node (docs/figures.md): every row's total, by year
    yf = "/api/v1/orgs/{id}/year-figures"
    rows = check(admin.get(f"/api/v1/orgs/{lj}/year-figures", params={"year": 2025}), "GET", yf)
    assert rows["org_id"] == lj and all(r["year"] == 2025 and r["total"] for r in rows["figures"]), rows
    assert error_field(admin.get(f"/api/v1/orgs/{lj}/year-figures", params={"year": 1999}), "GET", yf)["field"] == \
        "year"
    assert error_field(worker.get(f"/api/v1/orgs/{lj}/year-figures"), "GET", yf, 404)["code"] == "not_found"
    # 数说基层 of the node, and its workbook
    page = check(admin.get(f"/api/v1/orgs/{lj}/figures", params={"year": 2025}), "GET", "/api/v1/orgs/{id}/figures")
    assert page["year"] == 2025 and page["figures"], page
    assert error_field(admin.get(f"/api/v1/orgs/{lj}/figures", params={"year": "x"}), "GET",
                       "/api/v1/orgs/{id}/figures")["field"] == "year"
    r = admin.get(f"/api/v1/orgs/{lj}/figures/export", params={"year": 2025})
    check(r, "GET", "/api/v1/orgs/{id}/figures/export")
    assert xlsx_rows(r.content)[0] == ["指标", "数值"]
    ctx["open"] = [b["id"], c["id"]]
    ctx["b"], ctx["c"] = b, c


def unix(ts):
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def stays(admin, org, every_event=False, rejected=False):
    """avg_seconds_in_state of GET /api/v1/orgs/{org}/casework (for a period holding every case) as the logs of the
    cases at the org's subtree tell: the time from each event that changed the state to the next one, by the state
    left, averaged and cut to whole seconds; rejected cases left out. every_event and rejected: the same counting
    every event (a supervise too) and every case, for telling the two apart."""
    ids, after = [], None
    while True:
        params = {"org": org, "limit": 200, **({"after": after} if after else {})}
        page = check(admin.get("/api/v1/cases", params=params), "GET", "/api/v1/cases")
        ids += [x["id"] for x in page["items"]]
        after = page["next"]
        if after is None:
            break
    spent = {}
    for cid in ids:
        case = check(admin.get(f"/api/v1/cases/{cid}"), "GET", "/api/v1/cases/{id}")
        if case["state"] == "rejected" and not rejected:
            continue
        moves = [e for e in sorted(case["events"], key=lambda e: e["id"])
                 if every_event or e["from_state"] is None or e["from_state"] != e["to_state"]]
        for before, e in zip(moves, moves[1:]):
            if e["from_state"] is not None:
                spent.setdefault(e["from_state"], []).append(unix(e["at"]) - unix(before["at"]))
    return {state: int(sum(v) / len(v)) for state, v in spent.items()}


def walk_open311(server, admin, ctx):
    """Part of the walk: the public Open311 GeoReport v2 routes in JSON and XML: discovery, services, a service
    definition, requests made with an API key (into the grid of walk_cases) and read back with their filters,
    tokens, and the errors (Open311 error lists in the path's format)."""
    base = "/open311/v2"
    T = {"discovery": base + "/discovery.{format}", "services": base + "/services.{format}",
         "service": base + "/services/{service_code}.{format}", "requests": base + "/requests.{format}",
         "request": base + "/requests/{service_request_id}.{format}", "token": base + "/tokens/{token_id}.{format}"}
    pub = server.client()  # no session: these routes are public
    lat, lng, d = ctx["lat"], ctx["lng"], ctx["d"]

    def got(r, method, key, status=200):
        assert r.status_code == status, (key, r.status_code, r.text)
        return check(r, method, T[key])

    def xml(r, method, key, status=200):
        assert r.status_code == status and r.headers["Content-Type"].startswith("text/xml"), (key, r.text)
        check(r, method, T[key])
        assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        return ET.fromstring(r.content)

    def refused(r, method, key, status):
        body = got(r, method, key, status)
        assert len(body) == 1 and body[0]["code"] == status and body[0]["description"], body
        return body[0]["description"]

    disc = got(pub.get(f"{base}/discovery.json"), "GET", "discovery")
    assert [(e["url"], e["specification"], e["formats"]) for e in disc["endpoints"]] == \
        [("/open311/v2", "http://wiki.open311.org/GeoReport_v2", ["application/json", "text/xml"])], disc
    root = xml(pub.get(f"{base}/discovery.xml"), "GET", "discovery")
    assert root.tag == "discovery" and [f.text for f in root.findall("endpoints/endpoint/formats/format")] == \
        ["application/json", "text/xml"]
    cats = check(admin.get("/api/v1/case-categories"), "GET", "/api/v1/case-categories")["items"]
    services = got(pub.get(f"{base}/services.json"), "GET", "services")
    assert [(s["service_code"], s["service_name"], s["description"]) for s in services] == \
        [(c["code"], c["name_zh"], c["name_en"]) for c in cats]
    root = xml(pub.get(f"{base}/services.xml"), "GET", "services")
    assert root.tag == "services" and [e.findtext("service_code") for e in root.findall("service")] == \
        [c["code"] for c in cats]
    assert got(pub.get(f"{base}/services/sanitation.json"), "GET", "service") == \
        {"service_code": "sanitation", "attributes": []}
    root = xml(pub.get(f"{base}/services/sanitation.xml"), "GET", "service")
    assert (root.tag, root.findtext("service_code")) == ("service_definition", "sanitation")
    refused(pub.get(f"{base}/services/no-such.json"), "GET", "service", 404)
    for url, key in (("discovery.txt", "discovery"), ("services.html", "services"),
                     ("services/sanitation.yaml", "service"), ("requests.csv", "requests"),
                     ("requests/1.html", "request"), ("tokens/abc.html", "token")):
        assert refused(pub.get(f"{base}/{url}"), "GET", key, 404) == "use .json or .xml", url

    # requests made with an API key: a resident account of 龙居社区 made for the client
    gateway = server.make_user(admin, "openapi.o311-gateway", "resident", ctx["lj"])
    r = gateway.post("/api/v1/auth/tokens", json={"name": "open311"})
    assert r.status_code == 201, r.text
    key = check(r, "POST", "/api/v1/auth/tokens")["token"]
    form = {"api_key": key, "service_code": "sanitation", "lat": lat + 3 * d / 4, "long": lng + 3 * d / 4,
            "description": "\n \t\n  垃圾桶满了\n第二行不进标题", "email": "someone@example.org"}
    created = got(pub.post(f"{base}/requests.json", data=form), "POST", "requests", 201)
    rid = created[0]["service_request_id"]
    assert created == [{"service_request_id": rid, "service_notice": None, "account_id": None}], created
    case = check(admin.get(f"/api/v1/cases/{rid}"), "GET", "/api/v1/cases/{id}")
    # the description without its surrounding blanks; the title: its first line
    assert (case["source"], case["title"], case["description"], case["reporter_id"], case["org_id"],
            case["outside_grid"], case["category"]) == ("open311", "垃圾桶满了", "垃圾桶满了\n第二行不进标题", gateway.user_id,
                                                         ctx["grid"], False, "sanitation"), case
    assert [(e["action"], e["actor_name"]) for e in case["events"]] == [("report", "openapi.o311-gateway")]
    root = xml(pub.post(f"{base}/requests.xml", data={**form, "description": "路面破损"}), "POST", "requests", 201)
    rid2 = root.findtext("request/service_request_id")
    assert root.tag == "service_requests" and int(rid2) > int(rid), ET.tostring(root)
    # a form sent without a Content-Type is read as one; its title is cut to 100 characters
    long_line = "井" * 120
    created = got(pub.post(f"{base}/requests.json", data=urlencode({**form, "description": long_line}).encode()),
                  "POST", "requests", 201)
    rid3 = created[0]["service_request_id"]
    assert check(admin.get(f"/api/v1/cases/{rid3}"), "GET", "/api/v1/cases/{id}")["title"] == long_line[:100]
    ctx["open"] += [int(rid), int(rid2), int(rid3)]
    far = server.make_user(admin, "openapi.o311-far", "resident", org_by_code(admin, "340102001001"))
    far_key = far.post("/api/v1/auth/tokens", json={"name": "open311"}).json()["token"]
    for change, status in (({"api_key": None}, 403), ({"api_key": "x" * 43}, 403), ({"api_key": "short"}, 403),
                           ({"service_code": None}, 400), ({"service_code": "no-such"}, 400), ({"lat": None}, 400),
                           ({"long": None}, 400), ({"lat": 95}, 400), ({"long": "west"}, 400),
                           ({"lat": lat - 1}, 400),  # in no grid
                           ({"api_key": far_key}, 400),  # outside the key's area
                           ({"description": ""}, 400), ({"description": None}, 400),
                           ({"description": "x" * 2001}, 400), ({"description": " \n\t "}, 400),  # blank
                           ({"lat": f"{lat + 3 * d / 4}abc"}, 400), ({"lat": "3.19e1"}, 400),  # plain decimals only
                           ({"long": f" {lng + 3 * d / 4}"}, 400), ({"long": "0x75"}, 400)):
        data = {k: v for k, v in {**form, **change}.items() if v is not None}
        refused(pub.post(f"{base}/requests.json", data=data), "POST", "requests", status)
    root = xml(pub.post(f"{base}/requests.xml", data={**form, "api_key": "x" * 43}), "POST", "requests", 403)
    assert root.tag == "errors" and root.findtext("error/code") == "403", ET.tostring(root)
    assert refused(pub.post(f"{base}/requests.html", data=form), "POST", "requests", 404) == "use .json or .xml"
    # a form only: a body sent as another type is refused, in the path's format
    for r in (pub.post(f"{base}/requests.json", json=form),
              pub.post(f"{base}/requests.json", data=urlencode(form), headers={"Content-Type": "text/plain"})):
        assert "x-www-form-urlencoded" in refused(r, "POST", "requests", 400)
    root = xml(pub.post(f"{base}/requests.xml", json=form), "POST", "requests", 400)
    assert root.tag == "errors" and root.findtext("error/code") == "400", ET.tostring(root)
    r = pub.post(f"{base}/requests.json", data=b"a" * (10 * 1024 * 1024 + 1),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got(r, "POST", "requests", 413)[0]["code"] == 413  # an Open311 list even before the handler runs

    # reading them back: everything, newest first, nothing personal
    listed = got(pub.get(f"{base}/requests.json"), "GET", "requests")
    ids = [x["service_request_id"] for x in listed]
    assert ids[:3] == [rid3, rid2, rid] and ids == sorted(ids, key=int, reverse=True), ids
    byid = {x["service_request_id"]: x for x in listed}
    assert str(ctx["rated"]["id"]) in byid and str(ctx["c"]["id"]) in byid
    assert (byid[rid]["status"], byid[rid]["status_notes"], byid[rid]["description"], byid[rid]["service_code"]) == \
        ("open", "reported", "垃圾桶满了", "sanitation"), byid[rid]
    done, pointless = byid[str(ctx["rated"]["id"])], byid[str(ctx["c"]["id"])]
    assert (done["status"], done["status_notes"]) == ("closed", "rated"), done
    assert (pointless["lat"], pointless["long"]) == (None, None), pointless  # reported without a point
    r = pub.get(f"{base}/requests.json")
    assert "someone@example.org" not in r.text and "openapi.o311-gateway" not in r.text
    for params, want in (({"service_code": "sanitation"}, lambda x: x["service_code"] == "sanitation"),
                         ({"status": "closed"}, lambda x: x["status"] == "closed"),
                         ({"status": "open"}, lambda x: x["status"] == "open"),
                         ({"start_date": "2000-01-01T00:00:00Z", "end_date": "2100-01-01"}, lambda x: True)):
        sub = got(pub.get(f"{base}/requests.json", params=params), "GET", "requests")
        assert sub and all(want(x) for x in sub) and [x for x in listed if want(x)] == sub, params
    assert got(pub.get(f"{base}/requests.json", params={"service_request_id": rid}), "GET", "requests") == [byid[rid]]
    assert got(pub.get(f"{base}/requests.json", params={"start_date": "2100-01-01"}), "GET", "requests") == []
    assert got(pub.get(f"{base}/requests.json", params={"end_date": "2000-01-01"}), "GET", "requests") == []
    root = xml(pub.get(f"{base}/requests.xml", params={"service_request_id": rid}), "GET", "requests")
    assert root.tag == "service_requests" and [e.findtext("service_request_id") for e in root.findall("request")] == \
        [rid] and root.findtext("request/lat") and root.find("request/media_url").text is None
    # by id: a list, in the order asked, whatever the other filters and the age; unknown ids left out
    for params, want in (({"service_request_id": f"{rid2},{rid}"}, [rid2, rid]),
                         ({"service_request_id": f"{rid},{rid2}", "status": "closed", "service_code": "municipal",
                           "start_date": "2100-01-01", "end_date": "2100-01-02"}, [rid, rid2]),
                         ({"service_request_id": f"999999999,{rid}"}, [rid]),
                         ({"service_request_id": f"{rid},{rid2},{rid}"}, [rid, rid2]),  # each answered once
                         ({"service_request_id": ",".join(["999999999"] * 99 + [rid])}, [rid])):  # 100 at most
        assert got(pub.get(f"{base}/requests.json", params=params), "GET", "requests") == [byid[i] for i in want], \
            params
    root = xml(pub.get(f"{base}/requests.xml", params={"service_request_id": f"{rid},{rid2}"}), "GET", "requests")
    assert [e.findtext("service_request_id") for e in root.findall("request")] == [rid, rid2], ET.tostring(root)
    for params in ({"status": "pending"}, {"start_date": "yesterday"}, {"end_date": "x"},
                   {"service_request_id": "x"}, {"service_request_id": "-1"}, {"service_request_id": f"{rid};{rid2}"},
                   {"service_request_id": "0"}, {"service_request_id": ""}, {"service_request_id": f"{rid},"},
                   {"service_request_id": ",".join(["999999999"] * 100 + [rid])},
                   {"service_request_id": rid, "status": "pending"}):  # the other filters are still checked
        refused(pub.get(f"{base}/requests.json", params=params), "GET", "requests", 400)
    root = xml(pub.get(f"{base}/requests.xml", params={"status": "pending"}), "GET", "requests", 400)
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert got(pub.get(f"{base}/requests/{rid}.json"), "GET", "request") == [byid[rid]]
    root = xml(pub.get(f"{base}/requests/{rid}.xml"), "GET", "request")
    assert root.findtext("request/service_request_id") == rid
    refused(pub.get(f"{base}/requests/999999999.json"), "GET", "request", 404)
    root = xml(pub.get(f"{base}/requests/999999999.xml"), "GET", "request", 404)
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert got(pub.get(f"{base}/requests/abc.json"), "GET", "request", 404)["error"]["code"] == "not_found"  # no route
    refused(pub.get(f"{base}/tokens/abc.json"), "GET", "token", 404)
    root = xml(pub.get(f"{base}/tokens/abc-123.xml"), "GET", "token", 404)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def walk_public_cases(server, admin, ctx):
    """Part of the walk: an anonymous report (no account) into the grid of walk_cases, followed by its tracking code,
    the refusals, and the limit of reports per address and minute (5, the server's default). Adds the case to
    ctx["open"]."""
    col = "/api/v1/public/cases"
    anon = server.client()
    lat, lng, d = ctx["lat"], ctx["lng"], ctx["d"]
    body = {"category": "dispute", "title": "邻里噪音纠纷", "description": "文档小区夜间噪音扰民\n请协调",
            "lat": lat + d / 3, "lng": lng + 2 * d / 3}  # 4 h to accept, as the walk's other open cases
    r = anon.post(col, json=body)
    assert r.status_code == 201, r.text
    made = check(r, "POST", col)
    assert (made["category"], made["title"], made["state"]) == ("dispute", body["title"], "reported"), made
    followed = check(anon.get(col, params={"code": made["tracking_code"]}), "GET", col)
    token = made.pop("photo_token")
    del made["photo_until"]
    assert followed == {**made, "closed_at": None}, followed
    # its photo, with the token of its answer
    photos = "/api/v1/public/case-photos"
    r = anon.post(photos, data=png_bytes(), headers={"Content-Type": "image/png", "X-Upload-Token": token})
    assert r.status_code == 201, r.text
    assert check(r, "POST", photos)["mime"] == "image/png"
    error_field(anon.post(photos, data=png_bytes(), headers={"Content-Type": "image/png", "X-Upload-Token": "x" * 43}),
                "POST", photos, 403)
    error_field(anon.post(photos, data=b"<svg/>", headers={"Content-Type": "image/png", "X-Upload-Token": token}),
                "POST", photos, 415)
    # behind it, a case in the grid from a resident, reported by no one
    listed = check(admin.get("/api/v1/cases", params={"org": ctx["grid"], "state": "reported", "limit": 200}), "GET",
                   "/api/v1/cases")["items"]
    found = [x["id"] for x in listed if x["tracking_code"] == made["tracking_code"]]
    assert len(found) == 1, listed
    case = check(admin.get(f"/api/v1/cases/{found[0]}"), "GET", "/api/v1/cases/{id}")
    assert (case["org_id"], case["outside_grid"], case["source"], case["reporter_id"], case["category"],
            case["title"], case["description"], case["lat"], case["lng"]) == \
        (ctx["grid"], False, "resident", None, "dispute", body["title"], body["description"], body["lat"],
         body["lng"]), case
    assert [(e["action"], e["actor_name"]) for e in case["events"]] == [("report", "anonymous")], case["events"]
    ctx["open"].append(case["id"])
    for params in ({"code": "C000000000000"}, {"code": "CUUUUUUUUUU"}, {"code": made["tracking_code"][:-1]}):
        assert error_field(anon.get(col, params=params), "GET", col, 404)["field"] == "code", params
    # A code as heard: lower case, in groups.
    heard = made["tracking_code"].lower()
    got = check(anon.get(col, params={"code": f"{heard[:4]} {heard[4:]}"}), "GET", col)
    assert got["tracking_code"] == made["tracking_code"], got
    assert error_field(anon.get(col), "GET", col, 400)["field"] == "code"  # a required query parameter

    # refusals (each counts towards the limit: four reports so far, no more than five a minute)
    no_lng = {k: v for k, v in body.items() if k != "lng"}
    for bad, field in (({**body, "lat": lat - 1}, "lat"),  # in no grid
                       (no_lng, "lng"), ({**body, "category": "no-such"}, "category")):
        assert error_field(anon.post(col, json=bad), "POST", col)["field"] == field, bad
    # more than five in a minute: 429 (a new minute may begin on the way: at most twice five then)
    statuses = []
    while 429 not in statuses and len(statuses) < 11:
        r = anon.post(col, json={**body, "lat": None})
        assert r.status_code in (400, 429), r.text
        err = check(r, "POST", col)["error"]
        assert (err["code"], err.get("field")) == (("validation_failed", "lat") if r.status_code == 400
                                                   else ("rate_limited", None)), err
        statuses.append(r.status_code)
    assert statuses[-1] == 429, statuses
    # refused before the handler (and so before the count)
    assert error_field(anon.post(col, data=b"{}"), "POST", col, 415)["code"] == "unsupported_media_type"
    assert error_field(anon.post(col, data=b"[1]", headers={"Content-Type": "application/json"}), "POST",
                       col)["code"] == "invalid_json"


def walk_transfers(server, admin):
    """Part of the walk: a registration refused as held elsewhere, 迁入申请 asked for, listed on both sides,
    accepted and declined, and the refusals."""
    col = "/api/v1/person-transfers"
    found = check(admin.get("/api/v1/orgs", params={"q": "3401", "level": "community", "limit": 2}), "GET",
                  "/api/v1/orgs")["items"]
    here, there = found[0]["id"], found[1]["id"]
    asker = server.make_user(admin, "openapi.transfer-asker", "org_staff", here)
    holder = server.make_user(admin, "openapi.transfer-holder", "org_staff", there)
    ids = [id_card(f"34010419750601{n}12") for n in range(2)]
    for n, idc in enumerate(ids):
        r = admin.post("/api/v1/persons", json={"org_id": there, "name": f"文档迁入{n}", "id_card": idc})
        assert r.status_code == 201, r.text
        check(r, "POST", "/api/v1/persons")
    r = asker.post("/api/v1/persons", json={"org_id": here, "name": "文档迁入", "id_card": ids[0]})
    assert r.status_code == 409 and check(r, "POST", "/api/v1/persons")["error"]["code"] == "person_exists_elsewhere"
    made = []
    for idc in ids:
        r = asker.post(col, json={"id_card": idc, "to_org_id": here, "reason": "已搬来居住"},
                       headers={"Idempotency-Key": f"openapi-transfer-{len(made)}"})
        assert r.status_code == 201, r.text
        made.append(check(r, "POST", col)["id"])
    r = asker.post(col, json={"id_card": ids[0], "to_org_id": here, "reason": "再次"})
    assert r.status_code == 409 and check(r, "POST", col)["error"]["code"] == "conflict"
    assert error_field(asker.post(col, json={"id_card": ids[0], "to_org_id": there, "reason": "x"}), "POST", col,
                       404)["field"] == "to_org_id"
    assert error_field(asker.post(col, json={"id_card": ids[0], "to_org_id": here}), "POST", col)["field"] == "reason"
    page = check(holder.get(col, params={"box": "incoming", "status": "pending", "limit": 1}), "GET", col)
    assert page["items"][0]["id"] == made[0] and page["next"] is not None
    got = check(holder.get(col, params={"box": "attempts"}), "GET", col)["items"]
    assert got and got[0]["via"] == "create"
    assert error_field(holder.get(col, params={"status": "maybe"}), "GET", col)["field"] == "status"
    r = holder.post(f"{col}/{made[0]}/accept", json={"note": "同意"})
    assert r.status_code == 200, r.text
    assert check(r, "POST", col + "/{id}/accept")["status"] == "accepted"
    r = holder.post(f"{col}/{made[1]}/decline")
    assert r.status_code == 200, r.text
    assert check(r, "POST", col + "/{id}/decline")["status"] == "declined"
    for end in ("accept", "decline"):
        assert error_field(holder.post(f"{col}/{made[1]}/{end}"), "POST", col + "/{id}/" + end, 404)["code"] == \
            "not_found"
        assert error_field(holder.post(f"{col}/{made[1]}/{end}", json={"note": 1}), "POST",
                           col + "/{id}/" + end)["field"] == "note"
    out = check(asker.get(col, params={"box": "outgoing"}), "GET", col)["items"]
    assert [(t["id"], t["status"]) for t in out] == [(made[0], "accepted"), (made[1], "declined")]


def walk_escalation(server, admin, ctx):
    """Part of the walk, last as it moves the clock: a tick with nothing overdue, the refusals, then five hours on
    (past the 4 h to accept) a tick that raises the open cases to the street (吹哨), once; the street's inbox and
    the indicators show them; a day on, to the district. Every cookie session but the admin's (logged in again) ends
    here."""
    tick, col = "/api/v1/_test/tick", "/api/v1/cases"
    r = admin.post(tick)
    assert r.status_code == 200 and check(r, "POST", tick) == {"escalated": 0}, r.text
    r = admin.post(tick, json={"ignored": True})
    assert r.status_code == 200 and check(r, "POST", tick) == {"escalated": 0}, r.text
    assert error_field(ctx["staff"].post(tick), "POST", tick, 403)["code"] == "forbidden"  # not every permission
    assert error_field(ctx["anon"].post(tick), "POST", tick, 401)["code"] == "unauthenticated"
    assert error_field(admin.post(tick, csrf=False), "POST", tick, 403)["code"] == "csrf_failed"
    assert error_field(admin.post(tick, data=b"x"), "POST", tick, 415)["code"] == "unsupported_media_type"
    assert error_field(admin.post(tick, data=b"[1]", headers={"Content-Type": "application/json"}), "POST",
                       tick)["code"] == "invalid_json"

    r = admin.post("/api/v1/_test/clock", json={"advance_seconds": 5 * 3600})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/_test/clock")
    admin.login("admin", ADMIN_PASSWORD)  # five hours on, the fixture's session has expired: a new one
    r = admin.post(tick, headers={"Idempotency-Key": "openapi-tick"})
    assert r.status_code == 200, r.text
    n = check(r, "POST", tick)["escalated"]
    assert n <= len(ctx["open"]), n  # the server's own timer may have raised some first
    r = admin.post(tick, headers={"Idempotency-Key": "openapi-tick"})
    assert r.status_code == 200 and r.json() == {"escalated": n}, r.text  # replayed
    r = admin.post(tick)
    assert r.status_code == 200 and check(r, "POST", tick) == {"escalated": 0}, r.text  # never twice
    for cid in ctx["open"]:
        got = check(admin.get(f"{col}/{cid}"), "GET", "/api/v1/cases/{id}")
        raised = [e for e in got["events"] if e["action"].startswith("escalate")]
        assert [(e["action"], e["from_state"], e["to_state"]) for e in raised] == \
            [("escalate_street", "reported", "reported")] and got["overdue"] is True, got["events"]
    street = server.client()
    street.login("openapi.case-street", PASSWORD)
    box = check(street.get("/api/v1/inbox"), "GET", "/api/v1/inbox")
    # The inbox's event stream stays open: its events are read in test_notifications.py; here its answers.
    check(server.client().get("/api/v1/inbox/events"), "GET", "/api/v1/inbox/events")
    with street.s.get(street.url("/api/v1/inbox/events"), stream=True, timeout=30) as r:
        ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
        assert r.status_code == 200 and ctype in OPS[("GET", norm("/api/v1/inbox/events"))][2]["responses"]["200"][
            "content"], r.headers
        SEEN.setdefault(("GET", norm("/api/v1/inbox/events")), set()).add(("200", ctype))
    for name in ("escalated", "overdue"):
        assert set(ctx["open"]) <= {x["id"] for x in box[name]["items"]}, (name, box[name])
    k = check(admin.get(f"/api/v1/orgs/{ctx['lj']}/casework", params={"from": "2000-01-01", "to": "2100-01-01"}),
              "GET", "/api/v1/orgs/{id}/casework")
    assert k["overdue_now"] == len(ctx["open"]), k
    # A day on (past the next stage's limit) a tick raises them to the district, once.
    r = admin.post("/api/v1/_test/clock", json={"advance_seconds": 24 * 3600})
    assert r.status_code == 200, r.text
    admin.login("admin", ADMIN_PASSWORD)
    r = admin.post(tick)
    assert r.status_code == 200, r.text
    check(r, "POST", tick)
    for cid in ctx["open"]:
        got = check(admin.get(f"{col}/{cid}"), "GET", "/api/v1/cases/{id}")
        assert [e["action"] for e in got["events"] if e["action"].startswith("escalate")] == \
            ["escalate_street", "escalate_district"], got["events"]


def test_org_delete_answers_204(admin):
    """Kept apart: the walk above leaves its grid holding a user, so it cannot be deleted there."""
    community = admin.get("/api/v1/orgs", params={"level": "community", "limit": 1}).json()["items"][0]
    r = admin.post("/api/v1/orgs", json={"parent_id": community["id"], "level": "grid", "name": "待删网格"})
    assert r.status_code == 201, r.text
    r = admin.delete(f"/api/v1/orgs/{r.json()['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/orgs/{id}")


def test_login_answers_as_documented(server):
    c = server.client()
    r = c.login("admin", ADMIN_PASSWORD)
    body = check(r, "POST", "/api/v1/auth/login")
    assert body["user"]["username"] == "admin"
    assert "jiceng_session=" in r.headers["Set-Cookie"]


def test_test_only_routes_are_hidden_without_test_clock():
    """x-test-only routes answer 404 when the server runs without --test-clock."""
    from conftest import Server

    s = Server(divisions=False)
    try:
        s.args.remove("--test-clock")
        s.stop()
        s.start()
        c = s.admin()
        for (method, _), (path, _, op) in OPS.items():
            if op.get("x-test-only"):
                r = c.request(method, path, json={})
                assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
                # Nor do other methods give the route away with a 405 and an Allow list.
                r = c.request("GET" if method != "GET" else "DELETE", path)
                assert r.status_code == 404 and "Allow" not in r.headers, f"{path}: {r.status_code}"
    finally:
        assert s.close() == 0, s.stderr


def _sample_path(route):
    """A path the route matches: {id} 1, {name} json."""
    return route["pattern"].replace("{id}", "1").replace("{name}", "json")


def _good_value(f):
    return {"integer": str(f.get("min", 1)), "number": str(f.get("min", 0)), "boolean": "0",
            "enum": (f.get("enum") or [""])[0], "date": "2024-01-01"}.get(f["type"], "1")


def _with_required(route, f, value=None):
    """Good values for the route's required query parameters but f; value for f unless None."""
    params = {g["name"]: _good_value(g) for g in route["query"] if g["required"] and g is not f}
    if value is not None:
        params[f["name"]] = value
    return params


BAD_VALUE = {"integer": "x1", "number": "north", "boolean": "yes", "enum": "not-one-of-them", "date": "soon"}


def test_the_server_refuses_what_the_table_does_not_declare(server, admin):
    """The table is what the server enforces, not a description beside it: on every GET route an undeclared query
    parameter is refused with 400 naming it (Open311 routes ignore it, as the standard's clients send others), a
    declared one of the wrong type is refused naming it, and a paged route's limit stops at the bounds the document
    gives."""
    gets = [r for r in ROUTES if r["method"] == "GET" and "test_only" not in r["flags"]]
    assert len(gets) >= 40, [r["name"] for r in gets]
    for route in gets:
        path = _sample_path(route)
        r = admin.get(path, params={"zz_undeclared": "1"})
        if "open311" in route["flags"]:
            plain = admin.get(path)
            assert r.status_code == plain.status_code != 400, (route["name"], r.status_code, r.text[:200])
            continue
        assert r.status_code == 400, (route["name"], r.status_code, r.text[:200])
        assert error_of(r) == {**error_of(r), "code": "validation_failed", "field": "zz_undeclared"}, route["name"]
        for f in route["query"]:
            if f["type"] not in BAD_VALUE:
                continue
            r = admin.get(path, params=_with_required(route, f, BAD_VALUE[f["type"]]))
            assert r.status_code == 400 and error_of(r)["field"] == f["name"], (route["name"], f["name"], r.text[:200])
            if f["type"] in ("integer", "number") and f["max"] < INT64_MAX:
                r = admin.get(path, params=_with_required(route, f, str(f["max"] + 1)))
                assert r.status_code == 400 and error_of(r)["field"] == f["name"], (route["name"], f["name"])
        if "paged" in route["flags"]:
            _, item, op = OPS[("GET", norm(route["pattern"]))]
            limit = deref({p["name"]: p for p in _params(item, op, "query")}["limit"]["schema"])
            for bad in (limit["minimum"] - 1, limit["maximum"] + 1):
                r = admin.get(path, params={"limit": bad})
                assert r.status_code == 400 and error_of(r)["field"] == "limit", (route["name"], bad)
            r = admin.get(path, params={"limit": limit["maximum"]})
            assert r.status_code != 400 or error_of(r)["field"] != "limit", (route["name"], r.text[:200])
    # A required one missing is named too.
    for route in gets:
        for f in route["query"]:
            if f["required"] and "open311" not in route["flags"]:
                r = admin.get(_sample_path(route), params=_with_required(route, f))
                assert r.status_code == 400 and error_of(r)["field"] == f["name"], (route["name"], f["name"])


WRONG_JSON = {"integer": "x", "number": "x", "boolean": "x", "coordinates": "x"}  # any other type: a string is due


def test_the_server_refuses_bodies_the_table_does_not_declare(admin):
    """Every signed-in operation with declared body fields refuses an undeclared field, naming it, and a value of the
    wrong JSON type for its first field, naming that: whether op_check or (body_in_handler) the handler checks."""
    ops = [r for r in ROUTES if r["body"] and r["access"] != "public" and "test_only" not in r["flags"]]
    assert len(ops) >= 20, [r["name"] for r in ops]
    for route in ops:
        path = _sample_path(route)
        r = admin.request(route["method"], path, json={"zz_undeclared": 1})
        assert r.status_code == 400 and error_of(r)["field"] == "zz_undeclared", (route["name"], r.text[:200])
        first = route["body"][0]
        r = admin.request(route["method"], path, json={first["name"]: WRONG_JSON.get(first["type"], 12345)})
        assert r.status_code == 400 and error_of(r)["field"] == first["name"], (route["name"], r.text[:200])


def test_an_entity_out_of_reach_is_404(admin):
    """An operation whose {id} names an entity (the table's "entity") answers 404 not_found for an id that names
    none, and documents that 404."""
    ops = [r for r in ROUTES if r["entity"]]
    assert ops, "no operation declares its entity"
    for route in ops:
        _, _, op = OPS[(route["method"], norm(route["pattern"]))]
        assert "404" in op["responses"], f"{route['name']}: the entity's 404 is not documented"
        required = [f for f in route["body"] or [] if f["required"]]
        if required:  # the body is checked first; a valid one would need real values
            continue
        extra = {"json": {}} if route["body"] is not None else {}
        r = admin.request(route["method"], route["pattern"].replace("{id}", str(INT64_MAX), 1), **extra)
        assert r.status_code == 404, (route["name"], r.status_code, r.text[:200])
        assert error_of(r)["code"] == "not_found", (route["name"], r.text[:200])
        check(r, route["method"], route["pattern"])


def walk_partner(admin, cid):
    """Part of the walk: an agency paired with the community, an item reported done and confirmed; a social
    organisation's contract for the walk's resident with a visit; the lists, refusals and figures."""
    year = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc).year
    today = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc).date()
    unit = lambda name, type_: admin.post("/api/v1/units", json={"org_id": cid, "name": name, "type": type_}).json()["id"]
    agency, social = unit("文档机关", "agency"), unit("文档社工站", "social_organisation")
    head = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档服务对象",
                                               "id_card": id_card("34010419370405001")}).json()
    col, one = "/api/v1/pairings", "/api/v1/pairings/{id}"
    r = admin.post(col, json={"org_id": cid, "unit_id": agency, "party_org_id": None, "year": year, "note": None})
    assert r.status_code == 201, r.text
    p = check(r, "POST", col)
    r = admin.post(col, json={"org_id": cid, "unit_id": agency, "year": year})
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    r = admin.post(f"{col}/{p['id']}/items", json={"content": "文档事项", "due_on": f"{year}-12-31", "responsible": "文档"})
    assert r.status_code == 201, r.text
    item = check(r, "POST", one + "/items")["items_list"][0]
    r = admin.post(f"/api/v1/pairing-items/{item['id']}/done", json={"done_on": str(today), "note": None, "version": 1})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/pairing-items/{id}/done")
    for status in (200, 409):
        r = admin.post(f"/api/v1/pairing-items/{item['id']}/confirm", json={"version": 2})
        assert r.status_code == status, r.text
        check(r, "POST", "/api/v1/pairing-items/{id}/confirm")
    check(admin.get(f"{col}/{p['id']}"), "GET", one)
    page = check(admin.get(col, params={"org": cid, "year": year, "unit": agency, "overdue": 0, "item_state": "confirmed",
                                        "sort": "-org_name"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [p["id"]]
    for path in ("/api/v1/pairing-figures", "/api/v1/pairing-agency-figures"):
        f = check(admin.get(path, params={"org": cid, "year": year}), "GET", path)
        assert (f.get("items_done") or f["agencies"][0]["items_done"]) == 1
    col, one = "/api/v1/service-contracts", "/api/v1/service-contracts/{id}"
    body = {"org_id": cid, "unit_id": social, "title": "文档合同", "service": "housekeeping", "start_on": f"{year}-01-01",
            "end_on": f"{year}-12-31", "amount_fen": 100, "visits_per_month": 1, "minutes_per_visit": 30, "person_ids": None}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    k = check(r, "POST", col)
    r = admin.post(col, json={**body, "unit_id": agency})
    assert r.status_code == 400, r.text
    check(r, "POST", col)
    r = admin.post(f"{col}/{k['id']}/beneficiaries", json={"person_ids": [head["id"]]})
    assert r.status_code == 200, r.text
    check(r, "POST", one + "/beneficiaries")
    r = admin.post(f"{col}/{k['id']}/visits", json={"person_id": head["id"], "visited_on": str(today), "minutes": 30,
                                                    "content": "文档服务", "satisfaction": 5})
    assert r.status_code == 201, r.text
    k = check(r, "POST", one + "/visits")
    assert (k["delivered_visits"], k["satisfaction"]) == (1, 5.0)
    assert check(admin.get(f"{col}/{k['id']}/visits", params={"person": head["id"], "sort": "visited_on"}), "GET",
                 one + "/visits")["total"] == 1
    check(admin.get(f"{col}/{k['id']}"), "GET", one)
    page = check(admin.get(col, params={"org": cid, "year": year, "unit": social, "service": "housekeeping",
                                        "sort": "-amount_fen"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [k["id"]]
    f = check(admin.get("/api/v1/contract-figures", params={"org": cid, "year": year}), "GET", "/api/v1/contract-figures")
    assert f["delivered_visits"] == 1
    for path, q, title in (("/api/v1/pairings/export", {"org": cid, "year": year, "item_state": "confirmed"}, "文档机关"),
                           ("/api/v1/service-contracts/export", {"org": cid, "service": "housekeeping"}, "文档合同")):
        r = admin.get(path, params=q)
        assert r.status_code == 200, r.text
        check(r, "GET", path)
        assert any(title in map(str, row) for row in xlsx_rows(r.content)[1:])


# ---- work teams and poverty ledger ----
def walk_work_teams(admin):
    """Part of the walk: a village's work team with members, attendance, a visit and an analysis; a poverty
    household with incomes, an exit refused then done, a return, a visit, a reveal; the lists and exports."""
    vid = [o for o in admin.get("/api/v1/orgs", params={"q": "340103100202"}).json()["items"]
           if o["code"] == "340103100202"][0]["id"]
    for key, value in (("workteam.term_years", 3), ("workteam.days_min", 20), ("poverty.line", 3000)):
        assert admin.post("/api/v1/norms", json={"org_id": vid, "key": key, "year_from": 2015,
                                                 "value": value}).status_code == 201
    people = [admin.post("/api/v1/persons", json={"org_id": vid, "name": f"文档村民{i}", "phone": "13900001111",
                                                  "id_card": id_card(f"34010319700201{i + 5:03d}")}).json()["id"] for i in range(3)]
    col, one = "/api/v1/work-teams", "/api/v1/work-teams/{id}"
    r = admin.post(col, json={"org_id": vid, "year_from": 2015, "year_to": None, "note": None})
    assert r.status_code == 201, r.text
    t = check(r, "POST", col)
    r = admin.post(f"{col}/{t['id']}/members", json={"person_id": people[0], "role": "first_secretary",
                                                      "unit_level": "city", "unit_id": None, "unit_name": "文档局"})
    assert r.status_code == 201, r.text
    m = check(r, "POST", one + "/members")["members_list"][0]
    r = admin.post(f"{col}/{t['id']}/members", json={"person_id": people[1], "role": "secretary"})
    assert r.status_code == 409, r.text
    check(r, "POST", one + "/members")
    r = admin.post(f"{col}/{t['id']}/attendance", json={"member_id": m["id"], "month": "2016-02", "days": 12})
    assert r.status_code == 200, r.text
    assert check(r, "POST", one + "/attendance")["items"][0]["short"] is True
    check(admin.get(f"{col}/{t['id']}/attendance", params={"year": 2016}), "GET", one + "/attendance")
    r = admin.post(f"{col}/{t['id']}/visits", json={"member_id": m["id"], "kind": "capable", "visited_on": "2016-03-01",
                                                     "note": "文档走访"})
    assert r.status_code == 201, r.text
    check(r, "POST", one + "/visits")
    check(admin.get(f"{col}/{t['id']}/visits", params={"kind": "capable"}), "GET", one + "/visits")
    check(admin.get(f"{col}/{t['id']}/members"), "GET", one + "/members")
    t = check(admin.get(f"{col}/{t['id']}"), "GET", one)
    r = admin.patch(f"{col}/{t['id']}", json={"note": "文档", "version": t["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    page = check(admin.get(col, params={"org": vid, "year": 2016, "complete": 0, "sort": "-year_from"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [t["id"]]
    r = admin.get(f"{col}/export", params={"org": vid, "year": 2016, "complete": 0})
    assert r.status_code == 200, r.text
    check(r, "GET", col + "/export")
    r = admin.delete(one.replace("{id}", str(t["id"])))
    assert r.status_code == 409, r.text
    check(r, "DELETE", one)
    r = admin.delete(f"/api/v1/work-team-members/{m['id']}")
    assert r.status_code == 200, r.text
    check(r, "DELETE", "/api/v1/work-team-members/{id}")
    r = admin.delete(f"{col}/{t['id']}")
    assert r.status_code == 409, r.text  # its visits remain
    t2 = admin.post(col, json={"org_id": vid, "year_from": 2024, "year_to": 2026}).json()
    r = admin.delete(f"{col}/{t2['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
    col, one = "/api/v1/village-analyses", "/api/v1/village-analyses/{id}"
    r = admin.post(col, json={"org_id": vid, "year": 2016, "problems": "文档", "advantages": None, "funds_sought": 1,
                              "projects": None})
    assert r.status_code == 201, r.text
    a = check(r, "POST", col)
    r = admin.patch(f"{col}/{a['id']}", json={"funds_sought": 2, "version": a["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    check(admin.get(f"{col}/{a['id']}"), "GET", one)
    check(admin.get(col, params={"org": vid, "year": 2016, "sort": "-funds_sought"}), "GET", col)
    r = admin.delete(f"{col}/{a['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
    col, one = "/api/v1/poverty-households", "/api/v1/poverty-households/{id}"
    r = admin.post(col, json={"org_id": vid, "head_person_id": people[2], "helper_person_id": None, "attribute": "general",
                              "cause": "skills", "size": 2, "year_in": 2015})
    assert r.status_code == 201, r.text
    h = check(r, "POST", col)
    r = admin.patch(f"{col}/{h['id']}", json={"helper_person_id": people[0], "size": 3, "version": h["version"]})
    assert r.status_code == 200, r.text
    h = check(r, "PATCH", one)
    r = admin.post(f"{col}/{h['id']}/incomes", json={"year": 2016, "per_capita": 3500})
    assert r.status_code == 200, r.text
    check(r, "POST", one + "/incomes")
    exit_body = {"on": "2016-12-01", "food_clothing": True, "housing": False, "education": True, "medical_insurance": True,
                 "note": None, "version": h["version"]}
    r = admin.post(f"{col}/{h['id']}/exit", json=exit_body)
    assert r.status_code == 409, r.text
    check(r, "POST", one + "/exit")
    r = admin.post(f"{col}/{h['id']}/exit", json={**exit_body, "housing": True})
    assert r.status_code == 200, r.text
    h = check(r, "POST", one + "/exit")["household"]
    r = admin.post(f"{col}/{h['id']}/return", json={"on": "2017-05-01", "note": "文档", "version": h["version"]})
    assert r.status_code == 200, r.text
    check(r, "POST", one + "/return")
    check(admin.get(f"{col}/{h['id']}/incomes"), "GET", one + "/incomes")
    r = admin.post(f"{col}/{h['id']}/visits", json={"visited_on": "2017-06-01", "visitor_person_id": None, "note": "文档"})
    assert r.status_code == 201, r.text
    check(r, "POST", one + "/visits")
    check(admin.get(f"{col}/{h['id']}/visits"), "GET", one + "/visits")
    r = admin.post(f"{col}/{h['id']}/reveal", json={"field": "phone", "reason": "文档核实"})
    assert r.status_code == 200 and r.json()["value"] == "13900001111", r.text
    check(r, "POST", one + "/reveal")
    check(admin.get(f"{col}/{h['id']}"), "GET", one)
    check(admin.get(col, params={"org": vid, "status": "returned", "attribute": "general", "cause": "skills",
                                 "sort": "head_name"}), "GET", col)
    r = admin.get(f"{col}/export", params={"org": vid, "status": "returned"})
    assert r.status_code == 200, r.text
    check(r, "GET", col + "/export")
    r = admin.delete(f"{col}/{h['id']}")
    assert r.status_code == 409, r.text
    check(r, "DELETE", one)
    h2 = admin.post(col, json={"org_id": vid, "head_person_id": people[1], "attribute": "dibao", "cause": "other",
                               "size": 1, "year_in": 2020}).json()
    r = admin.delete(f"{col}/{h2['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
# ---- end work teams and poverty ledger ----
# ---- 村/社区干部报酬 ----
def walk_pay(admin, cid):
    """Part of the walk: a benchmark at the community's district, a pay record (a duplicate refused), its
    standard, the list and its export, the node's figures; a change and removals."""
    district = admin.get(f"/api/v1/orgs/{cid}").json()["path"].strip("/").split("/")[1]
    head = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档书记",
                                               "id_card": id_card("34010419700405002")}).json()
    col, one = "/api/v1/pay-benchmarks", "/api/v1/pay-benchmarks/{id}"
    r = admin.post(col, json={"org_id": int(district), "year": 2030, "civil_servant_pay": 90000, "rural_income": None,
                              "basis": None})
    assert r.status_code == 201, r.text
    b = check(r, "POST", col)
    r = admin.post(col, json={"org_id": int(district), "year": 2030})
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    r = admin.patch(f"{col}/{b['id']}", json={"rural_income": 30000, "version": b["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    check(admin.get(f"{col}/{b['id']}"), "GET", one)
    check(admin.get(col, params={"org": int(district), "year": 2030}), "GET", col)
    col, one = "/api/v1/pay-records", "/api/v1/pay-records/{id}"
    body = {"org_id": cid, "person_id": head["id"], "post": "secretary", "year": 2030, "basic": 50000,
            "performance": 10000, "growth_reward": 0, "other": 0, "note": None}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    rec = check(r, "POST", col)
    r = admin.post(col, json=body)
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    r = admin.patch(f"{col}/{rec['id']}", json={"other": 500, "version": rec["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    g = check(admin.get(f"{col}/{rec['id']}"), "GET", one)
    assert g["total"] == 60500 and g["checked"] in (True, False)
    page = check(admin.get(col, params={"org": cid, "year": 2030, "post": "secretary", "post_group": "community_secretary",
                                        "below": "false", "person": head["id"]}), "GET", col)
    assert [x["id"] for x in page["items"]] == [rec["id"]]
    r = admin.get(f"{col}/export", params={"org": cid, "year": 2030})
    assert r.status_code == 200, r.text
    check(r, "GET", f"{col}/export")
    f = check(admin.get("/api/v1/pay-figures", params={"org": cid, "year": 2030}), "GET", "/api/v1/pay-figures")
    assert f["groups"]["community_secretary"]["sum"] == 60500
    r = admin.delete(f"{col}/{rec['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
    r = admin.delete(f"/api/v1/pay-benchmarks/{b['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/pay-benchmarks/{id}")
# ---- end 村/社区干部报酬 ----
# ---- venues and operating funds (venue.c, funds.c) ----
def walk_venues_funds(admin, cid):
    """Part of the walk: a venue and a funds record at the walk's community, their lists, exports, refusals."""
    for col, body, upd in (("/api/v1/venues", {"org_id": cid, "year": 2030, "area_x10": 6005, "name": None,
                                               "functions": ["party_room"], "address": None, "households": 900,
                                               "note": None}, {"area_x10": 6100, "functions": None, "version": 1}),
                           ("/api/v1/operating-funds", {"org_id": cid, "year": 2030, "basic_pay": 1, "office": 2,
                                                        "service_ops": 3, "special_fund": 4, "others": 5,
                                                        "population": 1200, "note": None},
                            {"office": 20, "population": None, "version": 1})):
        one = col + "/{id}"
        r = admin.post(col, json=body)
        assert r.status_code == 201, r.text
        x = check(r, "POST", col)
        r = admin.post(col, json=body)
        assert r.status_code == 409, r.text
        check(r, "POST", col)
        check(admin.get(f"{col}/{x['id']}"), "GET", one)
        q = {"org": cid, "year": 2030, "kind": x["org_kind"], **({"below": "false"} if "venues" in col else {})}
        page = check(admin.get(col, params={**q, "sort": "-year"}), "GET", col)
        assert [i["id"] for i in page["items"]] == [x["id"]], page
        r = admin.get(col + "/export", params=q)
        assert r.status_code == 200, r.text
        check(r, "GET", col + "/export")
        r = admin.patch(f"{col}/{x['id']}", json=upd)
        assert r.status_code in (200, 400), r.text  # no residents in the registry: population required
        check(r, "PATCH", one)
        r = admin.delete(f"{col}/{x['id']}")
        assert r.status_code == 204, r.text
        check(r, "DELETE", one)
# ---- end venues and operating funds ----


# ---- 党费 dues (dues.c) ----
def walk_dues(admin, cid):
    """Part of the walk: norms at the community for 2031, a member, a declaration, this month's sheet, a payment,
    an extra payment and a decision; the arrears, the report, the figures, exports and the member's own page."""
    now = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + 8 * 3600, timezone.utc)
    month, day = now.year * 100 + now.month, now.date().isoformat()
    for key, value in (("dues.in_service_bounds", [3000, 5000, 10000]), ("dues.in_service_rates", [0.5, 1, 1.5, 2]),
                       ("dues.upward_fen", 100000), ("dues.arrears_months", 6)):
        r = admin.post("/api/v1/norms", json={"org_id": cid, "key": key, "year_from": 2031, "value": value})
        assert r.status_code == 201, r.text
    r = admin.post("/api/v1/party-orgs", json={"org_id": cid, "kind": "党支部", "name": "文档党费支部"})
    assert r.status_code == 201, r.text
    branch = r.json()["id"]
    r = admin.post("/api/v1/persons", json={"org_id": cid, "name": "文档党费党员", "id_card": id_card("34010419750505123")})
    assert r.status_code == 201, r.text
    person = r.json()["id"]
    r = admin.post("/api/v1/party-members", json={"person_id": person, "party_org_id": branch, "status": "正式",
                                                  "joined_on": "2001-07-01"})
    assert r.status_code == 201, r.text
    col = "/api/v1/dues-declarations"
    body = {"person_id": person, "year": 2031, "category": "in_service", "base_fen": 540000, "fixed_fen": None,
            "note": None}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    d = check(r, "POST", col)
    assert d["monthly_fen"] == 8100, d
    r = admin.post(col, json=body)
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    check(admin.get(f"{col}/{d['id']}"), "GET", col + "/{id}")
    check(admin.get(col, params={"org": cid, "year": 2031, "sort": "-monthly_fen"}), "GET", col)
    r = admin.patch(f"{col}/{d['id']}", json={"base_fen": 300000, "version": d["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", col + "/{id}")
    r = admin.post("/api/v1/dues-sheets", json={"party_org_id": branch, "month": month})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/dues-sheets")
    page = check(admin.get("/api/v1/dues-months", params={"party_org": branch, "month": month, "state": "undeclared"}),
                 "GET", "/api/v1/dues-months")
    row = page["items"][0]
    check(admin.get(f"/api/v1/dues-months/{row['id']}"), "GET", "/api/v1/dues-months/{id}")
    r = admin.patch(f"/api/v1/dues-months/{row['id']}", json={"paid_fen": 100, "paid_on": day, "channel": "cash",
                                                               "reason": None, "version": row["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", "/api/v1/dues-months/{id}")
    r = admin.get("/api/v1/dues-months/export", params={"party_org": branch, "month": month})
    assert r.status_code == 200, r.text
    check(r, "GET", "/api/v1/dues-months/export")
    for col, body, upd in (("/api/v1/dues-extras", {"person_id": person, "paid_on": day, "amount_fen": 100000,
                                                    "channel": "bank", "note": None}, {"amount_fen": 200}),
                           ("/api/v1/dues-decisions", {"person_id": person, "decision": "educate", "decided_on": day,
                                                       "note": None}, {"decision": "excuse"})):
        r = admin.post(col, json=body)
        assert r.status_code == 201, r.text
        x = check(r, "POST", col)
        check(admin.get(f"{col}/{x['id']}"), "GET", col + "/{id}")
        check(admin.get(col, params={"org": cid, "person_id": person}), "GET", col)
        r = admin.patch(f"{col}/{x['id']}", json={**upd, "version": x["version"]})
        assert r.status_code == 200, r.text
        check(r, "PATCH", col + "/{id}")
        r = admin.delete(f"{col}/{x['id']}")
        assert r.status_code == 204, r.text
        check(r, "DELETE", col + "/{id}")
    check(admin.get("/api/v1/dues-arrears", params={"org": cid, "party_org": branch}), "GET", "/api/v1/dues-arrears")
    check(admin.get("/api/v1/dues-report", params={"org": cid, "month": month}), "GET", "/api/v1/dues-report")
    r = admin.get("/api/v1/dues-report/export", params={"org": cid, "month": month})
    assert r.status_code == 200, r.text
    check(r, "GET", "/api/v1/dues-report/export")
    check(admin.get("/api/v1/dues-figures", params={"org": cid, "year": now.year}), "GET", "/api/v1/dues-figures")
    check(admin.get("/api/v1/my/dues"), "GET", "/api/v1/my/dues")
    r = admin.delete(f"/api/v1/dues-declarations/{d['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/dues-declarations/{id}")
# ---- end 党费 dues ----
# ---- 三会一课 (party_meeting.c) ----
def walk_party_meetings(admin, cid):
    """Part of the walk: a meeting of a branch at the walk's community, its roll, compliance, figures, sign-in."""
    po = admin.post("/api/v1/party-orgs", json={"org_id": cid, "kind": "党支部", "name": "走查党支部"})
    assert po.status_code == 201, po.text
    col, one = "/api/v1/party-meetings", "/api/v1/party-meetings/{id}"
    r = admin.post(col, json={"party_org_id": po.json()["id"], "kind": "branch_assembly", "held_on": "2025-05-20",
                              "topic": "支部党员大会", "place": None, "host": None, "recorder": None, "minutes": None,
                              "resolutions": "通过", "votes": True})
    assert r.status_code == 201, r.text
    m = check(r, "POST", col)
    r = admin.post(col, json={"party_org_id": po.json()["id"], "kind": "lecture", "held_on": "2025-05-20",
                              "topic": "党课", "votes": True})
    assert r.status_code == 400, r.text
    check(r, "POST", col)
    check(admin.get(f"{col}/{m['id']}"), "GET", one)
    page = check(admin.get(col, params={"org": cid, "year": 2025, "kind": "branch_assembly",
                                        "party_org": po.json()["id"], "sort": "-held_on"}), "GET", col)
    assert [i["id"] for i in page["items"]] == [m["id"]], page
    roll = check(admin.get(f"{col}/{m['id']}/attendance"), "GET", one + "/attendance")
    assert roll["quorum"]["met"] is False and roll["token"], roll
    r = admin.post(f"{col}/{m['id']}/attendance", json={"person_id": 10 ** 9, "status": "present", "reason": None})
    assert r.status_code == 404, r.text
    check(r, "POST", one + "/attendance")
    for method, call in (("GET", lambda tok: admin.get("/api/v1/meeting-checkin", params={"token": tok})),
                         ("POST", lambda tok: admin.post("/api/v1/meeting-checkin", json={"token": tok}))):
        for tok, status in (("0" * 32, 404), (roll["token"], 403)):  # the admin's account is no member's
            r = call(tok)
            assert r.status_code == status, r.text
            check(r, method, "/api/v1/meeting-checkin")
    assert check(admin.get("/api/v1/my/meetings"), "GET", "/api/v1/my/meetings")["member"] is None
    check(admin.get(col + "/compliance", params={"year": 2025, "limit": 1}), "GET", col + "/compliance")
    c = check(admin.get(col + "/compliance", params={"org": cid, "year": 2025, "behind": "false", "limit": 5,
                                                     "party_org": po.json()["id"]}), "GET", col + "/compliance")
    assert [i["id"] for i in c["items"]] == [po.json()["id"]], c
    check(admin.get("/api/v1/party-meeting-figures", params={"org": cid, "year": 2025}), "GET",
          "/api/v1/party-meeting-figures")
    r = admin.patch(f"{col}/{m['id']}", json={"minutes": "记录", "place": None, "version": 1})
    assert r.status_code == 200, r.text
    check(r, "PATCH", one)
    r = admin.delete(f"{col}/{m['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", one)
# ---- end 三会一课 ----


def walk_assessment(admin, cid):
    """Part of the walk: the walk's street assesses its communities: a plan, its tree, an entered
    value, a run, an adjustment, the ranking and a unit's result, the publication, and the refusals."""
    year = 2027
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    for key, value in (("assessment.weights", {"party_building": 50, "development": 50}),
                       ("assessment.grade_bands", [{"grade": "excellent", "min": 90}, {"grade": "sound", "min": 80},
                                                   {"grade": "fair", "min": 60}, {"grade": "weak", "min": 0}])):
        r = admin.post("/api/v1/norms", json={"org_id": street, "key": key, "year_from": year, "value": value})
        assert r.status_code == 201, r.text
    check(admin.get("/api/v1/assessment-sources"), "GET", "/api/v1/assessment-sources")
    col = "/api/v1/assessment-plans"
    r = admin.post(col, json={"org_id": street, "year": year, "class": "community", "name": "文档考核"})
    assert r.status_code == 201, r.text
    plan = check(r, "POST", col)
    pid = plan["id"]
    r = admin.post(col, json={"org_id": street, "year": year, "class": "community", "name": "重复"})
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    check(admin.get(col, params={"org": street, "year": year, "class": "community"}), "GET", col)
    r = admin.patch(f"{col}/{pid}", json={"name": "文档考核方案", "version": plan["version"]})
    assert r.status_code == 200, r.text
    check(r, "PATCH", col + "/{id}")
    check(admin.get(f"{col}/{pid}"), "GET", col + "/{id}")
    ind = f"{col}/{pid}/indicators"
    r = admin.post(ind, json={"code": "1", "name": "党建", "half": "party_building", "max_points": 10})
    assert r.status_code == 201, r.text
    top = check(r, "POST", col + "/{id}/indicators")
    r = admin.post(ind, json={"code": "1.1", "name": "结案率", "parent_id": top["id"], "max_points": 5,
                              "method": "ratio", "source": "cases.closure_rate", "params": {"target": 0.9}})
    assert r.status_code == 201, r.text
    check(r, "POST", col + "/{id}/indicators")
    r = admin.post(ind, json={"code": "1.2", "name": "录入", "parent_id": top["id"], "max_points": 5,
                              "method": "pass", "source": "entered", "params": {"at_least": 1}})
    entered = check(r, "POST", col + "/{id}/indicators")
    r = admin.post(ind, json={"code": "X", "name": "删除", "half": "development", "max_points": 1})
    gone = check(r, "POST", col + "/{id}/indicators")
    r = admin.patch(f"/api/v1/assessment-indicators/{gone['id']}", json={"name": "改", "version": gone["version"]})
    check(r, "PATCH", "/api/v1/assessment-indicators/{id}")
    r = admin.delete(f"/api/v1/assessment-indicators/{gone['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", "/api/v1/assessment-indicators/{id}")
    check(admin.get(ind), "GET", col + "/{id}/indicators")
    r = admin.request("PUT", f"{col}/{pid}/entries", json={"indicator_id": entered["id"], "org_id": cid, "value": 1,
                                                           "evidence": "文档台账"})
    assert r.status_code == 200, r.text
    check(r, "PUT", col + "/{id}/entries")
    check(admin.get(f"{col}/{pid}/entries", params={"org": cid}), "GET", col + "/{id}/entries")
    r = admin.post(f"{col}/{pid}/runs", json={})
    assert r.status_code == 201, r.text
    run = check(r, "POST", col + "/{id}/runs")
    check(admin.get(f"{col}/{pid}/runs", params={"state": "computed"}), "GET", col + "/{id}/runs")
    check(admin.get(f"/api/v1/assessment-runs/{run['id']}"), "GET", "/api/v1/assessment-runs/{id}")
    r = admin.request("PUT", f"/api/v1/assessment-runs/{run['id']}/adjustments",
                      json={"org_id": cid, "indicator_id": entered["id"], "points": 4, "reason": "文档调整理由"})
    assert r.status_code == 200, r.text
    check(r, "PUT", "/api/v1/assessment-runs/{id}/adjustments")
    check(admin.get(f"/api/v1/assessment-runs/{run['id']}/results", params={"sort": "rank"}),
          "GET", "/api/v1/assessment-runs/{id}/results")
    check(admin.get(f"/api/v1/assessment-runs/{run['id']}/results/{cid}"),
          "GET", "/api/v1/assessment-runs/{id}/results/{org_id}")
    r = admin.get(f"/api/v1/assessment-runs/{run['id']}/export")
    assert r.status_code == 200 and r.content[:2] == b"PK", r.text[:200]
    check(r, "GET", "/api/v1/assessment-runs/{id}/export")
    r = admin.post(f"/api/v1/assessment-runs/{run['id']}/publish", json={})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/assessment-runs/{id}/publish")
    r = admin.post(ind, json={"code": "Y", "name": "封存后", "half": "development", "max_points": 1})
    assert r.status_code == 409, r.text
    check(r, "POST", col + "/{id}/indicators")
    r = admin.post(col, json={"org_id": street, "year": year, "class": "village", "name": "删除"})
    r = admin.delete(f"{col}/{r.json()['id']}")
    assert r.status_code == 204, r.text
    check(r, "DELETE", col + "/{id}")


# ---- 区域化党建联盟 (alliance.c) ----
def walk_alliances(admin, cid):
    """Part of the walk: an alliance led from the walk's street, two members, a meeting, a need offered to,
    accepted and completed, a declined claim, a withdrawn item, the change, the list and its export."""
    street = admin.get(f"/api/v1/orgs/{cid}").json()["parent_id"]
    col, one = "/api/v1/alliances", "/api/v1/alliances/{id}"
    body = {"org_id": street, "party_org_id": None, "name": "文档联盟", "kind": "territorial",
            "founded_on": "2020-01-01", "dissolved_on": None, "description": None}
    r = admin.post(col, json=body)
    assert r.status_code == 201, r.text
    a = check(r, "POST", col)
    r = admin.post(col, json=body)
    assert r.status_code == 409, r.text
    check(r, "POST", col)
    for member in ({"member_org_id": street, "role": "lead"}, {"member_org_id": cid, "role": "member"}):
        r = admin.post(f"{col}/{a['id']}/members", json={"unit_id": None, "party_org_id": None, "joined_on": "2020-01-01",
                                                         **member})
        assert r.status_code == 201, r.text
        a = check(r, "POST", one + "/members")
    lead, comm = [m["id"] for m in a["members_list"]]
    r = admin.post(f"{col}/{a['id']}/meetings", json={"held_on": "2024-01-05", "topic": "文档会议", "minutes": None,
                                                      "attendee_ids": [lead, comm]})
    assert r.status_code == 201, r.text
    check(r, "POST", one + "/meetings")
    for title in ("文档需求", "文档撤回"):
        r = admin.post(f"{col}/{a['id']}/items", json={"list": "need", "title": title, "detail": None, "raised_by": comm,
                                                       "raised_on": "2024-02-01"})
        assert r.status_code == 201, r.text
        a = check(r, "POST", one + "/items")
    need, gone = a["items_list"]
    for _ in range(2):
        r = admin.post(f"/api/v1/alliance-items/{need['id']}/claims", json={"member_id": lead, "resource_id": None,
                                                                            "note": None, "offered_on": None})
        check(r, "POST", "/api/v1/alliance-items/{id}/claims")
    assert r.status_code == 409, r.text
    c = next(i for i in admin.get(f"{col}/{a['id']}").json()["items_list"] if i["id"] == need["id"])["claims"][0]
    r = admin.post(f"/api/v1/alliance-claims/{c['id']}/accept", json={"version": c["version"]})
    assert r.status_code == 200, r.text
    a = check(r, "POST", "/api/v1/alliance-claims/{id}/accept")
    r = admin.post(f"/api/v1/alliance-claims/{c['id']}/decline", json={"version": c["version"] + 1})
    assert r.status_code == 409, r.text
    check(r, "POST", "/api/v1/alliance-claims/{id}/decline")
    r = admin.post(f"/api/v1/alliance-items/{need['id']}/complete", json={"done_on": "2024-03-01", "note": "文档完成",
                                                                          "version": need["version"] + 1})
    assert r.status_code == 200, r.text
    check(r, "POST", "/api/v1/alliance-items/{id}/complete")
    r = admin.post(f"/api/v1/alliance-items/{gone['id']}/withdraw", json={"version": gone["version"]})
    assert r.status_code == 200, r.text
    a = check(r, "POST", "/api/v1/alliance-items/{id}/withdraw")
    r = admin.request("PUT", f"/api/v1/alliances/{a['id']}", json={"party_org_id": None, "name": "文档联盟", "kind": "industrial",
                                                                   "founded_on": "2020-01-01", "dissolved_on": None,
                                                                   "description": "文档", "version": a["version"]})
    assert r.status_code == 200, r.text
    check(r, "PUT", one)
    check(admin.get(f"{col}/{a['id']}"), "GET", one)
    page = check(admin.get(col, params={"org": street, "kind": "industrial", "active_in": 2024, "q": "文档",
                                        "sort": "-founded_on"}), "GET", col)
    assert [x["id"] for x in page["items"]] == [a["id"]]
    r = admin.get(col + "/export", params={"org": street, "kind": "industrial", "active_in": 2024, "q": "文档"})
    assert r.status_code == 200, r.text
    check(r, "GET", col + "/export")
    assert any("文档联盟" in map(str, row) for row in xlsx_rows(r.content)[1:])
# ---- end 区域化党建联盟 ----
