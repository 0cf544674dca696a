#!/usr/bin/env python
"""Django's command-line utility, with tracing set up first (so `runserver` is traced too)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Before Django loads anything: the OpenTelemetry middleware must be in settings.MIDDLEWARE
    # before a request handler is built.
    from config import otel

    otel.instrument()

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
