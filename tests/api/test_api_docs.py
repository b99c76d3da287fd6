"""/api/docs/ (Swagger UI) and /api/redoc/ load nothing from outside: an agency's intranet reaches no CDN."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/api/docs/", "/api/redoc/"]
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.fixture
def collected_static(settings, tmp_path):
    """What `make run` and the image do: collectstatic, then whitenoise serves STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    call_command("collectstatic", "--noinput", "--verbosity", "0", "--ignore", "admin", "--ignore", "rest_framework")
    return settings.STATIC_ROOT


def _references(html: str) -> list[str]:
    return REFERENCE.findall(html)


@pytest.mark.parametrize("page", PAGES)
def test_the_docs_page_names_no_other_host(page):
    response = Client().get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.I), "the page names another host"
    references = _references(html)
    assert references and all(ref.startswith("/static/drf_spectacular_sidecar/") for ref in references)


def test_swagger_ui_sends_the_schema_to_no_validator_service():
    html = Client().get("/api/docs/").content.decode()
    assert re.search(r'"validatorUrl":\s*null', html)


def test_the_docs_assets_are_served_from_our_static_files(collected_static):
    client = Client()  # a new client loads the middleware, so whitenoise indexes the collected files
    for page in PAGES:
        references = _references(client.get(page).content.decode())
        assert any(ref.endswith(".js") for ref in references), page
        for ref in references:
            response = client.get(ref)
            assert response.status_code == 200, ref
            assert b"".join(response.streaming_content) == (collected_static / ref.removeprefix("/static/")).read_bytes()
            if ref.endswith(".js"):
                assert "javascript" in response["Content-Type"]
