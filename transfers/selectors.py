"""Reads of suspensions and transfers, scoped by `common.access.scope`: a clerk of either region sees a
transfer, a person their own, an employer nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import PensionAccount
from agency.deadlines import today_in_shanghai
from agency.models import Region
from common.access import Viewer, scope
from common.identifiers import mask_document
from common.problems import Conflict, NotFound
from insured.models import InsuranceRelationship, InsuredPerson, RelationshipState
from transfers.amounts import region_months
from transfers.models import Suspension, TemporaryAccount, Transfer, TransferEvent


def suspensions_visible(viewer: Viewer) -> QuerySet[Suspension]:
    return scope(Suspension.objects.select_related("person", "region", "relationship"), viewer)


def transfers_visible(viewer: Viewer) -> QuerySet[Transfer]:
    return scope(Transfer.objects.select_related("person", "from_region", "to_region"), viewer).prefetch_related(
        Prefetch("events", queryset=TransferEvent.objects.select_related("region").order_by("id")))


def temporary_accounts_visible(viewer: Viewer) -> QuerySet[TemporaryAccount]:
    return scope(TemporaryAccount.objects.select_related("person", "region"), viewer)


# ---------------------------------------------------------------- the contribution certificate


@dataclass(frozen=True)
class Certificate:
    """参保缴费凭证: what a region holds of a person's contributions, for the person to take along."""

    person: InsuredPerson
    region: Region
    relationship: InsuranceRelationship
    months: int
    years: list[dict]
    bases_total: Decimal
    account_balance: Decimal
    issued_on: date

    def as_dict(self) -> dict:
        full_years, rest = divmod(self.months, 12)
        return {"person_name": self.person.name, "document_number": mask_document(self.person.document_number),
                "region_code": self.region.code, "region_name": self.region.name,
                "relationship_state": self.relationship.state, "opened_on": self.relationship.opened_on,
                "state_since": self.relationship.state_since, "months_of_contribution": self.months,
                "years": full_years, "months": rest, "bases_total": f"{self.bases_total:.2f}",
                "by_year": self.years, "account_balance": f"{self.account_balance:.2f}",
                "issued_on": self.issued_on}


def contribution_certificate(viewer: Viewer, *, region_code: str, person_id: int | None = None) -> Certificate:
    """The certificate of a suspended (or transferred) relationship, read through the scoped selectors."""
    relationships = scope(InsuranceRelationship.objects.select_related("person", "region"), viewer)
    if person_id is not None:
        relationships = relationships.filter(person_id=person_id)
    relationship = relationships.filter(region__code=region_code).order_by("-id").first()
    if relationship is None:
        raise NotFound(_("No insurance relationship in region %(region)s is visible to you.")
                       % {"region": region_code},
                       errors=[{"field": "region", "code": "no_relationship", "message": _("No relationship here.")}])
    if relationship.state == RelationshipState.ACTIVE:
        raise Conflict(_("The relationship in %(region)s is active; a certificate is issued once it is suspended.")
                       % {"region": region_code}, type_slug="relationship-not-active", state=relationship.state)
    today = today_in_shanghai()
    figures = region_months(person_id=relationship.person_id, region_id=relationship.region_id,
                            until=today.replace(day=1))
    balance = (PensionAccount.objects.filter(person_id=relationship.person_id)
               .values_list("balance", flat=True).first()) or Decimal("0.00")
    return Certificate(person=relationship.person, region=relationship.region, relationship=relationship,
                       months=figures.months, years=figures.years, bases_total=figures.bases,
                       account_balance=balance, issued_on=today)
