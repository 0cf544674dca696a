"""The Django project: settings, URL configuration, the WSGI/ASGI entry points and config.otel."""
