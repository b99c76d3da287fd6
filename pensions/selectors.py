"""Reads of the pension's data, scoped with common.access.scope like every read: the parameters in
force on a day, a person's deemed years, and the inputs of an estimate (months paid per region and year
with their bases, the account balance, the latest month's base)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db.models import QuerySet

from accounts.selectors import accounts_visible
from agency.models import AverageWage, Region
from common.access import Viewer, scope
from insured.models import InsuranceRelationship
from pensions.models import AgeMonthsPolicy, BenefitParameter, DeemedService, Determination, Divisor, LocalSupplement
from transfers.amounts import LatestMonth, latest_paid_months, regions_months_many
from transfers.models import Transfer, TransferState


def deemed_visible(viewer: Viewer) -> QuerySet[DeemedService]:
    return scope(DeemedService.objects.select_related("person", "region", "voucher"), viewer)


def benefit_parameters_visible(viewer: Viewer) -> QuerySet[BenefitParameter]:
    return scope(BenefitParameter.objects.select_related("region"), viewer)


# --- parameters in force ----------------------------------------------------------------------------

def benefit_parameter_before(row: BenefitParameter) -> BenefitParameter | None:
    """What `row` changes: the row of the same year in force the day before it, else the previous year's
    latest (the admin shows the change)."""
    same_year = (BenefitParameter.objects.filter(region_id=row.region_id, year=row.year,
                                                 effective_from__lt=row.effective_from)
                 .order_by("-effective_from", "-id").first())
    return same_year or (BenefitParameter.objects.filter(region_id=row.region_id, year=row.year - 1)
                         .order_by("-effective_from", "-id").first())


@dataclass
class PointParameters:
    """The parameters in force at one retirement month of one region."""

    benefit: BenefitParameter | None
    supplements: list[LocalSupplement]
    divisors: dict[int, Divisor]
    policy: AgeMonthsPolicy | None

    @cached_property
    def months_table(self) -> dict[int, int]:
        """The divisor table as formula.divisor_for reads it (age -> months), built once per point."""
        return {age: row.months for age, row in self.divisors.items()}


def _in_force(rows, month: date, key) -> dict:
    """Per key, the row with the latest effective_from not after `month` (rows ordered by effective_from, id)."""
    found: dict = {}
    for row in rows:
        if row.effective_from <= month:
            found[key(row)] = row
    return found


def parameters_at(*, region_id: int, months: list[date]) -> dict[date, PointParameters]:
    """The parameters in force at each of `months` (first days) in the region, read in four queries."""
    found = parameters_many(months_by_region={region_id: set(months)})
    return {month: found[(region_id, month)] for month in months}


def parameters_many(*, months_by_region: dict[int, set[date]]) -> dict[tuple[int, date], PointParameters]:
    """The parameters in force at each month (first days) of each region, keyed (region, month): four
    queries however many regions and months."""
    region_ids = [pk for pk, months in months_by_region.items() if months]
    if not region_ids:
        return {}
    years = {m.year for months in months_by_region.values() for m in months}
    benefits, extras, policies = {}, {}, {}
    for row in (BenefitParameter.objects.filter(region_id__in=region_ids, year__in=years)
                .order_by("effective_from", "id")):
        benefits.setdefault((row.region_id, row.year), []).append(row)
    for row in (LocalSupplement.objects.filter(region_id__in=region_ids, year__in=years)
                .order_by("effective_from", "id")):
        extras.setdefault((row.region_id, row.year), []).append(row)
    for row in AgeMonthsPolicy.objects.filter(region_id__in=region_ids).order_by("effective_from", "id"):
        policies.setdefault(row.region_id, []).append(row)
    divisors = list(Divisor.objects.order_by("effective_from", "id"))
    out = {}
    for region_id in region_ids:
        for month in sorted(months_by_region[region_id]):
            benefit = _in_force(benefits.get((region_id, month.year), []), month, lambda r: r.year)
            extra = _in_force(extras.get((region_id, month.year), []), month, lambda r: r.name)
            policy = _in_force(policies.get(region_id, []), month, lambda r: r.region_id)
            out[(region_id, month)] = PointParameters(
                benefit=benefit.get(month.year), supplements=[e for e in extra.values() if e.monthly_amount > 0],
                divisors=_in_force(divisors, month, lambda r: r.age), policy=policy.get(region_id))
    return out


def average_wages(*, region_ids: list[int]) -> dict[tuple[int, int], AverageWage]:
    """Each region's average monthly wage per year as last entered, in one query."""
    found: dict[tuple[int, int], AverageWage] = {}
    for row in AverageWage.objects.filter(region_id__in=region_ids).order_by("effective_from", "id"):
        found[(row.region_id, row.year)] = row
    return found


