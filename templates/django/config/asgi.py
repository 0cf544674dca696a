"""ASGI entry point, for uvicorn: `uvicorn config.asgi:application --host 127.0.0.1 --port 8000`.

Django's ASGI handler speaks HTTP only: it rejects the lifespan protocol, so the server never tells
it that it is shutting down. And the atexit hook in app/telemetry.py does not run under uvicorn
either: once it has shut down, uvicorn re-raises the SIGTERM it caught, and the process dies of the
signal without running atexit hooks. `application` below therefore wraps Django's handler and
answers the lifespan messages itself, flushing buffered spans on lifespan shutdown, which uvicorn
runs in every worker after draining requests.
"""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tracing before the application: get_asgi_application() reads settings.MIDDLEWARE once, so the
# OpenTelemetry middleware must already be in it.
from config import otel  # noqa: E402

otel.instrument()

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        await django_application(scope, receive, send)


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            # Bounded (telemetry.SHUTDOWN_TIMEOUT_MILLIS), and in a thread so the event loop stays free.
            await asyncio.to_thread(otel.shutdown)
            await send({"type": "lifespan.shutdown.complete"})
            return
