"""gunicorn settings: `gunicorn --config gunicorn.conf.py --bind HOST:PORT [--workers N] app.main:app`.

Tracing with forked workers comes down to two rules:

1. Build the tracer provider in each worker, after the fork. app/telemetry.py builds it when it is
   imported, so the app is never preloaded: each worker imports app.main (and with it app.telemetry)
   itself, and gets its own provider, exporter and export thread. A provider
   built in the master would reach the workers as a copy made by fork(): the SDK restarts the export
   thread in each copy, and from 1.44 on also gives each its own service.instance.id (older SDKs
   leave the master's resource in every worker), and either way the exporter was created before the
   fork. post_fork below refuses to start a worker that way rather than depend on it. Nothing in
   this file may import the app either.
2. Flush in each worker when it stops. On SIGTERM the master asks every worker to stop; each one
   finishes its request and runs worker_exit below, which flushes the spans still buffered in that
   worker's provider within telemetry.SHUTDOWN_TIMEOUT_MILLIS (at most 20 s). The master exits once
   every worker has.

Command-line flags override these values: the server command passes --bind, and --workers for more
than one worker (without it gunicorn reads WEB_CONCURRENCY, default 1).
"""

import sys

preload_app = False  # rule 1: never load the app (and build a provider) in the master

# How long the master waits for workers to finish their requests *and* their flush after SIGTERM
# before it kills them. Keep it above telemetry.SHUTDOWN_TIMEOUT_MILLIS plus the longest request,
# and below the orchestrator's grace period (compose stop_grace_period is 30 s).
graceful_timeout = 25


def post_fork(server, worker):
    """Rule 1: runs in each new worker, before it loads the app."""
    if "app.telemetry" in sys.modules:
        raise RuntimeError(
            "app.telemetry was imported in the gunicorn master (preload_app / --preload, or an import "
            "in gunicorn.conf.py): every worker would share a provider built before the fork. "
            "Let each worker import the app itself."
        )


def worker_exit(server, worker):
    """Rule 2: runs in the worker process as it exits; flush and shut its provider down."""
    telemetry = sys.modules.get("app.telemetry")
    if telemetry is None:
        return  # the app never loaded in this worker: no provider, nothing to flush
    telemetry.shutdown_telemetry(timeout_millis=telemetry.SHUTDOWN_TIMEOUT_MILLIS)
