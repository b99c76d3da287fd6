"""Fitness (issue 21 item 7): each app owns its vocabulary. The deadline rules, voucher kinds,
clerks' permissions and region terms an app registers upward (agency.vocabulary) are its own,
and every one of them works."""

import pytest
from django.contrib.auth.models import Permission

from agency.deadlines import rule_terms
from agency.models import Deadline, Document
from agency.vocabulary import deadline_kinds, document_kinds, group_permissions, region_terms_inlines
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
