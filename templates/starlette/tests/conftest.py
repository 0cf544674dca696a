"""Test setup: spans go to an in-memory exporter; nothing ever reaches a real collector.

tests/otel_test_env.py makes the environment hermetic and provides the `spans` fixture. It is
imported first: app.telemetry reads the environment when it is imported. What is Starlette's own is
here: the session's TestClient.
"""

import otel_test_env  # first: sets the environment before anything imports app.telemetry

import pytest
from otel_test_env import spans  # noqa: F401  (the fixture, for every test)
from starlette.testclient import TestClient

from app import telemetry
from app.main import app

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
