"""This app's deadline rules and a region's staffing terms (issue 21 item 7: each app owns its vocabulary)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from agency.models import Region
from agency.vocabulary import RuleTerms
from common.access import Viewer
from common.hot_paths import CompiledQuery
from employers.models import Employer
from insured.models import StaffingTerms


class StaffingRule(models.TextChoices):
    STAFF_REDUCTION_REVIEW = "staff_reduction_review", _("staff reduction confirmation")
    ENROLMENT_REVIEW = "enrolment_review", _("enrolment confirmation")


_region_terms = CompiledQuery(lambda _viewer, region_id: StaffingTerms.objects.filter(region_id=region_id),
                              types=(int,))
# Every enrolment and staff reduction reads the employer, its region and the region's terms: one
# prepared statement (common.hot_paths), as employers.selectors.employer_with_region is for the rest.
_employer_with_terms = CompiledQuery(
    lambda _viewer, pk: Employer.objects.select_related("region", "region__staffing_terms").filter(pk=pk),
    types=(int,))


def employer_with_terms(pk: int) -> Employer:
    """The employer with its region and the region's staffing terms (terms_for reads them without a
    query). Raises Employer.DoesNotExist like get()."""
    found = _employer_with_terms.instances(Viewer.system(), int(pk))
    if not found:
        raise Employer.DoesNotExist(f"no employer {pk}")
    return found[0]


def terms_loaded(employer: Employer) -> bool:
    """The employer was read with its region and the region's staffing terms (employer_with_terms, or a
    portal's token statement, employers.oauth.token_employer_relations): nothing left to load."""
    region_cache = Employer.region.field
    return (region_cache.is_cached(employer)
            and Region.staffing_terms.related.is_cached(region_cache.get_cached_value(employer)))


def terms_for(region: Region) -> StaffingTerms:
    """The region's staffing terms; the defaults when it has no row of its own."""
    related = Region.staffing_terms.related
    if related.is_cached(region):  # loaded with the region (employer_with_terms); None: no row
        return related.get_cached_value(region) or StaffingTerms(region_id=region.pk)
    rows = _region_terms.instances(Viewer.system(), int(region.pk))
    return rows[0] if rows else StaffingTerms(region_id=region.pk)


def rule_terms(rule: str, region: Region) -> RuleTerms:
    """A clerk's review of a staffing matter: the region's staffing review days (also the months the
    agency determined for a late enrolment, contributions.terms)."""
    terms = terms_for(region)
    return RuleTerms(terms.reduction_review_days, terms.reduction_review_in_working_days)
