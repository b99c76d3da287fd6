"""The environment of a development run, given explicitly: `make run`, `make test`, `make bench`.

With DJANGO_DEBUG off, settings refuse to start without DJANGO_SECRET_KEY, DATABASE_URL and
REDIS_URL (config/settings.py): production never falls back to a known key or an embedded
server. Development runs set them here instead, only where unset:

- DJANGO_SECRET_KEY: a random key made once and kept in var/dev-secret-key (sessions survive
  a restart of `make run`);
- DATABASE_URL / REDIS_URL: the embedded PostgreSQL and Redis under var/ (config/embedded.py).

Used as `python -m config.devenv COMMAND...` (the Makefile), and as a pytest plugin
(`-p config.devenv` in pyproject.toml), which runs before pytest-django loads the settings.
"""

from __future__ import annotations

import os
import secrets
import sys

from config import embedded


def development_environment(environ=os.environ) -> None:
    if not environ.get("DJANGO_SECRET_KEY"):
        key_file = embedded.VAR_DIR / "dev-secret-key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        environ["DJANGO_SECRET_KEY"] = key_file.read_text().strip()
    if not environ.get("DATABASE_URL"):
        environ["DATABASE_URL"] = embedded.postgres_url()
    if not environ.get("REDIS_URL"):
        environ["REDIS_URL"] = embedded.redis_url()
    # Mail of a development run (statements with their PDFs) lands in var/mail, one file a message.
    environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m config.devenv COMMAND [ARGS...]")
    development_environment()
    os.execvp(sys.argv[1], sys.argv[1:])
else:
    development_environment()  # imported as the pytest plugin: before the settings are read
