"""Lists an app's GET routes from its own route table, for the smoke test.

Usage: routes.py APP_DIR MODULE ATTR FACTORY(0|1)
Imports MODULE (with APP_DIR first on sys.path, as uvicorn --app-dir does), takes ATTR (calling it
when FACTORY is 1) and prints JSON: [{"template": "/items/{item_id}", "path": "/items/1",
"pathParams": 1}]. FastAPI: from its OpenAPI schema, in the schema's order, leaving out operations that
need a body or a required query, header or cookie parameter. Flask: from its URL map, in the order the
rules were added. Other apps: none (an empty list). Importing the app is also the proof that the
project's code still imports after add-tracing changed it (a Django wsgi module sets Django up, so a
settings module that does not import fails here, with its own traceback).
"""

import importlib
import json
import os
import re
import sys


def sample(schema):
    schema = schema or {}
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema and schema[key]:
            return sample(next((s for s in schema[key] if s.get("type") != "null"), schema[key][0]))
    if schema.get("enum"):
        return str(schema["enum"][0])
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if kind in ("integer", "number"):
        return "1"
    if kind == "boolean":
        return "true"
    if fmt == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    if fmt == "date":
        return "2024-01-01"
    if fmt == "date-time":
        return "2024-01-01T00:00:00Z"
    return "sample"


FLASK_SAMPLES = {"int": "1", "float": "1.0", "uuid": "00000000-0000-4000-8000-000000000001"}


def flask_routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        count = 0

        def value(match):
            nonlocal count
            count += 1
            return FLASK_SAMPLES.get(match.group(1) or "", "1")

        path = re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?[A-Za-z_][A-Za-z0-9_]*>", value, rule.rule)
        out.append({"template": rule.rule, "path": path, "pathParams": count})
    return out


def main(argv):
    app_dir, module_name, attr, factory = argv[1], argv[2], argv[3], argv[4] == "1"
    sys.path.insert(0, os.path.abspath(app_dir))
    module = importlib.import_module(module_name)
    app = getattr(module, attr)
    if factory:
        app = app()
    if not callable(getattr(app, "openapi", None)):
        routes = flask_routes(app) if hasattr(getattr(app, "url_map", None), "iter_rules") else []
        sys.stdout.write(json.dumps(routes))
        return 0
    schema = app.openapi()
    out = []
    for template, operations in (schema.get("paths") or {}).items():
        op = operations.get("get")
        if op is None or op.get("requestBody"):
            continue
        params = op.get("parameters") or []
        if any(p.get("required") and p.get("in") != "path" for p in params):
            continue
        path = template
        count = 0
        for p in params:
            if p.get("in") == "path":
                path = path.replace("{" + p["name"] + "}", sample(p.get("schema")))
                count += 1
        out.append({"template": template, "path": path, "pathParams": count})
    sys.stdout.write(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
