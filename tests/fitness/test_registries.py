"""Fitness: every extension point is a common.registry.Registry filled from AppConfig.ready(),
none at import time (what a registry holds must not depend on which module was imported first)."""

import json
import os
import subprocess
import sys

from django.conf import settings

from common.registry import Registry

STARTUP = """
import json, django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every URL module imported too, as a serving process does
from common.registry import Registry
print(json.dumps({"misplaced": Registry.misplaced(),
                  "filled": {r.name: len(r) for r in Registry.every}}))
"""


def _startup() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"}
    out = subprocess.run([sys.executable, "-c", STARTUP], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_no_registry_is_filled_at_import_time():
    started = _startup()
    assert started["misplaced"] == {}
    # and the registries the apps fill from their ready() are filled
    filled = started["filled"]
    for name in ("employers.cancellation_checks", "contributions.settled_hooks", "transfers.completed_hooks",
                 "common.actor_resolvers", "common.problem_types",
                 "agency.work_kinds", "agency.deadline_kinds", "agency.document_kinds", "agency.group_permissions",
                 "agency.region_terms_inlines"):
        assert filled[name] > 0, name
    assert filled["agency.login_region_resolvers"] == 3  # clerks, persons, portal clients


def test_a_registration_outside_ready_is_noticed():
    registry = Registry("tests.scratch")
    try:
        registry.register("at import time")
        assert Registry.misplaced()["tests.scratch"] == ["'at import time'"]
        assert list(registry) == ["at import time"]
    finally:
        Registry.every.remove(registry)
