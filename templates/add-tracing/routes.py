"""Lists an app's GET routes from its own route table, for the smoke test.

Usage: routes.py APP_DIR MODULE ATTR FACTORY(0|1) [--span FRAMEWORK PATH]
Imports MODULE (with APP_DIR first on sys.path, as uvicorn --app-dir does), takes ATTR (calling it
when FACTORY is 1) and prints JSON: [{"template": "/items/{item_id}", "path": "/items/1",
"pathParams": 1}]. FastAPI: from its OpenAPI schema, in the schema's order, leaving out operations that
need a body or a required query, header or cookie parameter, then the routes of the FastAPI apps mounted
in it (app.mount), with their full template. Flask: from its URL map, in the order the rules were added.
Other apps: none (an empty list).

With --span: prints what the installed instrumentation names the server span of GET PATH and the
http.route it records, {"name": "GET /api/v1", "route": "/api/v1"} ("route": null when it records none),
computed by the instrumentation's own functions, so the expectation is what this version emits (a route
inside a mounted app is named after the mount; a Django route whose pattern is '' after its name);
null when the framework's spans are named after the route template anyway (Flask). Importing the app is also the proof that the
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


def fastapi_routes(app, prefix=""):
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
        out.append({"template": prefix + template, "path": prefix + path, "pathParams": count})
    for route in getattr(app, "routes", []):
        sub = getattr(route, "app", None)
        if type(route).__name__ == "Mount" and callable(getattr(sub, "openapi", None)):
            out.extend(fastapi_routes(sub, prefix + route.path))
    return out


def asgi_scope(app, path):
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "app": app,
        "headers": [],
        "query_string": b"",
        "scheme": "http",
        "http_version": "1.1",
    }


def emitted_span(framework, app, path):
    if framework in ("fastapi", "starlette"):
        try:
            instrumentation = importlib.import_module("opentelemetry.instrumentation." + framework)
        except ImportError:
            # FastAPI traced by itself: it names the span after the full route template, mounts included.
            return None
        name, attributes = instrumentation._get_default_span_details(asgi_scope(app, path))
        return {"name": name, "route": attributes.get("http.route")}
    if framework == "django":
        from django.test import RequestFactory
        from django.urls import Resolver404, resolve
        from opentelemetry.instrumentation.django.middleware.otel_middleware import _DjangoMiddleware

        request = RequestFactory().get(path)
        try:
            # What process_view records: the matched pattern, only when it is not empty.
            route = getattr(resolve(request.path_info), "route", None) or None
        except Resolver404:
            route = None
        return {"name": _DjangoMiddleware._get_span_name(request), "route": route}
    return None


def main(argv):
    app_dir, module_name, attr, factory = argv[1], argv[2], argv[3], argv[4] == "1"
    sys.path.insert(0, os.path.abspath(app_dir))
    module = importlib.import_module(module_name)
    app = getattr(module, attr)
    if factory:
        app = app()
    if argv[5:6] == ["--span"]:
        sys.stdout.write(json.dumps(emitted_span(argv[6], app, argv[7])))
        return 0
    if not callable(getattr(app, "openapi", None)):
        routes = flask_routes(app) if hasattr(getattr(app, "url_map", None), "iter_rules") else []
        sys.stdout.write(json.dumps(routes))
        return 0
    sys.stdout.write(json.dumps(fastapi_routes(app)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
