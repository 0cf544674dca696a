"""The service package: app.telemetry sets up OpenTelemetry; app.views holds the routes' handlers.

The Django project around it (settings, URLs, entry points) is the `config` package.
"""
