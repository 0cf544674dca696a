"""Static analysis of an existing Python web service for `create-traced-service add-tracing` / `doctor`.

Run in isolated mode (-I) by the newest interpreter installed on the machine -- never one from the
project, so inspecting a checkout runs none of its code -- it parses every Python file of the project
with `ast` -- never with regular expressions -- and prints one JSON document on stdout describing,
per file:

* where web-app objects are constructed (`FastAPI(...)` assigned to a name or attribute, returned,
  or passed on), in which scope (module level or a factory function), with the `lifespan=` /
  `on_startup=` / `on_shutdown=` arguments;
* `@app.on_event(...)`, `app.add_event_handler(...)`, `app.mount(...)`, `include_router(...)`;
* GET routes declared with decorators whose path is a string literal;
* existing OpenTelemetry usage (providers, span processors and their exporters, set_tracer_provider,
  FastAPIInstrumentor, force_flush/shutdown), each with its line and scope;
* the lines where an import of the telemetry module can go (after the docstring and __future__
  imports) and whether add-tracing's own lines (`otel_telemetry`) are already there.

Usage: analyze.py PROJECT_DIR CONFIG_JSON
CONFIG_JSON: {"constructors": {"fastapi": [["fastapi", "FastAPI"]]}, "marker": "otel_telemetry",
              "maxFiles": 3000}
Standard library only; works on Python 3.8+. Syntax newer than the interpreter is handled for the
two additions of Python 3.14 (see lower_newer_syntax); PEP 695 (3.12) needs a 3.12+ interpreter.
"""

import ast
import io
import json
import os
import stat
import sys
import tokenize

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "node_modules", "__pycache__", ".tox", ".nox",
    "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".eggs", ".idea", ".vscode",
}
MAX_FILE_BYTES = 2_000_000

NETWORK_EXPORTERS = {"OTLPSpanExporter", "JaegerExporter", "ZipkinExporter", "CloudTraceSpanExporter", "AzureMonitorTraceExporter"}
EXPORTERS = NETWORK_EXPORTERS | {"ConsoleSpanExporter", "InMemorySpanExporter"}
PROCESSORS = {"SimpleSpanProcessor", "BatchSpanProcessor"}
NETWORK_LOG_EXPORTERS = {"OTLPLogExporter"}


def dotted(node):
    """'a.b.c' for Name/Attribute chains, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def last_name(node):
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def string_value(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def tracing_off(node):
    """True for a dict literal whose "tracing" key is the constant False."""
    if not isinstance(node, ast.Dict):
        return False
    return any(
        string_value(k) == "tracing" and isinstance(v, ast.Constant) and v.value is False
        for k, v in zip(node.keys, node.values)
        if k is not None
    )


def keyword_slot(source_lines, call):
    """{line, col} (UTF-8 bytes) right after a call's last argument and any parentheses around it,
    where `, name=value` can be added; None when the call has no argument. Between the last argument
    and the call's ")" there can only be blanks, grouping ")", one comma and comments."""
    nodes = list(call.args) + [kw.value for kw in call.keywords]
    if not nodes:
        return None
    last = max(nodes, key=lambda n: (n.end_lineno, n.end_col_offset))
    line, col = last.end_lineno, last.end_col_offset
    slot = (line, col)
    while (line, col) < (call.end_lineno, call.end_col_offset - 1):
        text = source_lines[line - 1].encode("utf-8") if line - 1 < len(source_lines) else b""
        ch = text[col:col + 1]
        if ch in (b"", b"#"):
            line, col = line + 1, 0
            continue
        if ch == b",":
            break
        if ch == b")":
            slot = (line, col + 1)
        col += 1
    return {"line": slot[0], "col": slot[1]}


def segment(source_lines, node):
    """Source text of a node (ast.get_source_segment is 3.8+, but lines are cheaper to keep)."""
    try:
        start, end = node.lineno - 1, node.end_lineno - 1
        if start == end:
            return source_lines[start].encode("utf-8")[node.col_offset:node.end_col_offset].decode("utf-8", "replace")
        first = source_lines[start].encode("utf-8")[node.col_offset:].decode("utf-8", "replace")
        middle = source_lines[start + 1:end]
        last = source_lines[end].encode("utf-8")[:node.end_col_offset].decode("utf-8", "replace")
        return "\n".join([first] + middle + [last])
    except Exception:  # pragma: no cover - best effort
        return None


