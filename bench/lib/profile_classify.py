"""
Folds py-spy raw stacks (record --full-filenames -f raw) into where a traced service's CPU goes: each
sample counts for the innermost frame that belongs to OpenTelemetry or to the server/framework/app
(standard-library frames count for whoever called them); OpenTelemetry frames are grouped by role, the
export thread's apart. Prints JSON. Start-up (imports) is left out.
"""
import json
import re
import sys
from collections import Counter

RULES = [
    ("export thread: OTLP protobuf encoding", r"exporter/otlp/proto/common|_encode|proto/trace"),
    ("export thread: gRPC send", r"exporter/otlp/proto/grpc|grpc/"),
    ("export thread: OTLP/HTTP send (requests, urllib3)", r"exporter/otlp/proto/http|/requests/|/urllib3/"),
    ("export thread: batching", r"sdk/_shared_internal|BatchProcessor|sdk/trace/export"),
]
MAIN = [
    ("BatchSpanProcessor.on_end (queue)", r"sdk/_shared_internal|sdk/trace/export"),
    ("sampler + ids", r"sdk/trace/sampling|id_generator"),
    ("span start/end, attributes, events (SDK)", r"sdk/trace/__init__|sdk/util|sdk/resources|attributes/__init__"),
    ("context attach/detach", r"opentelemetry/context|trace/propagation/__init__"),
    ("traceparent extract/inject", r"propagate|propagators|tracecontext|baggage"),
    ("ASGI/FastAPI middleware: route, attributes, semconv", r"instrumentation/(asgi|fastapi|starlette)|fastapi/telemetry|util/http|semconv|instrumentation/utils|instrumentation/_semconv"),
    ("API trace/tracer proxy", r"opentelemetry/trace/"),
    ("app/telemetry.py: secret redaction of every span's attributes, ids", r"app/telemetry\.py"),
    ("app's own span code (app/main.py)", r"app/main\.py"),
]

EXPORT_THREAD = re.compile(r"^(\w+\.)?worker \(.*opentelemetry/sdk/(_shared_internal|trace/export)/")
OWNER = re.compile(r"/(starlette|fastapi|uvicorn|h11|pydantic|pydantic_core|anyio|asyncio|flask|werkzeug|django|gunicorn)/|app/(main|examples)\.py")


def frames(stack):
    return [f for f in stack.split(";")]

totals = Counter()
all_samples = 0
# py-spy can read a torn frame name while the process runs: a few bytes are not UTF-8.
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line:
        continue
    stack, _, n = line.rpartition(" ")
    if not n.isdigit():
        continue  # the tail of a torn frame name that held a newline
    n = int(n)
    fs = frames(stack)
    if any("_find_and_load" in f or "import_from_string" in f for f in fs):
        continue  # start-up
    all_samples += n
    # The span processor's thread: its worker loop (py-spy names it with or without the class).
    thread_export = any(EXPORT_THREAD.search(f) for f in fs)
    otel = [f for f in fs if "opentelemetry" in f or "app/main.py" in f]
    if thread_export:
        cat = "export thread: other"
        for name, pat in RULES:
            if any(re.search(pat, f) for f in fs):
                cat = name
                break
        totals[cat] += n
        continue
    # The innermost frame that belongs to someone: OpenTelemetry, or the server/framework/app (stdlib
    # frames such as contextvars, re or logging count for whoever called them).
    owner = None
    for f in reversed(fs):
        # app/telemetry.py's span processor and id generator run inside the SDK's span start/end.
        if "/opentelemetry/" in f or "app/telemetry.py" in f:
            owner = f
            break
        if OWNER.search(f):
            break
    if owner is None:
        totals["not tracing (uvicorn, FastAPI, the route, asyncio)"] += n
        continue
    leaf = owner
    cat = "other OpenTelemetry"
    for name, pat in MAIN:
        if re.search(pat, leaf):
            cat = name
            break
    totals[cat] += n

fn = Counter()
# py-spy can read a torn frame name while the process runs: a few bytes are not UTF-8.
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    stack, _, n = line.rstrip("\n").rpartition(" ")
    fs = stack.split(";")
    if not stack or any("_find_and_load" in f or "import_from_string" in f for f in fs):
        continue
    for f in reversed(fs):
        if "/opentelemetry/" in f or "app/telemetry.py" in f:
            fn[re.sub(r"\(.*(site-packages/opentelemetry|app)/", "(", f)] += int(n)
            break
        if OWNER.search(f):
            break

print(json.dumps({"samples": all_samples, "categories": totals.most_common(), "functions": fn.most_common(20)}))
