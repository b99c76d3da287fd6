"""The staff request path in-process: what a verified clerk's session costs before the view runs.

A clerk with a confirmed TOTP device and a verified session (STAFF_OTP_REQUIRED on) sends, through
Django's test client (no network, no gunicorn), repeatedly:

  GET /bench/constant                      without a cookie, and with the clerk's session cookie
  GET /api/v1/agency/persons?document=...  the clerk's lookup

For each: SQL statements per request (CaptureQueriesContext; the comparable figure on a shared
machine) and the median of --batches batches of --requests requests (microseconds per request).
The difference between the bare view with and without the cookie is the session, user and device.
Everything it writes is rolled back. Runs against DATABASE_URL (migrated); needs DJANGO_BENCHMARK_URLS=1.

    DJANGO_BENCHMARK_URLS=1 python bench/request_path_bench.py [--batches 15] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_BENCHMARK_URLS"] = "1"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def _world():
    from tests.agency.factories import OfficeFactory, clerk_user
    from tests.insured.factories import PersonFactory
    from tests.otp import totp_enrol

    office = OfficeFactory()
    user = clerk_user(office, username=f"bench-clerk-{time.time_ns()}")
    device = totp_enrol(user)
    person = PersonFactory(region=office.region)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id  # as django-otp stores it after a code was accepted
    session.save()
    return client, {"document": person.document_number}


def _timed(call, batches: int, requests: int) -> dict:
    for _ in range(min(requests, 100)):  # warm-up: compiled queries, prepared statements
        call()
    per_request = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(requests):
            call()
        per_request.append((time.perf_counter() - started) / requests * 1e6)
    with CaptureQueriesContext(connection) as captured:
        call()
    return {"median_us": round(statistics.median(per_request)), "min_us": round(min(per_request)),
            "max_us": round(max(per_request)), "queries": len(captured.captured_queries),
            "statements": [q["sql"][:110] for q in captured.captured_queries]}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    settings.STAFF_OTP_REQUIRED = True
    settings.DEBUG = False
    results = {}
    with transaction.atomic():
        client, lookup = _world()
        anonymous = Client()

        def constant_anonymous():
            assert anonymous.get("/bench/constant").status_code == 200

        def constant_with_cookie():
            assert client.get("/bench/constant").status_code == 200

        def clerk_lookup():
            response = client.get("/api/v1/agency/persons", lookup)
            assert response.status_code == 200, response.content

        for name, call in (("constant", constant_anonymous), ("constant_with_cookie", constant_with_cookie),
                           ("lookup", clerk_lookup)):
            results[name] = _timed(call, args.batches, args.requests)
        transaction.set_rollback(True)
    results["session_user_device_us"] = results["constant_with_cookie"]["median_us"] - results["constant"]["median_us"]
    results["load"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
