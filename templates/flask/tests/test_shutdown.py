"""Spans buffered at shutdown are delivered: by every gunicorn worker, and by the development servers.

Each test starts a real server in a subprocess with an extra BatchSpanProcessor whose schedule delay
(a minute) is never reached, writing to a file. Whatever reaches that file was delivered by the flush
on shutdown, and by nothing else.
"""

import os
import runpy
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app import telemetry

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _file_exporter_code(spans_file: Path) -> str:
    """Python that adds the file exporter to app.telemetry's provider, in the process running it."""
    return textwrap.dedent(
        f"""
        import os as _os
        from app import telemetry as _telemetry
        from opentelemetry.sdk.trace.export import BatchSpanProcessor as _Batch, SpanExporter as _Exporter, SpanExportResult as _Result

        class _FileExporter(_Exporter):
            def export(self, spans):
                with open({str(spans_file)!r}, "a", encoding="utf-8") as f:
                    for span in spans:
                        f.write(f"{{_os.getpid()}} {{span.name}}\\n")
                return _Result.SUCCESS

        _telemetry.provider.add_span_processor(_Batch(_FileExporter(), schedule_delay_millis=60_000))
        """
    )


def _start(argv: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """The server's output goes to a file: a pipe nobody reads would block it once full."""
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True, **kwargs)


def _wait_until_up(port: int, process: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited during start-up:\n{log.read_text(encoding='utf-8')}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer in time")


def _get(port: int, path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        response.read()
        return response.status


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def _lines(spans_file: Path) -> list[tuple[str, str]]:
    if not spans_file.exists():
        return []
    return [tuple(line.split(" ", 1)) for line in spans_file.read_text(encoding="utf-8").splitlines()]


# --- gunicorn.conf.py ---------------------------------------------------------------------------


@pytest.fixture
def conf():
    return runpy.run_path(str(GUNICORN_CONF))


def test_the_app_is_never_preloaded(conf):
    assert conf["preload_app"] is False
    # The master waits for the workers' flush before it gives up on them.
    assert conf["graceful_timeout"] * 1000 > telemetry.SHUTDOWN_TIMEOUT_MILLIS


def test_post_fork_refuses_a_provider_built_in_the_master(conf, monkeypatch):
    with pytest.raises(RuntimeError, match="imported in the gunicorn master"):
        conf["post_fork"](None, None)  # app.telemetry is imported in this process
    monkeypatch.delitem(sys.modules, "app.telemetry")
    conf["post_fork"](None, None)


def test_worker_exit_flushes_telemetry(conf, monkeypatch):
    calls = []
    monkeypatch.setattr(telemetry, "shutdown_telemetry", lambda **kwargs: calls.append(kwargs))
    conf["worker_exit"](None, None)
    assert calls == [{"timeout_millis": telemetry.SHUTDOWN_TIMEOUT_MILLIS}]


def test_every_gunicorn_worker_flushes_on_sigterm(tmp_path):
    spans_file = tmp_path / "spans.txt"
    test_conf = tmp_path / "gunicorn.test.conf.py"
    # The shipped configuration, plus a hook that adds the file exporter in each worker once it has
    # loaded the app, and records one span there that only the exit flush can deliver.
    test_conf.write_text(
        f"exec(open({str(GUNICORN_CONF)!r}, encoding='utf-8').read())\n\n\n"
        "def post_worker_init(worker):\n"
        + textwrap.indent(_file_exporter_code(spans_file), "    ")
        + "    _telemetry.tracer.start_span('worker.started').end()\n",
        encoding="utf-8",
    )
    port = _free_port()
    log = tmp_path / "server.log"
    server = _start(
        [sys.executable, "-m", "gunicorn", "--config", str(test_conf), "--bind", f"127.0.0.1:{port}", "--workers", "2", "app.main:app"],
        log,
    )
    try:
        _wait_until_up(port, server, log)
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda _: _get(port, "/process/12345"), range(12)))
        assert statuses == [200] * 12
    finally:
        code = _stop(server)
    assert code == 0, log.read_text(encoding="utf-8")

    lines = _lines(spans_file)
    started = {pid for pid, name in lines if name == "worker.started"}
    assert len(started) == 2, lines  # both workers flushed on SIGTERM, each from its own provider
    assert sum(1 for _, name in lines if name == "process_item_logic") == 12
    assert sum(1 for _, name in lines if name == "GET /process/<item_id>") == 12


# --- Development servers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "launcher",
    [
        # python -m app.main
        "import runpy; runpy.run_module('app.main', run_name='__main__', alter_sys=True)",
        # flask --app app.main run
        "import sys; from flask.cli import main; sys.argv = ['flask', '--app', 'app.main', 'run', '--port', str(PORT)]; main()",
    ],
    ids=["python -m app.main", "flask run"],
)
def test_development_server_flushes_on_sigterm(tmp_path, launcher):
    spans_file = tmp_path / "spans.txt"
    port = _free_port()
    script = _file_exporter_code(spans_file) + f"\nPORT = {port}\n" + launcher + "\n"
    log = tmp_path / "server.log"
    server = _start([sys.executable, "-c", script], log, env={**os.environ, "PORT": str(port)})
    try:
        _wait_until_up(port, server, log)
        assert _get(port, "/process/12345") == 200
    finally:
        code = _stop(server)
    assert code == 0, log.read_text(encoding="utf-8")
    names = [name for _, name in _lines(spans_file)]
    assert sorted(names) == ["GET /process/<item_id>", "process_item_logic"]
