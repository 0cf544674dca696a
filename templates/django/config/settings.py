"""Django settings. Everything that differs between environments comes from environment variables.

DJANGO_DEBUG          "true" turns debug mode on (never in production); off by default.
DJANGO_SECRET_KEY     the signing key; REQUIRED in production (see below).
DJANGO_ALLOWED_HOSTS  comma-separated Host header values served; default: localhost, 127.0.0.1, [::1].
DJANGO_SQLITE_PATH    the SQLite database file; default: var/db.sqlite3, created on first use.

OpenTelemetry is not configured here: config/otel.py instruments Django from the entry points.
"""

import logging
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = os.environ.get("DJANGO_DEBUG", "").strip().lower() in ("1", "true", "yes")

# A placeholder for local development only, not a secret: anyone can read it here. Production must
# set DJANGO_SECRET_KEY (e.g. from a secret store); `manage.py check --deploy` flags this placeholder.
_DEVELOPMENT_ONLY_SECRET_KEY = "django-insecure-development-only-placeholder-set-DJANGO_SECRET_KEY"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _DEVELOPMENT_ONLY_SECRET_KEY
if SECRET_KEY == _DEVELOPMENT_ONLY_SECRET_KEY and not DEBUG:
    logging.getLogger("config.settings").warning(
        "DJANGO_SECRET_KEY is not set: using the development-only placeholder. Set it in production."
    )

# Requests whose Host header is not listed get a 400 and no span (the host is validated first).
ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = ["app"]

# config.otel.instrument() inserts OpenTelemetry's middleware at position 0 of this list when an entry
# point starts, so the server span covers every other middleware too.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_SQLITE_PATH") or BASE_DIR / "var" / "db.sqlite3",
        "OPTIONS": {
            # Run on every new connection, directly on the driver connection (so never as a span):
            # creates the sample's table on first use, so the service needs no migrations to start.
            "init_command": (
                "CREATE TABLE IF NOT EXISTS item_visit (item_id TEXT PRIMARY KEY, visits INTEGER NOT NULL)"
            ),
        },
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
