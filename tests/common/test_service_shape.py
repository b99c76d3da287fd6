"""Fitness tests: the one shape every service keeps (README, "One shape for every service").

They read the code itself: a new service that skips the declaration, writes an event table from
the side, or sets a state by hand fails here, before a reviewer has to notice.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from django.utils import translation

from common.access import Kind, Viewer
from common.problems import Conflict, Forbidden
from common.services import STAFF, Machine, Step, entry, is_entry_point

ROOT = Path(__file__).resolve().parents[2]
APPS = ["agency", "employers", "insured", "contributions", "accounts", "collection", "transfers", "refunds",
        "statements", "notices"]

def _service_modules():
    for app in APPS:
        package = ROOT / app / "services"
        if not package.is_dir():
            continue
        for info in pkgutil.iter_modules([str(package)]):
            yield f"{app}.services.{info.name}"


def _source_files():
    for app in APPS + ["common", "demo", "config"]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_every_public_service_function_is_a_declared_entry_point():
    undeclared = []
    for name in _service_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(value):
                continue
            if getattr(value, "__module__", None) != name and not is_entry_point(value):
                continue  # imported from elsewhere
            if not is_entry_point(value):
                undeclared.append(f"{name}.{attr}")
    assert undeclared == [], ("public functions in services/ are entry points (common.services.entry); "
                              "helpers are private or live in selectors or a domain module")


# Append-only event tables and the one module that writes each.
EVENT_WRITERS = {
    "RegistrationEvent": "employers/events.py",
    "RelationshipEvent": "insured/events.py",
    "ContributionEvent": "contributions/events.py",
    "TransferEvent": "transfers/events.py",
    "RefundEvent": "refunds/events.py",
    "StatementEvent": "statements/events.py",
    "NoticeEvent": "notices/events.py",
    "SecurityEvent": "agency/events.py",
    "CollectionEvent": "collection/events.py",
}


@pytest.mark.parametrize("model", sorted(EVENT_WRITERS))
def test_each_event_table_has_one_writer(model):
    writes = re.compile(rf"(?<![\w.]){model}\((?!models\.)|\b{model}\.objects\.(create|bulk_create|get_or_create|"
                        rf"update_or_create|update|filter\([^)]*\)\.(update|delete))")
    writers = set()
    for path in _source_files():
        text = path.read_text()
        for line in text.splitlines():
            if writes.search(line) and not line.lstrip().startswith(("class ", "#")):
                writers.add(str(path.relative_to(ROOT)))
    assert writers == {EVENT_WRITERS[model]}


# A state column is set by common.services.transition, from a machine's table; a service that
# assigns `x.state = ...` by hand writes a second, unchecked state machine.
_STATE_BY_HAND = re.compile(r"\b\w+\.state\s*(,\s*\w+\.\w+\s*)*=(?!=)")


def test_no_service_sets_a_state_by_hand():
    offenders = []
    for app in APPS:
        for path in [*(ROOT / app).glob("services/*.py"), *(ROOT / app).glob("services.py"),
                     *(ROOT / app).glob("relationships.py")]:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _STATE_BY_HAND.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


# --- the mechanisms themselves ------------------------------------------------------------------------

def _clerk_without_permission():
    return Viewer(Kind.CLERK, user_id=None, region_id=1)


@pytest.mark.django_db
def test_an_entry_point_refuses_a_caller_of_another_kind_before_its_body_runs():
    ran = []

    def something_do(*, actor):
        ran.append(actor)

    something_do = entry(something_do, callers=STAFF)
    with pytest.raises(Forbidden):
        something_do(actor=Viewer(Kind.EMPLOYER, employer_id=1))
    with pytest.raises(Forbidden):
        something_do(actor=Viewer(Kind.NOBODY))
    assert ran == []


@pytest.mark.django_db
def test_an_entry_point_refuses_a_clerk_without_its_permission():
    ran = []

    def something_decide(*, actor):
        ran.append(actor)

    something_decide = entry(something_decide, callers=STAFF, permission="refunds.change_refund")
    with pytest.raises(Forbidden):
        something_decide(actor=_clerk_without_permission())
    something_decide(actor=Viewer.system())
    assert ran == [Viewer.system()]


def test_an_entry_point_needs_its_caller_named():
    def something_do(*, actor=None):
        return actor

    something_do = entry(something_do, callers=STAFF)
    with pytest.raises(TypeError):
        something_do()


@translation.override("en")  # a request of another test may have left its language active in this thread
def test_a_machine_refuses_a_step_not_open_in_the_state_with_one_wording():
    machine = Machine("thing", {"open": {"close": Step("closed")}})
    assert machine.step("open", "close").to == "closed"
    with pytest.raises(Conflict) as refused:
        machine.step("closed", "close")
    assert refused.value.type_slug == "already-decided"
    assert refused.value.detail == "This thing is closed; it cannot be close."
    with pytest.raises(Conflict) as refused:
        machine.step("open", "reopen")
    assert (refused.value.type_slug, refused.value.extra["allowed"]) == ("conflict", ["close"])
