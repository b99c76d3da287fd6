"""Fitness (issue 21 item 7): each app owns its vocabulary. The deadline rules, voucher kinds,
clerks' permissions and region terms an app registers upward (agency.vocabulary) are its own,
and every one of them works; its problem types are declared in its `problems.py` and registered from
its AppConfig.ready()."""

import ast
import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission

from agency.deadlines import rule_terms
from agency.models import Deadline, Document
from agency.vocabulary import deadline_kinds, document_kinds, group_permissions, region_terms_inlines
from common.problems import PROBLEM_TYPES, problem_type_lookup, problem_types
from tests.agency.factories import RegionFactory

pytestmark = pytest.mark.django_db


def test_an_app_grants_the_groups_only_permissions_on_its_own_models_and_each_exists():
    # groups_sync skips a permission that does not exist, so a misspelt one would silently grant nothing.
    for entry in group_permissions:
        for level, perms in entry.groups.items():
            assert level in ("view", "clerk", "reviewer", "supervisor", "audit"), (entry.app, level)
            for perm in perms:
                app_label, codename = perm.split(".")
                assert app_label == entry.app, f"{entry.app} grants {perm}"
                assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), perm


def test_every_registered_deadline_rule_has_terms_in_a_region_without_any_of_its_own():
    region = RegionFactory()
    assert [value for value, _label in Deadline._meta.get_field("rule").choices] == [k.rule for k in deadline_kinds]
    for kind in deadline_kinds:
        terms = rule_terms(kind.rule, region)
        assert terms.days > 0, kind.rule


def test_the_voucher_kinds_are_the_registered_ones_and_each_app_registers_its_terms_for_the_region_page():
    assert [value for value, _label in Document._meta.get_field("kind").choices] == [k.value for k in document_kinds]
    assert {"business_licence", "separation_certificate", "payment_voucher", "death_certificate",
            "application_form", "other"} <= {k.value for k in document_kinds}
    assert {inline.model._meta.label for inline in region_terms_inlines} >= {
        "employers.RegistrationTerms", "insured.StaffingTerms", "transfers.SuspensionTerms", "refunds.RefundTerms"}


def test_the_apis_accept_every_registered_voucher_kind():
    """The APIs' choices are read when their modules are first imported (URLs, after every app is
    ready): an import during some app's ready() would freeze a partial list."""
    from employers.apis.registrations import RegistrationFilingUpload
    from refunds.apis import MyRefundsApi

    registered = [k.value for k in document_kinds]
    for serializer in (RegistrationFilingUpload, MyRefundsApi.UploadSerializer):
        assert list(serializer._declared_fields["document_kinds"].child.choices) == registered, serializer


# --- problem types ------------------------------------------------------------------------------------

_ROOT = Path(__file__).resolve().parents[2]
# Every app of the project (not the libraries'): a new app is held to the same rules without being named here.
_APPS = tuple(config.name for config in django_apps.get_app_configs()
              if Path(config.path).resolve().parent == _ROOT and config.name not in ("common", "config", "demo"))


def _calls(name: str):
    """(module path, call node) of every call of `name` in the apps' code (common's own module aside)."""
    for app in ("common", *_APPS):
        for path in sorted((_ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.relative_to(_ROOT).as_posix() == "common/problems.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                    yield path.relative_to(_ROOT).as_posix(), node


def test_each_app_declares_its_problem_types_in_its_problems_module_and_registers_them_from_ready():
    # No type registered one by one, or from a literal written where it is registered.
    assert [path for path, _node in _calls("problem_type_register")] == []
    registering = sorted((path, ast.unparse(node.args[0])) for path, node in _calls("problem_types_register"))
    assert registering
    for path, argument in registering:
        app = path.split("/")[0]
        assert path == f"{app}/apps.py", path
        assert argument.isupper() and argument.endswith("PROBLEM_TYPES"), (path, argument)
    # What the apps register is exactly what their problems modules declare.
    declared: dict[str, str] = {}
    for app in _APPS:
        if not (_ROOT / app / "problems.py").exists():
            continue
        module = importlib.import_module(f"{app}.problems")
        for name, value in vars(module).items():
            if name.endswith("PROBLEM_TYPES"):
                for slug in value:
                    assert slug not in declared, f"{slug} declared by {declared.get(slug)} and {app}"
                    declared[slug] = app
    assert {slug for slug, _title, _text in problem_types} == set(declared) - set(PROBLEM_TYPES)


def test_every_problem_type_the_code_names_is_registered():
    used = set()
    for app in ("common", *_APPS):
        for path in sorted((_ROOT / app).rglob("*.py")):
            used |= set(re.findall(r'type_slug\s*=\s*"([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
            used |= set(re.findall(r'(?:refused|problem)\(\s*"([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert used, "the scan found no problem type at all"
    assert sorted(slug for slug in used if problem_type_lookup(slug) is None) == []
