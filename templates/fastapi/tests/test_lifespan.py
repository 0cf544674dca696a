"""The lifespan's shutdown half calls app.telemetry's bounded, idempotent shutdown (tested with the
rest of app.telemetry in test_telemetry.py)."""

from fastapi.testclient import TestClient

from app import telemetry
from app.main import app


def test_lifespan_flushes_telemetry_on_shutdown(monkeypatch):
    calls = []
    monkeypatch.setattr(telemetry, "shutdown_telemetry", lambda **kwargs: calls.append(kwargs))
    with TestClient(app):
        assert calls == []  # nothing happens at startup
    assert calls == [{"timeout_millis": telemetry.SHUTDOWN_TIMEOUT_MILLIS}]
