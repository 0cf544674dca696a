"""Test setup: spans go to an in-memory exporter; nothing ever reaches a real collector.

tests/otel_test_env.py makes the environment hermetic and provides the `spans` fixture. It is
imported first: app.telemetry reads the environment when it is imported. What is FastAPI's own is
here: FASTAPI_OTEL_AUTO_CONFIGURE is cleared as well, and the session's TestClient.
"""

import os

import otel_test_env  # first: sets the environment before anything imports app.telemetry

os.environ.pop("FASTAPI_OTEL_AUTO_CONFIGURE", None)

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from otel_test_env import spans  # noqa: E402,F401  (the fixture, for every test)

from app import telemetry  # noqa: E402
from app.main import app  # noqa: E402

otel_test_env.record_spans(telemetry.provider)


@pytest.fixture(scope="session")
def client():
    """One TestClient for the whole session, used as a context manager so the lifespan runs.

    Its shutdown half (flush, then provider shutdown) runs once, when the session ends: shutting
    the provider down after every test would leave the later tests without tracing. The lifespan's
    shutdown is tested on its own in test_lifespan.py, with shutdown_telemetry replaced.
    """
    with TestClient(app) as test_client:
        yield test_client