def module_name(rel_path, import_root):
    rel = rel_path[len(import_root) + 1:] if import_root else rel_path
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_root_for(rel_path):
    """The directory a module is imported from: `src` for a src layout, else the project root."""
    first = rel_path.split("/", 1)[0]
    if first == "src" and "/" in rel_path:
        return "src"
    return ""


def script_directory(root, rel_path, imports):
    """A module outside any package that imports its neighbours by their bare names (`from greetings
    import hello` beside greetings.py) runs from its own directory: that directory, else None."""
    directory = os.path.dirname(rel_path)
    if not directory or os.path.isfile(os.path.join(root, directory, "__init__.py")):
        return None

    def exists(base, name):
        return os.path.isfile(os.path.join(base, name + ".py")) or os.path.isdir(os.path.join(base, name))

    for imp in imports:
        name = (imp["module"] or imp["name"] or "").split(".")[0]
        if imp["level"] == 0 and name and exists(os.path.join(root, directory), name) and not exists(root, name):
            return directory
    return None


class FileAnalyzer(ast.NodeVisitor):
    def __init__(self, rel_path, source, config):
        self.rel_path = rel_path
        self.source_lines = source.splitlines()
        self.config = config
        self.marker = config.get("marker", "otel_telemetry")
        # local name -> (framework, dotted constructor) for constructor classes
        self.constructor_names = {}
        # module alias -> framework module for `import fastapi` / `import fastapi as fa`
        self.module_aliases = {}
        self.imports = []
        self.apps = []
        self.event_handlers = []
        self.mounts = []
        self.include_routers = []
        self.routes = []
        self.routers = []
        self.otel = []
        self.factory_calls = []
        self.uvicorn_runs = []
        self.setup_functions = []
        self.calls = []
        self.scope = []  # stack of function names
        self.class_scope = []
        self.statement_stack = []
        self.provider_vars = set()
        self.exporter_vars = {}
        self.module_bindings = set()
        # Django: DJANGO_SETTINGS_MODULE values set here, and execute_from_command_line() statements.
        self.django_settings = []
        self.django_commands = []

    # --- helpers -------------------------------------------------------------------------------

    def current_function(self):
        return self.scope[-1] if self.scope else None

    def constructor_of(self, call):
        """(framework, class name) when `call` constructs a web app."""
        func = call.func
        name = dotted(func)
        if name is None:
            return None
        if name in self.constructor_names:
            return self.constructor_names[name]
        if "." in name:
            head, attr = name.rsplit(".", 1)
            module = self.module_aliases.get(head)
            if module is not None:
                for framework, pairs in self.config["constructors"].items():
                    for mod, cls in pairs:
                        if mod == module and cls == attr:
                            return (framework, cls)
        return None

    def record_otel(self, kind, node, **extra):
        entry = {"kind": kind, "line": node.lineno, "function": self.current_function()}
        entry.update(extra)
        self.otel.append(entry)

    # --- imports -----------------------------------------------------------------------------

    def visit_Import(self, node):
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            if not self.scope:
                self.module_bindings.add(bound)
            self.module_aliases[alias.asname or alias.name] = alias.name
            self.imports.append({
                "kind": "import", "module": alias.name, "name": None, "as": alias.asname,
                "line": node.lineno, "endLine": node.end_lineno, "level": 0, "function": self.current_function(),
            })
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            bound = alias.asname or alias.name
            if not self.scope:
                self.module_bindings.add(bound)
            for framework, pairs in self.config["constructors"].items():
                for mod, cls in pairs:
                    if node.level == 0 and module == mod and alias.name == cls:
                        self.constructor_names[bound] = (framework, cls)
            if node.level == 0 and module and alias.name:
                self.module_aliases[bound] = module + "." + alias.name
            self.imports.append({
                "kind": "from", "module": module, "name": alias.name, "as": alias.asname,
                "line": node.lineno, "endLine": node.end_lineno, "level": node.level,
                "function": self.current_function(),
            })
        self.generic_visit(node)

    # --- scopes ------------------------------------------------------------------------------

    def _visit_function(self, node):
        for deco in node.decorator_list:
            self.visit_decorator(deco, node)
        self.scope.append(node.name)
        body_start = len(self.otel)
        for child in node.body:
            self.visit(child)
        for default in node.args.defaults + node.args.kw_defaults:
            if default is not None:
                self.visit(default)
        self.scope.pop()
        if any(o["kind"] == "setProvider" for o in self.otel[body_start:]):
            self.setup_functions.append({"name": node.name, "line": node.lineno})

    def visit_FunctionDef(self, node):
        self._visit_function(node)

    def visit_AsyncFunctionDef(self, node):
        self._visit_function(node)

    def visit_ClassDef(self, node):
        self.class_scope.append(node.name)
        self.generic_visit(node)
        self.class_scope.pop()

    # --- decorators: routes and event handlers ----------------------------------------------

    def visit_decorator(self, deco, func):
        if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute):
            target = dotted(deco.func.value)
            method = deco.func.attr
            if target is not None:
                if method in ("get", "api_route", "route") and deco.args:
                    path = string_value(deco.args[0])
                    methods = ["GET"] if method == "get" else []
                    if method != "get":
                        for kw in deco.keywords:
                            if kw.arg == "methods" and isinstance(kw.value, (ast.List, ast.Tuple)):
                                methods = [string_value(e) or "" for e in kw.value.elts]
                        if not methods and method == "route":
                            methods = ["GET"]
                    if path is not None and "GET" in [m.upper() for m in methods]:
                        self.routes.append({"target": target, "path": path, "line": deco.lineno, "function": func.name})
                if method == "on_event" and deco.args:
                    event = string_value(deco.args[0])
                    if event in ("startup", "shutdown"):
                        self.event_handlers.append({
                            "target": target, "event": event, "line": deco.lineno, "via": "decorator",
                            "function": func.name,
                        })
        self.visit(deco)

    # --- statements --------------------------------------------------------------------------

    def visit_Assign(self, node):
        self.handle_assignment(node, node.targets, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.handle_assignment(node, [node.target], node.value)
        self.generic_visit(node)

    def handle_assignment(self, stmt, targets, value):
        for t in targets:
            if (
                isinstance(t, ast.Subscript) and dotted(t.value) in ("os.environ", "environ")
                and string_value(t.slice.value if isinstance(t.slice, getattr(ast, "Index", ())) else t.slice) == "DJANGO_SETTINGS_MODULE"
                and string_value(value) is not None
            ):
                self.django_settings.append({"module": string_value(value), "line": stmt.lineno})
        if not self.scope:
            for t in targets:
                if isinstance(t, ast.Name):
                    self.module_bindings.add(t.id)
        if not isinstance(value, ast.Call):
            return
        target_text = None
        if len(targets) == 1 and isinstance(targets[0], (ast.Name, ast.Attribute)):
            target_text = dotted(targets[0]) or segment(self.source_lines, targets[0])
        inner, wrapped = self.unwrap(value)
        ctor = self.constructor_of(inner)
        if ctor is not None and target_text is not None:
            self.add_app(stmt, inner, ctor, "assign", target_text, wrapped)
            return
        # Django's handler wrapped by middleware, e.g. `application = WhiteNoise(get_wsgi_application())`:
        # Django is instrumented before the statement, so the nesting does not matter.
        if target_text is not None:
            for node in ast.walk(value):
                if node is value or not isinstance(node, ast.Call):
                    continue
                inner, wrapped = self.unwrap(node)
                ctor = self.constructor_of(inner)
                if ctor is not None and ctor[0] == "django":
                    self.add_app(stmt, inner, ctor, "assign", target_text, wrapped)
                    return
        callee = last_name(value.func)
        if callee == "TracerProvider" and target_text:
            self.provider_vars.add(target_text)
        if callee in EXPORTERS and target_text:
            self.exporter_vars[target_text] = callee
        if callee == "APIRouter" and target_text:
            prefix = ""
            for kw in value.keywords:
                if kw.arg == "prefix":
                    prefix = string_value(kw.value) or ""
            self.routers.append({"var": target_text, "prefix": prefix, "line": stmt.lineno})
        # Only a callee named by a dotted path can be a factory (not `str(x).lower()` or `", ".join(x)`).
        callee_path = dotted(value.func)
        if target_text and callee_path is not None:
            self.factory_calls.append({
                "var": target_text, "callee": callee_path, "line": stmt.lineno,
                "function": self.current_function(), "hasArgs": bool(value.args or value.keywords),
            })

    def visit_Expr(self, node):
        value = node.value
        if isinstance(value, ast.Call) and last_name(value.func) == "execute_from_command_line":
            line_text = self.source_lines[node.lineno - 1] if node.lineno - 1 < len(self.source_lines) else ""
            self.django_commands.append({
                "line": node.lineno, "indent": line_text[: len(line_text) - len(line_text.lstrip())],
                "function": self.current_function(),
            })
        self.generic_visit(node)

    def visit_Return(self, node):
        if isinstance(node.value, ast.Call):
            inner, wrapped = self.unwrap(node.value)
            ctor = self.constructor_of(inner)
            if ctor is not None:
                self.add_app(node, inner, ctor, "return", None, wrapped)
        self.generic_visit(node)

    def unwrap(self, call):
        """`otel_telemetry.instrument_app(FastAPI(...))` -> (the FastAPI(...) call, True)."""
        if (
            isinstance(call, ast.Call) and dotted(call.func) in (self.marker + ".instrument_app", self.marker + ".asgi_with_flush")
            and len(call.args) == 1 and isinstance(call.args[0], ast.Call)
        ):
            return call.args[0], True
        return call, False

    def add_app(self, stmt, call, ctor, kind, target_text, wrapped=False):
        framework, cls = ctor
        lifespan = None
        on_startup = False
        on_shutdown = False
        telemetry = None
        for kw in call.keywords:
            if kw.arg == "lifespan":
                lifespan = {"source": segment(self.source_lines, kw.value), "line": kw.value.lineno}
            elif kw.arg == "telemetry":
                # FastAPI >= 0.142 traces itself unless telemetry={"tracing": False} says otherwise;
                # add-tracing passes the value through its fastapi_telemetry() (`ours` once it did).
                value = kw.value
                telemetry = {
                    "line": value.lineno, "tracingOff": tracing_off(value),
                    "value": {
                        "line": value.lineno, "col": value.col_offset,
                        "endLine": value.end_lineno, "endCol": value.end_col_offset,
                    },
                    "ours": isinstance(value, ast.Call) and dotted(value.func) == self.marker + ".fastapi_telemetry",
                }
            elif kw.arg == "on_startup":
                on_startup = True
            elif kw.arg == "on_shutdown":
                on_shutdown = True
        line_text = self.source_lines[stmt.lineno - 1] if stmt.lineno - 1 < len(self.source_lines) else ""
        indent = line_text[: len(line_text) - len(line_text.lstrip())]
        self.apps.append({
            "framework": framework,
            "constructor": cls,
            "kind": kind,
            "target": target_text,
            "line": stmt.lineno,
            "endLine": stmt.end_lineno,
            "indent": indent,
            # False for `if x: app = FastAPI()` or `a = 1; app = FastAPI()`: no line can be added after it.
            "statementStartsLine": stmt.col_offset == len(indent.encode("utf-8")) and self.statement_is_alone(stmt),
            "call": {
                "line": call.lineno, "col": call.col_offset,
                "endLine": call.end_lineno, "endCol": call.end_col_offset,
                # Where a keyword argument can be appended: after the last argument (None: no argument).
                "argsEnd": keyword_slot(self.source_lines, call),
                # The first `**mapping` passed, which may hold any keyword.
                "splat": next((segment(self.source_lines, kw.value) for kw in call.keywords if kw.arg is None), None),
            },
            "function": self.current_function(),
            "className": self.class_scope[-1] if self.class_scope else None,
            "wrapped": wrapped,
            "lifespan": lifespan,
            "onStartup": on_startup,
            "onShutdown": on_shutdown,
            "telemetry": telemetry,
        })

    def statement_is_alone(self, stmt):
        """True when nothing but comments follows the statement on its last line."""
        line = self.source_lines[stmt.end_lineno - 1].encode("utf-8")
        rest = line[stmt.end_col_offset:].decode("utf-8", "replace").strip()
        return rest == "" or rest.startswith("#")

    def visit_Call(self, node):
        func = node.func
        name = dotted(func)
        callee = last_name(func)
        self.calls.append({"callee": name, "line": node.lineno, "function": self.current_function()})
        if (
            callee == "setdefault" and name and name.endswith("environ.setdefault") and len(node.args) == 2
            and string_value(node.args[0]) == "DJANGO_SETTINGS_MODULE" and string_value(node.args[1]) is not None
        ):
            self.django_settings.append({"module": string_value(node.args[1]), "line": node.lineno})
        if isinstance(func, ast.Attribute):
            target = dotted(func.value)
            if func.attr == "add_event_handler" and node.args and target:
                event = string_value(node.args[0])
                if event in ("startup", "shutdown"):
                    handler = dotted(node.args[1]) if len(node.args) > 1 else None
                    self.event_handlers.append({
                        "target": target, "event": event, "line": node.lineno, "via": "add_event_handler",
                        "function": handler,
                    })
            elif func.attr == "mount" and target and len(node.args) >= 2:
                self.mounts.append({
                    "target": target, "path": string_value(node.args[0]),
                    "app": dotted(node.args[1]) or segment(self.source_lines, node.args[1]), "line": node.lineno,
                })
            elif func.attr == "mount" and target:
                path = None
                app = None
                for i, arg in enumerate(node.args):
                    if i == 0:
                        path = string_value(arg)
                for kw in node.keywords:
                    if kw.arg == "path":
                        path = string_value(kw.value)
                    if kw.arg == "app":
                        app = dotted(kw.value) or segment(self.source_lines, kw.value)
                if app:
                    self.mounts.append({"target": target, "path": path, "app": app, "line": node.lineno})
            elif func.attr == "include_router" and target and node.args:
                prefix = ""
                for kw in node.keywords:
                    if kw.arg == "prefix":
                        prefix = string_value(kw.value) or ""
                self.include_routers.append({
                    "target": target, "router": dotted(node.args[0]), "prefix": prefix, "line": node.lineno,
                })
            elif func.attr == "add_api_route" and target and node.args:
                path = string_value(node.args[0])
                methods = None
                for kw in node.keywords:
                    if kw.arg == "methods" and isinstance(kw.value, (ast.List, ast.Tuple)):
                        methods = [(string_value(e) or "").upper() for e in kw.value.elts]
                if path is not None and (methods is None or "GET" in methods):
                    self.routes.append({"target": target, "path": path, "line": node.lineno, "function": None})

        # OpenTelemetry usage.
        if callee == "TracerProvider":
            self.record_otel("provider", node)
        elif callee in PROCESSORS:
            exporter = None
            if node.args:
                first = node.args[0]
                if isinstance(first, ast.Call):
                    exporter = last_name(first.func)
                else:
                    exporter = self.exporter_vars.get(dotted(first) or "", None)
            self.record_otel(
                "processor", node, processor=callee, exporter=exporter,
                networkExporter=exporter in NETWORK_EXPORTERS if exporter else None,
            )
        elif callee == "set_tracer_provider":
            self.record_otel("setProvider", node)
        elif callee in ("MeterProvider", "LoggerProvider"):
            self.record_otel("meterProvider" if callee == "MeterProvider" else "loggerProvider", node)
        elif callee == "SimpleLogRecordProcessor":
            # Only a network exporter called right here is certain to block; a console or in-memory one
            # (or one chosen at run time) is the development and test use.
            first = node.args[0] if node.args else None
            exporter = last_name(first.func) if isinstance(first, ast.Call) else None
            if exporter in NETWORK_LOG_EXPORTERS:
                self.record_otel("simpleLogProcessor", node, exporter=exporter)
        elif callee == "instrument_app" and isinstance(func, ast.Attribute):
            receiver = dotted(func.value)
            keywords = {kw.arg for kw in node.keywords}
            ours = receiver == self.marker
            instrumentor = last_name(func.value) if not isinstance(func.value, ast.Call) else last_name(func.value.func)
            self.record_otel(
                "ourInstrument" if ours else "instrumentApp", node,
                target=dotted(node.args[0]) if node.args else None,
                instrumentor=instrumentor,
                hasProvider="tracer_provider" in keywords,
                hasExcludedUrls="excluded_urls" in keywords,
            )
        elif callee == "OpenTelemetryMiddleware" and node.args:
            # The ASGI middleware called on an app wraps it from outside (add_middleware passes the class).
            self.record_otel("asgiWrap", node, target=dotted(node.args[0]))
        elif callee == "instrument_django" and isinstance(func, ast.Attribute) and dotted(func.value) == self.marker:
            self.record_otel(
                "ourInstrument", node, target=None, instrumentor="DjangoInstrumentor", hasProvider=True, hasExcludedUrls=True,
            )
        elif callee == "instrument" and isinstance(func, ast.Attribute):
            instrumentor = last_name(func.value.func) if isinstance(func.value, ast.Call) else last_name(func.value)
            if instrumentor and instrumentor.endswith("Instrumentor"):
                self.record_otel("instrumentGlobal", node, instrumentor=instrumentor)
        elif callee in ("force_flush", "shutdown") and isinstance(func, ast.Attribute):
            receiver = dotted(func.value) or ""
            is_provider = receiver in self.provider_vars or "provider" in receiver.lower() or (
                isinstance(func.value, ast.Call) and last_name(func.value.func) == "get_tracer_provider"
            )
            if is_provider:
                self.record_otel("flush", node, method=callee, receiver=receiver)
        elif name in ("uvicorn.run",) or (callee == "run" and name == "run" and "uvicorn" in self.module_aliases.get("run", "")):
            if node.args:
                first = node.args[0]
                ref = string_value(first) or dotted(first)
                factory = any(kw.arg == "factory" and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in node.keywords)
                self.uvicorn_runs.append({"app": ref, "isString": string_value(first) is not None, "factory": factory, "line": node.lineno})
        self.generic_visit(node)


def insertion_point(tree, source_lines):
    """Line after which an import can go: after the docstring and `from __future__` imports."""
    after = 0
    body = tree.body
    i = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
        after = body[0].end_lineno
        i = 1
    while i < len(body) and isinstance(body[i], ast.ImportFrom) and body[i].module == "__future__":
        after = body[i].end_lineno
        i += 1
    first_statement = body[i].lineno if i < len(body) else None
    # Decorators come before the def line.
    if i < len(body) and getattr(body[i], "decorator_list", None):
        first_statement = min([d.lineno for d in body[i].decorator_list] + [first_statement])
    return after, first_statement


def analyze_file(root, rel_path, config):
    full = os.path.join(root, rel_path)
    result = {"path": rel_path}
    import_root = import_root_for(rel_path)
    result["importRoot"] = import_root
    result["module"] = module_name(rel_path, import_root)
    result["isPackageInit"] = rel_path.endswith("__init__.py")
    result["packageDir"] = os.path.isfile(os.path.join(os.path.dirname(full), "__init__.py"))
    try:
        if os.path.islink(full):
            target = os.path.realpath(full)
            real_root = os.path.realpath(root)
            inside = target.startswith(real_root + os.sep)
            result["symlink"] = os.path.relpath(target, real_root).replace(os.sep, "/") if inside else None
        info = os.stat(full)
        # Never open a FIFO, socket or device: reading one can block forever.
        if not stat.S_ISREG(info.st_mode):
            result["skipped"] = "not a regular file"
            return result
        if info.st_size > MAX_FILE_BYTES:
            result["skipped"] = "larger than %d MB" % (MAX_FILE_BYTES // 1_000_000)
            return result
        with open(full, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        result["readError"] = str(error)
        return result
    if len(raw) > MAX_FILE_BYTES:
        result["skipped"] = "larger than %d MB" % (MAX_FILE_BYTES // 1_000_000)
        return result
    result["bom"] = raw.startswith(b"\xef\xbb\xbf")
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result["skipped"] = "not UTF-8"
        return result
    result["crlf"] = "\r\n" in source
    try:
        tree, lowered = parse_source(source, rel_path)
        if lowered:
            result["newerSyntax"] = lowered
    except SyntaxError as error:
        result["syntaxError"] = {"line": error.lineno, "col": error.offset, "message": error.msg}
        return result
    except ValueError as error:  # null bytes
        result["syntaxError"] = {"line": None, "col": None, "message": str(error)}
        return result
    analyzer = FileAnalyzer(rel_path, source, config)
    for stmt in tree.body:
        analyzer.visit(stmt)
    if import_root == "":
        own = script_directory(root, rel_path, analyzer.imports)
        if own is not None:
            result["importRoot"] = own
            result["module"] = module_name(rel_path, own)
    after, first_statement = insertion_point(tree, analyzer.source_lines)
    result.update({
        "lineCount": len(analyzer.source_lines),
        "importAfterLine": after,
        "firstStatementLine": first_statement,
        "imports": analyzer.imports,
        "apps": analyzer.apps,
        "eventHandlers": analyzer.event_handlers,
        "mounts": analyzer.mounts,
        "includeRouters": analyzer.include_routers,
        "routes": analyzer.routes,
        "routers": analyzer.routers,
        "otel": analyzer.otel,
        "factoryCalls": analyzer.factory_calls,
        "uvicornRuns": analyzer.uvicorn_runs,
        "setupFunctions": analyzer.setup_functions,
        # Every call; main() keeps those to functions that set the tracer provider (in any file), to
        # see when such a setup runs relative to the app's construction.
        "calls": [c for c in analyzer.calls if c["callee"]],
        "moduleBindings": sorted(analyzer.module_bindings),
        "djangoSettings": analyzer.django_settings,
        "djangoCommands": analyzer.django_commands,
        "ourImport": next(
            (i for i in analyzer.imports if (i["as"] or i["name"] or i["module"]) == config.get("marker") and i["function"] is None),
            None,
        ),
    })
    return result


TSTRING_PREFIX = {"t", "T", "rt", "rT", "Rt", "RT", "tr", "tR", "Tr", "TR"}
LINE_STARTS = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}


def lower_newer_syntax(source):
    """Rewrite Python 3.14 syntax into its older equivalent, keeping every line where it was.

    * PEP 758: `except A, B:` (no parentheses, no `as`) -> `except (A, B):`;
    * PEP 750: template strings `t"..."` -> f-strings (same length, same structure).

    Only the except line's columns move, and nothing the analysis reports lives there. Returns the
    new source and the names of what was lowered, or (None, []) when nothing applies.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None, []
    lines = source.splitlines(keepends=True)
    edits = []  # (line, col, old_len, new_text), applied right to left
    lowered = set()
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i > 0 else None
        if tok.type == tokenize.NAME and tok.string in TSTRING_PREFIX and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt.type == tokenize.STRING and nxt.start == tok.end:
                new = tok.string.replace("t", "f").replace("T", "F")
                edits.append((tok.start[0], tok.start[1], len(tok.string), new))
                lowered.add("PEP 750 template strings")
        if tok.type == tokenize.NAME and tok.string == "except" and (prev is None or prev.type in LINE_STARTS):
            j = i + 1
            if j < len(tokens) and tokens[j].string == "*":
                j += 1
            depth, comma, has_as, end = 0, False, False, None
            for k in range(j, len(tokens)):
                t = tokens[k]
                if t.type == tokenize.OP and t.string in "([{":
                    depth += 1
                elif t.type == tokenize.OP and t.string in ")]}":
                    depth -= 1
                elif depth == 0 and t.string == ",":
                    comma = True
                elif depth == 0 and t.type == tokenize.NAME and t.string == "as":
                    has_as = True
                elif depth == 0 and t.string == ":":
                    end = k
                    break
                elif t.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                    break
            if end is not None and comma and not has_as and end > j and tokens[j].start[0] == tokens[end].start[0]:
                row = tokens[j].start[0]
                first, stop = tokens[j].start[1], tokens[end].start[1]
                text = lines[row - 1][first:stop].rstrip()
                edits.append((row, first, len(text), "(" + text + ")"))
                lowered.add("PEP 758 except without parentheses")
    if not edits:
        return None, []
    for row, col, old_len, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + old_len:]
    return "".join(lines), sorted(lowered)


def parse_source(source, filename):
    """ast.parse, retried once with newer syntax lowered. Returns (tree, lowered) or raises SyntaxError."""
    try:
        return ast.parse(source, filename=filename), []
    except SyntaxError as error:
        lowered_source, lowered = lower_newer_syntax(source)
        if lowered_source is None:
            raise
        try:
            return ast.parse(lowered_source, filename=filename), lowered
        except SyntaxError:
            raise error from None


def walk(root, max_files):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        # A directory holding pyvenv.cfg is a virtualenv, whatever it is called.
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith(".egg-info")
            and not os.path.isfile(os.path.join(dirpath, d, "pyvenv.cfg"))
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                out.append(rel)
                if len(out) >= max_files:
                    return out, True
    return out, False


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: analyze.py PROJECT_DIR [CONFIG_JSON]\n")
        return 2
    root = argv[1]
    config = json.loads(argv[2]) if len(argv) > 2 else {}
    config.setdefault("constructors", {"fastapi": [["fastapi", "FastAPI"]]})
    config.setdefault("marker", "otel_telemetry")
    files, truncated = walk(root, int(config.get("maxFiles", 3000)))
    analyzed = [analyze_file(root, rel, config) for rel in files]
    setup_names = {s["name"] for f in analyzed for s in f.get("setupFunctions", [])}
    for f in analyzed:
        if "calls" in f:
            f["calls"] = [c for c in f["calls"] if c["callee"].split(".")[-1] in setup_names]
    report = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "files": analyzed,
        "truncated": truncated,
    }
    sys.stdout.write(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
