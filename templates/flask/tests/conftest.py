"""Test setup: spans go to an in-memory exporter; nothing ever reaches a real collector.

tests/otel_test_env.py makes the environment hermetic and provides the `spans` fixture. It is
imported first: app.telemetry reads the environment when it is imported. What is Flask's own is
here: the session's test client.
"""

import otel_test_env  # first: sets the environment before anything imports app.telemetry

import pytest
from otel_test_env import spans  # noqa: F401  (the fixture, for every test)

from app import telemetry
from app.main import app

otel_test_env.record_spans(telemetry.provider)


@pytest.fixture(scope="session")
def client():
    """Flask's test client: requests go through the instrumented WSGI app, without a server.

    The provider is never shut down during the session (that would leave the later tests without
    tracing); the gunicorn hooks and the SIGTERM flush are tested on their own in test_shutdown.py.
    """
    return app.test_client()
