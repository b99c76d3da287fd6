import json
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation


@pytest.fixture
def shanghai():
    """Huangpu district with its office: the region most tests act in."""
    from tests.agency.factories import OfficeFactory, RegionFactory

    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region)
    return region


@pytest.fixture
def beijing():
    """Chaoyang district with its office: the other region."""
    from tests.agency.factories import OfficeFactory, RegionFactory

    region = RegionFactory(code="110105", name="朝阳区")
    OfficeFactory(region=region)
    return region


@pytest.fixture(autouse=True)
def _clean_cache():
    """Sessions and cached lookups live in Redis: start each test from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request through LocaleMiddleware leaves its language
    active in the thread after the response (Django does not undo it), so a test asserting English wording
    failed when it ran after one that asked in Chinese (seen in a mutation run's own test order)."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _reference_data_restore(django_db_blocker) -> None:
    """With --reuse-db (mutmut, a developer's reruns) the database is the one an earlier
    session left behind. If that session ended with a transactional test, its flush took the
    migration-seeded calendar and rates with it; put them back once, before any test."""
    from django.apps import apps

    from agency.models import CalendarYear
    from agency.reference_data import reference_data_load

    with django_db_blocker.unblock():
        if not CalendarYear.objects.exists():
            reference_data_load(apps)
        _divisors_restore(apps)


def _divisors_restore(apps) -> None:
    """The pension's divisor table, seeded by its migration, after a flush took it too."""
    from pensions.models import Divisor
    from pensions.reference_data import divisors_load

    if not Divisor.objects.exists():
        divisors_load(apps)


if os.environ.get("TESTS_EXISTING_DB"):
    # Mutation runs (mutmut forks a child per mutant): the test database exists and is migrated
    # (the run's clean pass made it), so each child only connects to it instead of checking every
    # migration again (about 1.5 s a mutant).
    @pytest.fixture(scope="session")
    def django_db_setup(django_db_blocker):
        from django.db import connections

        for conn in connections.all():
            if not conn.settings_dict["NAME"].startswith("test_"):
                conn.settings_dict["NAME"] = "test_" + conn.settings_dict["NAME"]
            conn.connection = None  # a forked child never shares its parent's socket
        _reference_data_restore(django_db_blocker)
else:
    @pytest.fixture(scope="session")
    def django_db_setup(django_db_setup, django_db_blocker):
        _reference_data_restore(django_db_blocker)


@pytest.hookimpl(tryfirst=True)  # then pytest-django still puts the transactional tests last
def pytest_collection_modifyitems(items):
    """Mutation runs: a mutant's tests run quickest first. mutmut stops at the first failure (-x)
    and hands each mutant the tests that reached its function as an unordered set, so a slow race
    test could run before the quick test that kills the mutant in a second. Ordered by the
    durations mutmut's stats pass recorded (mutants/mutmut-stats.json), a killed mutant costs
    its quickest killing test; a survivor still runs every test it was given."""
    if os.environ.get("MUTANT_UNDER_TEST") in (None, "", "stats", "list_all_tests", "mutant_generation"):
        return
    try:
        with open("mutmut-stats.json") as f:  # mutmut runs the tests from mutants/
            durations = json.load(f)["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))


@pytest.fixture(autouse=True)
def _calendar_covers_next_year(request):
    """Deadlines start today and may run into next year, which the seeded calendar
    (chinese-calendar, up to 2026) may not cover yet. An administrator enters that
    year when the State Council publishes it; tests stand in for that with a plain
    Monday-Friday year, so they do not depend on the day they run."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction")
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps
    from django.utils import timezone

    from agency.models import CalendarYear
    from agency.reference_data import reference_data_load

    if transactional and not CalendarYear.objects.exists():
        reference_data_load(apps)  # an earlier transactional test flushed the migration-seeded rows
    if transactional:
        _divisors_restore(apps)

    next_year = timezone.localdate().year + 1
    CalendarYear.objects.get_or_create(year=next_year, defaults={"source": "tests: weekends only"})


@pytest.fixture(autouse=True)
def _staff_second_factor_off(settings):
    """Staff need a TOTP second factor whenever DJANGO_DEBUG is off (as in tests). Tests that are not
    about it log clerks in with force_login and no second factor; the 2FA tests
    (tests/agency/test_staff_security.py) turn `STAFF_OTP_REQUIRED` back on and log in with a real
    TOTP code (tests/otp.py)."""
    settings.STAFF_OTP_REQUIRED = False

