"""Test setup: spans go to an in-memory exporter; nothing ever reaches a real collector.

app.telemetry builds the production pipeline at import time and installs it as the global
provider. The tests keep that pipeline (same provider, same exporter class) and only:

* point the OTLP exporter at a closed local port with a short timeout, so an export attempt
  fails fast instead of reaching a collector (the console exporter just prints);
* force sampling on, so the assertions do not depend on the ratio chosen at generation time;
* add an InMemorySpanExporter to the same provider through a SimpleSpanProcessor (tests only:
  it exports synchronously, so spans are readable as soon as a request returns).

The environment is set before app.telemetry is imported, hence at the top of this file.
"""

import os
import socket


def _closed_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free now, and nothing listens on it once closed


for _name in list(os.environ):
    # Hermetic: a developer's shell settings must not change what the tests see. The semantic
    # conventions opt-in stays: the tests accept both the older and the stable HTTP attribute names.
    if _name.startswith("OTEL_") and _name != "OTEL_SEMCONV_STABILITY_OPT_IN":
        del os.environ[_name]
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{_closed_local_port()}"
os.environ["OTEL_EXPORTER_OTLP_INSECURE"] = "true"
# "1" is a short timeout whichever unit the exporter reads it in (seconds today, see telemetry.py).
os.environ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1"
os.environ["OTEL_TRACES_SAMPLER"] = "parentbased_always_on"

import pytest  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from app import telemetry  # noqa: E402
from app.main import app  # noqa: E402

_memory_exporter = InMemorySpanExporter()
telemetry.provider.add_span_processor(SimpleSpanProcessor(_memory_exporter))


@pytest.fixture(scope="session")
def client():
    """Flask's test client: requests go through the instrumented WSGI app, without a server.

    The provider is never shut down during the session (that would leave the later tests without
    tracing); the gunicorn hooks and the SIGTERM flush are tested on their own in test_shutdown.py.
    """
    return app.test_client()


@pytest.fixture
def spans():
    """The in-memory exporter, emptied before each test."""
    _memory_exporter.clear()
    yield _memory_exporter
    _memory_exporter.clear()
