"""gunicorn settings: `gunicorn --config gunicorn.conf.py config.wsgi:application`.

Tracing with forked workers comes down to two rules:

1. Build the tracer provider in each worker, after the fork: each worker then has its own provider,
   service.instance.id, export thread and exporter connection, and nothing depends on surviving a
   fork. So the application is never preloaded: each worker imports config.wsgi (and with it
   app.telemetry) itself, and nothing in this file imports the app either. (A provider built in the
   master would reach the workers by fork; recent SDKs repair its export thread and instance id in
   each child, but the gRPC exporter's channel is not meant to cross a fork.)
2. Flush in each worker when it stops. On SIGTERM the master asks every worker to stop; each one
   finishes its request and runs worker_exit below, which flushes the spans still buffered in that
   worker's provider within telemetry.SHUTDOWN_TIMEOUT_MILLIS (at most 20 s).

Command-line flags override these values (the server command passes --bind, and --workers for more
than one worker; without it gunicorn reads WEB_CONCURRENCY, default 1).
"""

import sys

preload_app = False  # rule 1: never load the app (and build a provider) in the master

# How long the master waits for workers to finish their requests *and* their flush after SIGTERM
# before it kills them. Keep it above telemetry.SHUTDOWN_TIMEOUT_MILLIS plus the longest request,
# and below the orchestrator's grace period (compose stop_grace_period is 30 s).
graceful_timeout = 25


def worker_exit(server, worker):
    """Rule 2: runs in the worker process as it exits; flush and shut its provider down."""
    telemetry = sys.modules.get("app.telemetry")
    if telemetry is None:
        return  # the app never loaded in this worker: no provider, nothing to flush
    telemetry.shutdown_telemetry(timeout_millis=telemetry.SHUTDOWN_TIMEOUT_MILLIS)
