"""The two places that call app.telemetry's bounded, idempotent shutdown (tested with the rest of
app.telemetry in test_telemetry.py): gunicorn's worker_exit hook and the ASGI lifespan."""

import asyncio
import runpy
from pathlib import Path

from app import telemetry


def test_gunicorn_worker_exit_flushes_telemetry(monkeypatch):
    calls = []
    monkeypatch.setattr(telemetry, "shutdown_telemetry", lambda **kwargs: calls.append(kwargs))
    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert config["preload_app"] is False  # each worker builds its own provider, after the fork
    config["worker_exit"](None, None)
    assert calls == [{"timeout_millis": telemetry.SHUTDOWN_TIMEOUT_MILLIS}]


def test_asgi_lifespan_flushes_telemetry_on_shutdown(monkeypatch):
    from config import asgi

    calls = []
    monkeypatch.setattr(telemetry, "shutdown_telemetry", lambda **kwargs: calls.append(kwargs))

    async def run_lifespan():
        incoming = asyncio.Queue()
        sent = []

        async def send(message):
            sent.append(message["type"])

        task = asyncio.create_task(asgi.application({"type": "lifespan"}, incoming.get, send))
        await incoming.put({"type": "lifespan.startup"})
        while not sent:
            await asyncio.sleep(0)
        assert calls == []  # nothing happens at startup
        await incoming.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(task, timeout=5)
        return sent

    assert asyncio.run(run_lifespan()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert calls == [{"timeout_millis": telemetry.SHUTDOWN_TIMEOUT_MILLIS}]
