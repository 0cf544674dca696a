"""Hermetic OpenTelemetry settings for the tests, shared by every framework's tests/conftest.py.

app.telemetry builds the production pipeline at import time, from the environment, and installs it
as the global provider. The tests keep that provider and only:

* export spans nowhere but to the in-memory exporter below (OTEL_TRACES_EXPORTER=none): no collector is
  reached and no failed export is printed (the smoke test proves the real exporter against a receiver);
* force sampling on, so the assertions do not depend on the ratio chosen at generation time;
* add an InMemorySpanExporter to the same provider through a SimpleSpanProcessor (tests only:
  it exports synchronously, so spans are readable as soon as a request returns), and likewise an
  in-memory log exporter to the logger provider.

Importing this module sets the environment, so conftest.py imports it first, before anything that
imports app.telemetry. It is found as a top-level module because pytest's default ("prepend") import
mode puts tests/ on sys.path before it imports tests/conftest.py (tests/ has no __init__.py).
"""

import os


for _name in list(os.environ):
    # Hermetic: a developer's shell settings must not change what the tests see. The semantic
    # conventions opt-in stays: the tests accept both the older and the stable HTTP attribute names.
    if _name.startswith("OTEL_") and _name != "OTEL_SEMCONV_STABILITY_OPT_IN":
        del os.environ[_name]
os.environ["OTEL_TRACES_EXPORTER"] = "none"
os.environ["OTEL_TRACES_SAMPLER"] = "parentbased_always_on"
# No metrics export from the tests: nothing asserts on them.
os.environ["OTEL_METRICS_EXPORTER"] = "none"
# Log records always go through the logging bridge in the tests, whatever --signals chose, to the console
# exporter (synchronous, no network): the tests read them from the in-memory exporter added below.
os.environ["OTEL_LOGS_EXPORTER"] = "console"

import pytest  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

_memory_exporter = InMemorySpanExporter()
_memory_log_exporter = InMemoryLogRecordExporter()


def record_spans(provider) -> None:
    """Adds the in-memory exporter to `provider` (app.telemetry.provider), behind a SimpleSpanProcessor."""
    provider.add_span_processor(SimpleSpanProcessor(_memory_exporter))


def record_logs(logger_provider) -> None:
    """Adds the in-memory log exporter to `logger_provider` (app.telemetry.logger_provider)."""
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(_memory_log_exporter))


@pytest.fixture
def logs():
    """The in-memory log exporter, emptied before each test."""
    _memory_log_exporter.clear()
    yield _memory_log_exporter
    _memory_log_exporter.clear()


@pytest.fixture
def spans():
    """The in-memory exporter, emptied before each test."""
    _memory_exporter.clear()
    yield _memory_exporter
    _memory_exporter.clear()
