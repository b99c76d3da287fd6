"""A region's staffing terms come with the employer an enrolment or a staff reduction reads, in the
same prepared statement: the region's own row, or the defaults when it has none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insured.models import StaffingTerms
from insured.terms import employer_with_terms, terms_for
from tests.agency.factories import RegionFactory, terms_set
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_the_terms_come_with_the_employer_and_are_read_without_another_query():
    own = EmployerFactory(region=RegionFactory(code="320102"))
    terms_set(own.region, StaffingTerms, enrolment_needs_confirmation=True, reduction_review_days=9)
    plain = EmployerFactory(region=RegionFactory(code="320104"))
    loaded_own, loaded_plain = employer_with_terms(own.pk), employer_with_terms(plain.pk)
    with CaptureQueriesContext(connection) as queries:
        mine, defaults = terms_for(loaded_own.region), terms_for(loaded_plain.region)
    assert len(queries) == 0
    assert (mine.enrolment_needs_confirmation, mine.reduction_needs_confirmation, mine.reduction_review_days) == \
        (True, True, 9)
    assert (defaults.pk, defaults.enrolment_needs_confirmation, defaults.reduction_needs_confirmation,
            defaults.reduction_review_days, defaults.reduction_review_in_working_days) == (None, False, True, 15, True)
    # A region read on its own gets its terms with a query of their own.
    assert terms_for(type(own.region).objects.get(pk=own.region.pk)).reduction_review_days == 9
