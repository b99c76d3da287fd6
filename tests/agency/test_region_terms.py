"""Each app's terms of a region (issue 21 item 7): its own model, one row per region or none (the
defaults), shown and edited on the region's admin page, and used by that app's deadlines."""

import re
from datetime import date

import pytest
from django.test import Client

from agency.deadlines import deadline_open
from employers.models import RegistrationTerms
from insured.models import StaffingTerms
from refunds.models import RefundTerms
from refunds.terms import RefundRule
from refunds.terms import terms_for as refund_terms_for
from tests.agency.factories import OfficeFactory, RegionFactory, UserFactory, clerk_user, terms_set
from tests.insured.factories import PersonFactory
from transfers.models import SuspensionTerms

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_region_without_terms_of_its_own_has_the_defaults():
    region = RegionFactory()
    terms = refund_terms_for(region)
    assert (terms.pk, terms.audit_days, terms.liquidation_days, terms.payout_days, terms.in_working_days) == \
        (None, 15, 10, 10, True)
    terms_set(region, RefundTerms, audit_days=5)
    assert refund_terms_for(region).audit_days == 5


def test_the_superuser_sets_one_apps_terms_on_the_region_page_and_the_others_keep_their_defaults():
    region = RegionFactory(code="320102", name="玄武区", province="江苏省")
    superuser = _logged_in(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/agency/region/{region.pk}/change/"
    page = superuser.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for heading in ("Registration terms", "Staffing terms", "Suspension terms", "Refund terms"):
        assert heading in page
    form = {"code": "320102", "name": "玄武区", "province": "江苏省", "pooling_area": ""}
    prefixes = set(re.findall(r'name="([a-z_]+)-TOTAL_FORMS"', page))
    assert {"registration_terms", "staffing_terms", "suspension_terms", "refund_terms"} <= prefixes
    for prefix in prefixes - {"refund_terms"}:  # every other app's terms left out
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    form |= {"refund_terms-TOTAL_FORMS": "1", "refund_terms-INITIAL_FORMS": "0", "refund_terms-0-audit_days": "5",
             "refund_terms-0-liquidation_days": "10", "refund_terms-0-payout_days": "10"}  # in calendar days
    response = superuser.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RefundTerms.objects.filter(region=region).values_list("audit_days", "in_working_days").get() == (5, False)
    assert not RegistrationTerms.objects.exists() and not StaffingTerms.objects.exists() \
        and not SuspensionTerms.objects.exists()

    # The refund's audit is now due in five calendar days in that region.
    OfficeFactory(region=region)
    deadline = deadline_open(rule=RefundRule.REFUND_AUDIT, subject=PersonFactory(region=region), region=region,
                             starts_on=date(2026, 3, 2))
    assert (deadline.days, deadline.working_days, deadline.due_on) == (5, False, date(2026, 3, 7))


def test_a_clerk_reads_the_regions_terms_and_cannot_change_them():
    region = RegionFactory()
    terms_set(region, StaffingTerms, enrolment_needs_confirmation=True, reduction_review_days=9)
    clerk = _logged_in(clerk_user(OfficeFactory(region=region), groups=("supervisor",)))
    url = f"/admin/agency/region/{region.pk}/change/"
    page = clerk.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Staffing terms" in page and "staff reduction review days" in page.lower()
    assert 'name="staffing_terms-0-reduction_review_days"' not in page  # shown, not editable
    clerk.post(url, {"code": region.code, "name": region.name, "province": region.province,
                     "staffing_terms-TOTAL_FORMS": "1", "staffing_terms-INITIAL_FORMS": "1",
                     "staffing_terms-0-id": str(region.staffing_terms.pk), "staffing_terms-0-region": str(region.pk),
                     "staffing_terms-0-reduction_review_days": "1"})
    assert StaffingTerms.objects.get(region=region).reduction_review_days == 9
