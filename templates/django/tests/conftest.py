"""Test setup: spans go to an in-memory exporter; nothing ever reaches a real collector.

tests/otel_test_env.py makes the environment hermetic and provides the `spans` fixture. It is
imported first: app.telemetry reads the environment when it is imported. What is Django's own is here.

Django is started the way config/wsgi.py starts it (settings module, then config.otel.instrument(),
then Django), so the tests see the production wiring: the same provider, the same middleware. Besides
the shared settings:

* DJANGO_DEBUG and DJANGO_ALLOWED_HOSTS from a developer's shell are cleared;
* the SQLite database is a file in a temporary directory.

Django's environment is set before config.otel (and with it app.telemetry) is imported, hence at the
top of this file.
"""

import os
import shutil
import tempfile

import otel_test_env  # first: sets the environment before anything imports app.telemetry

for _name in ("DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"):
    os.environ.pop(_name, None)
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
from otel_test_env import spans  # noqa: E402,F401  (the fixture, for every test)

from app import telemetry  # noqa: E402

setup_test_environment()  # what Django's test runner does: allows the test client's "testserver" host

otel_test_env.record_spans(telemetry.provider)


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