# --- a person's months --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionYear:
    region: Region
    year: int
    months: int
    bases: Decimal


def account_balance(*, person_id: int) -> Decimal:
    account = accounts_visible(Viewer.system()).filter(person_id=person_id).first()
    return account.balance if account else Decimal("0.00")


def latest_month(*, person_id: int, until: date) -> LatestMonth | None:
    """The person's latest paid month up to `until`: its base and the account's credit for it (what "keep
    paying" repeats). One statement, composed from the rules every paid month is counted by."""
    return latest_paid_months(person_ids=[person_id], until=until).get(person_id)


# --- determinations ---------------------------------------------------------------------------------

def determinations_visible(viewer: Viewer) -> QuerySet[Determination]:
    return scope(Determination.objects.select_related("person", "region", "benefit"), viewer)


def person_determination(viewer: Viewer, *, person_id: int) -> Determination | None:
    """The person's pension in force: the latest approved determination (a redetermination replaces the one
    it corrects)."""
    return (determinations_visible(viewer).filter(person_id=person_id, state="approved")
            .order_by("-approved_at", "-id").first())


# --- the inputs of many estimates at once (the yearly statement run) ----------------------------------------

@dataclass
class RangeInputs:
    """What the estimates of a range of persons read, in a fixed number of queries per region (not per person)."""

    paid: dict[int, list[RegionYear]]
    transfers: dict[int, list[Transfer]]
    deemed: dict[int, DeemedService]
    balances: dict[int, Decimal]
    wages: dict[tuple[int, int], AverageWage]
    params: dict[tuple[int, date], PointParameters]


def range_inputs(persons: list, *, until: date, months_by_region: dict[int, set[date]]) -> RangeInputs:
    ids = [p.pk for p in persons]
    relationship_regions: dict[int, set[int]] = {}
    for person_id, region_id in InsuranceRelationship.objects.filter(person_id__in=ids).values_list("person_id",
                                                                                                    "region_id"):
        relationship_regions.setdefault(region_id, set()).add(person_id)
    for p in persons:
        relationship_regions.setdefault(p.region_id, set()).add(p.pk)
    regions = {r.pk: r for r in Region.objects.filter(pk__in=relationship_regions, external=False)}
    paid: dict[int, list[RegionYear]] = {pk: [] for pk in ids}
    # every region's months in one statement; a person's count only in the regions of their relationships
    found = regions_months_many(person_ids=ids, region_ids=list(regions), until=until) if regions else {}
    for region_id in sorted(regions, key=lambda pk: regions[pk].code):
        for person_id in sorted(relationship_regions[region_id]):
            months = found.get((person_id, region_id))
            if months is not None:
                paid[person_id] += [RegionYear(region=regions[region_id], year=row["year"], months=row["months"],
                                               bases=Decimal(row["bases"])) for row in months.years]
    transfers: dict[int, list[Transfer]] = {}
    for transfer in Transfer.objects.filter(person_id__in=ids, state=TransferState.COMPLETED,
                                            from_region__external=True).select_related("from_region"):
        transfers.setdefault(transfer.person_id, []).append(transfer)
    deemed = {row.person_id: row for row in DeemedService.objects.filter(person_id__in=ids).select_related("voucher")
              .order_by("person_id", "-recorded_at", "-id").distinct("person_id")}
    balances = dict(accounts_visible(Viewer.system()).filter(person_id__in=ids).values_list("person_id", "balance"))
    wage_regions = set(regions) | {t.from_region_id for rows in transfers.values() for t in rows}
    params = parameters_many(months_by_region=months_by_region)
    return RangeInputs(paid=paid, transfers=transfers, deemed=deemed, balances=balances,
                       wages=average_wages(region_ids=list(wage_regions)), params=params)
