"""Settings fail fast in production (issue 8, item 10): with DJANGO_DEBUG off, no secret key or
no server URL stops start-up with a clear message; the benchmark URL exists only for benchmarks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

BASE_DIR = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.urls import resolve; print(resolve('/bench/constant').url_name)"


def start(**changes):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_BENCHMARK_URLS")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_without_a_required_variable_does_not_start(missing):
    result = start(**{missing: None})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} is not set. DJANGO_DEBUG is off (production)" in result.stderr


def test_development_says_so_and_may_use_a_development_key():
    result = start(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=None, DJANGO_BENCHMARK_URLS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "bench-constant"


@pytest.mark.django_db
def test_the_benchmark_url_exists_only_when_benchmarks_run():
    assert Client().get("/bench/constant").status_code == 404
    assert "Resolver404" in start().stderr
