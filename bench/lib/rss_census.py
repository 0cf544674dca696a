"""What a service's memory is made of at start-up: run inside a variant directory with its venv (under
opentelemetry-instrument for the zero-code wrapper), in the environment of one overhead mode. Imports the
app's entry module as its server would, then prints JSON: the process's RSS, how many modules are loaded,
grouped by package, and, when started with PYTHONTRACEMALLOC=1, the bytes Python allocated, grouped by the
package whose code allocated them. Exports nothing (the endpoint is a closed port; os._exit at the end).
"""

import importlib
import json
import os
import sys
import tracemalloc
import warnings

sys.path.insert(0, os.getcwd())  # the variant directory holds the app package
warnings.simplefilter("ignore")

# Packages split finer than their top-level name: OpenTelemetry's parts and the exporters' transports.
_GROUPS = (
    ("opentelemetry.sdk", "opentelemetry-sdk"),
    ("opentelemetry.exporter.otlp.proto.grpc", "OTLP gRPC exporter"),
    ("opentelemetry.exporter.otlp.proto.http", "OTLP HTTP exporter"),
    ("opentelemetry.exporter", "OTLP exporter (common)"),
    ("opentelemetry.proto", "OTLP protobuf messages"),
    ("opentelemetry.instrumentation", "instrumentations"),
    ("opentelemetry.semconv", "semantic conventions"),
    ("opentelemetry.distro", "distro / auto-instrumentation"),
    ("opentelemetry", "opentelemetry-api"),
    ("grpc", "grpcio"),
    ("google", "protobuf"),
    ("requests", "requests + urllib3"),
    ("urllib3", "requests + urllib3"),
    ("charset_normalizer", "requests + urllib3"),
    ("idna", "requests + urllib3"),
    ("certifi", "requests + urllib3"),
)


def group_of(module: str) -> str:
    for prefix, name in _GROUPS:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return module.split(".")[0]


def module_of(filename: str) -> str:
    """The dotted module a source file belongs to, from its path under site-packages (else stdlib/app)."""
    marker = os.sep + "site-packages" + os.sep
    if marker in filename:
        rel = filename.split(marker, 1)[1]
        return rel.rsplit(".", 1)[0].replace(os.sep, ".")
    if filename.startswith(os.getcwd()):
        return "app"
    if filename.startswith("<frozen importlib"):
        # The import system reading and compiling a module: the code objects of every module imported.
        return "(import system: code of the modules loaded)"
    return "(standard library)"


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    # app.main, or Django's config.wsgi (whose get_wsgi_application() loads the apps and middleware).
    importlib.import_module(sys.argv[1])
    modules: dict = {}
    for name in list(sys.modules):
        g = group_of(name)
        modules[g] = modules.get(g, 0) + 1
    out = {"rssKiB": rss_kib(), "modules": len(sys.modules), "modulesByGroup": modules}
    if tracemalloc.is_tracing():
        allocated: dict = {}
        for stat in tracemalloc.take_snapshot().statistics("filename"):
            g = group_of(module_of(stat.traceback[0].filename))
            allocated[g] = allocated.get(g, 0) + stat.size
        out["allocatedBytesByGroup"] = allocated
        out["allocatedBytes"] = sum(allocated.values())
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    os._exit(0)


main()
