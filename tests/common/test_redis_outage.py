"""Redis down for real (a redis-server this test starts and stops): sessions survive (they never use it), what needs
Redis answers 503 with Retry-After, never 500, and everything comes back by itself (issue 9, item 4)."""

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.response import Response

from common.apis import ApiView
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import PERSON_PASSWORD, person_client, person_user
from tests.insured.factories import PersonFactory

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="needs the redis-server binary (.ci/run starts the same one)")]

RECOVERY_WAIT = 10  # seconds allowed for Redis to come back; recovery is a wait, not a timing claim


class CacheReadingApi(ApiView):
    """Stands for any API path that needs Redis (a throttle, a cached lookup)."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        return Response({"value": cache.get("anything")})


def cache_reading_page(request):
    return HttpResponse(str(cache.get("anything")))


urlpatterns = [
    path("api/v1/needs-redis", CacheReadingApi.as_view()),
    path("page/needs-redis", cache_reading_page),
    path("", include("config.urls")),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + RECOVERY_WAIT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_server(settings):
    server = OwnRedis(free_port())
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{server.port}/0"}}
    yield server
    server.stop()


def wait_for(condition) -> bool:
    deadline = time.monotonic() + RECOVERY_WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def me():
    person = PersonFactory()
    return person_client(person, login_page=True), person


def test_sessions_survive_a_redis_outage_and_a_logout_stays_logged_out(redis_server):
    region = RegionFactory(code="310101")
    person = PersonFactory(region=region)
    person_user(person)
    me, clerk = Client(), Client()
    assert me.post("/accounts/login/", {"username": person.document_number,
                                        "password": PERSON_PASSWORD}).status_code == 302
    clerk.force_login(clerk_user(OfficeFactory(region=region)))
    assert me.get("/api/v1/me").status_code == 200

    redis_server.stop()
    assert me.get("/api/v1/me").json()["id"] == person.pk
    lookup = clerk.get("/api/v1/agency/persons", {"document": person.document_number})
    assert lookup.status_code == 200 and lookup.json()["results"][0]["id"] == person.pk
    late = Client()  # logging in during the outage works too
    assert late.post("/accounts/login/", {"username": person.document_number,
                                          "password": PERSON_PASSWORD}).status_code == 302
    assert late.get("/api/v1/me").status_code == 200
    me.post("/accounts/logout/")  # the cached copy of this session cannot be deleted now

    redis_server.start()  # back, with the stale copies it kept? (a new empty server here)
    assert wait_for(lambda: Client().get("/healthz").status_code == 200)
    assert late.get("/api/v1/me").status_code == 200
    assert me.get("/api/v1/me").status_code in (401, 403)


def test_a_logout_during_the_outage_does_not_come_back_with_the_cache(redis_server, me, settings):
    """A network cut, not a restart: Redis keeps the session's cached copy through the outage,
    and that copy must not outlive a logout made meanwhile."""
    client, _person = me
    assert client.get("/api/v1/me").status_code == 200  # the session is cached now
    reachable = settings.CACHES
    settings.CACHES = {"default": {**reachable["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    assert client.get("/api/v1/me").status_code == 200
    stolen = client.cookies["sessionid"].value  # as a copied cookie would still present it
    client.post("/accounts/logout/")
    client.cookies["sessionid"] = stolen

    settings.CACHES = reachable  # the same server answers again: Redis holds no session copy to come back
    assert client.get("/api/v1/me").status_code in (401, 403)


def test_what_needs_redis_answers_503_with_retry_after_and_recovers(redis_server, settings):
    settings.ROOT_URLCONF = __name__
    api = Client()
    assert api.get("/api/v1/needs-redis").status_code == 200
    assert api.get("/healthz").status_code == 200

    redis_server.stop()
    for url in ("/api/v1/needs-redis", "/healthz", "/page/needs-redis"):
        response = api.get(url)
        assert response.status_code == 503, (url, response.content)
        assert int(response["Retry-After"]) > 0
    problem = api.get("/api/v1/needs-redis")
    assert problem["Content-Type"] == "application/problem+json"
    assert problem.json()["type"] == "/problems/unavailable"
    assert api.get("/healthz").json()["redis"] == "unavailable"

    redis_server.start()
    assert wait_for(lambda: api.get("/api/v1/needs-redis").status_code == 200)
    assert api.get("/healthz").status_code == 200
