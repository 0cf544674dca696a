"""Test setup: spans go to an in-memory exporter; nothing ever reaches a real collector.

Django is started the way config/wsgi.py starts it (settings module, then config.otel.instrument(),
then Django), so the tests see the production wiring: the same provider, the same middleware. Only:

* the OTLP exporter points at a closed local port with a short timeout, so an export attempt fails
  fast instead of reaching a collector (the console exporter just prints);
* sampling is forced on, so the assertions do not depend on the ratio chosen at generation time;
* an InMemorySpanExporter is added to the same provider through a SimpleSpanProcessor (tests only:
  it exports synchronously, so spans are readable as soon as a request returns);
* the SQLite database is a file in a temporary directory.

The environment is set before app.telemetry is imported, hence at the top of this file.
"""

import os
import shutil
import socket
import tempfile


def _closed_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free now, and nothing listens on it once closed


for _name in list(os.environ):
    # Hermetic: a developer's shell settings must not change what the tests see. The semantic
    # conventions opt-in stays: the tests accept both the older and the stable HTTP attribute names.
    if _name.startswith("OTEL_") and _name != "OTEL_SEMCONV_STABILITY_OPT_IN":
        del os.environ[_name]
for _name in ("DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"):
    os.environ.pop(_name, None)
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{_closed_local_port()}"
os.environ["OTEL_EXPORTER_OTLP_INSECURE"] = "true"
# "1" is a short timeout whichever unit the exporter reads it in (seconds today, see telemetry.py).
os.environ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1"
os.environ["OTEL_TRACES_SAMPLER"] = "parentbased_always_on"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DJANGO_SECRET_KEY"] = "tests-only-not-a-secret"
_database_dir = tempfile.mkdtemp(prefix="service-tests-")
os.environ["DJANGO_SQLITE_PATH"] = os.path.join(_database_dir, "db.sqlite3")

from config import otel  # noqa: E402  (imports app.telemetry, which builds the provider)

otel.instrument()  # before Django builds any request handler, as in config/wsgi.py

import django  # noqa: E402

django.setup()

import pytest  # noqa: E402
from django.test import AsyncClient, Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from app import telemetry  # noqa: E402

setup_test_environment()  # what Django's test runner does: allows the test client's "testserver" host

_memory_exporter = InMemorySpanExporter()
telemetry.provider.add_span_processor(SimpleSpanProcessor(_memory_exporter))


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_database_dir, ignore_errors=True)


class SyncAsyncClient:
    """Django's AsyncClient (requests go through the ASGI handler) behind the synchronous API."""

    def __init__(self) -> None:
        from asgiref.sync import async_to_sync

        self._client = AsyncClient()
        self._async_to_sync = async_to_sync

    def get(self, *args, **kwargs):
        return self._async_to_sync(self._client.get)(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self._async_to_sync(self._client.post)(*args, **kwargs)


@pytest.fixture(params=["wsgi", "asgi"])
def client(request):
    """Each test runs twice: through Django's WSGI handler (gunicorn) and its ASGI handler (uvicorn)."""
    return Client() if request.param == "wsgi" else SyncAsyncClient()


@pytest.fixture
def spans():
    """The in-memory exporter, emptied before each test."""
    _memory_exporter.clear()
    yield _memory_exporter
    _memory_exporter.clear()
