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
    # and the registries the apps fill from their ready() are filled: every one the project declares,
    # but the extension points kept for apps still to come
    filled = started["filled"]
    assert {name for name, count in filled.items() if count == 0} == set(KEPT_EMPTY)
    for name in ("employers.cancellation_checks", "contributions.settled_hooks", "transfers.completed_hooks",
                 "common.actor_resolvers", "common.problem_types",
                 "agency.work_kinds", "agency.deadline_kinds", "agency.document_kinds", "agency.group_permissions",
                 "agency.region_terms_inlines", "agency.supervisor_alerts", "agency.home_figures",
                 "common.person_views_writer", "common.deadline_keeper", "employers.client_kinds",
                 "contributions.receipt_origins", "panels.person", "panels.employer"):
        assert filled[name] > 0, name
    assert filled["agency.login_region_resolvers"] == 3  # clerks, persons, portal clients
    assert filled["common.person_views_writer"] == 1  # one access log (insured)
    assert filled["employers.client_kinds"] == 2  # persons' apps and the collector (portals are the default)


# Registries nothing fills yet, each with why it is kept.
KEPT_EMPTY = {
    "accounts.credit_checks": "further reconciliation checks of the apps above accounts; none needed yet",
}


def test_every_extension_point_of_the_project_is_a_registry():
    """The registering functions (README, "extension points") are thin wrappers of a Registry's
    register, so what they hold is checked above (no list, dict or setter of their own)."""
    import inspect

    from agency import workbench
    from common import display, person_views, problems

    for function, registry in ((workbench.supervisor_alert_register, "supervisor_alerts_registry"),
                               (workbench.home_figures_register, "home_figures_registry"),
                               (workbench.work_kind_register, "work_kinds_registry"),
                               (person_views.person_views_writer_set, "person_views_writers"),
                               (display.actor_resolver_register, "actor_resolvers"),
                               (problems.problem_type_register, "problem_types")):
        assert isinstance(getattr(sys.modules[function.__module__], registry), Registry), function.__name__
        assert f"{registry}.register(" in inspect.getsource(function), function.__name__


def test_a_registration_outside_ready_is_noticed():
    registry = Registry("tests.scratch")
    try:
        registry.register("at import time")
        assert Registry.misplaced()["tests.scratch"] == ["'at import time'"]
        assert list(registry) == ["at import time"]
    finally:
        Registry.every.remove(registry)
