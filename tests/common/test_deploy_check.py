"""Issue 9 item 9: production settings from the environment; `check --deploy` with the README's
production environment prints no warning the README does not explain."""

import hashlib
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from common.security import client_address


def _readme_security() -> str:
    text = (settings.BASE_DIR / "README.md").read_text()
    return text[text.index("## Security"):text.index("\n## ", text.index("## Security") + 5)]


def _production_env() -> dict[str, str]:
    section = _readme_security()
    block = section[section.index("### Production environment"):]
    env = dict(re.findall(r"^    ([A-Z_]+)=(\S+)", block, flags=re.M))
    assert {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS",
            "DJANGO_SECURE_COOKIES", "DJANGO_PROXY_COUNT"} <= set(env)
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)  # the README says how to make one
    return env


def test_check_deploy_with_the_readme_environment_warns_only_of_what_the_readme_explains():
    env = {**os.environ, **_production_env(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process, never in production
    run = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=settings.BASE_DIR, env=env,
                         capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    reported = set(re.findall(r"\(([a-z_0-9]+\.[WE]\d{3})\)", output))
    explained = set(re.findall(r"`([a-z_0-9]+\.[WE]\d{3})`", _readme_security()))
    assert reported <= explained, f"unexplained: {sorted(reported - explained)}\n{output}"


def test_the_production_environment_turns_the_settings_on():
    env = {**os.environ, **_production_env(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process, never in production
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SESSION_COOKIE_HTTPONLY, s.SECURE_PROXY_SSL_HEADER, s.STAFF_OTP_REQUIRED, "
            "s.OAUTH2_PROVIDER['COMPLIANT_BCP_RFC9700_TOKEN_STORAGE'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=120).stdout.split(maxsplit=5)
    assert out[:5] == ["True", "31536000", "True", "True", "True"]
    assert "HTTP_X_FORWARDED_PROTO" in out[5] and out[5].strip().endswith("True True")


def test_forwarded_for_is_believed_only_behind_the_configured_proxies():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    with override_settings(DJANGO_PROXY_COUNT=0):
        assert client_address(request) == "10.0.0.2"
    with override_settings(DJANGO_PROXY_COUNT=1):
        assert client_address(request) == "203.0.113.5"  # what our proxy saw, not what the client claims


@pytest.mark.django_db
def test_oauth_access_tokens_are_stored_hashed():
    from oauth2_provider.models import AccessToken

    from tests.employers.factories import EmployerFactory
    from tests.employers.portal import Portal

    portal = Portal(EmployerFactory())
    token = portal.api._credentials["HTTP_AUTHORIZATION"].split()[1]
    stored = AccessToken.objects.get()
    # Only a one-way digest of the token is kept: the plain token is nowhere in its row.
    assert stored.token == "" and stored.token_checksum == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(AccessToken.objects.values().get())
    assert portal.get("/api/v1/employer").status_code == 200  # and the token still works
    # What is stored is no credential: someone who reads the table cannot call with it.
    portal.api.credentials(HTTP_AUTHORIZATION=f"Bearer {stored.token_checksum}")
    assert portal.get("/api/v1/employer").status_code == 401
