"""WSGI entry point, served by gunicorn: `gunicorn --config gunicorn.conf.py config.wsgi:application`.

gunicorn imports this module in each worker, after the fork (see gunicorn.conf.py), so each worker
builds its own tracer provider. Its worker_exit hook flushes that provider when the worker stops.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tracing before the application: get_wsgi_application() reads settings.MIDDLEWARE once, so the
# OpenTelemetry middleware must already be in it.
from config import otel  # noqa: E402

otel.instrument()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
