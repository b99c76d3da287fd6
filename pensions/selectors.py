"""Reads of the pension's data, scoped with common.access.scope like every read: the parameters in
force on a day, a person's deemed years, and the inputs of an estimate (months paid per region and year
with their bases, the account balance, the latest month's base)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import QuerySet

from accounts.selectors import accounts_visible
from agency.models import AverageWage, Document, Region
from common.access import Viewer, scope
from common.hot_paths import fetch_prepared
from insured.models import InsuranceRelationship
from pensions.models import AgeMonthsPolicy, BenefitParameter, DeemedService, Determination, Divisor, LocalSupplement
from pensions.paid_years import PaidMonths, paid_years_after, paid_years_read
from transfers.amounts import LatestMonth, latest_paid_months
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


# The parameter tables are append-only (their triggers refuse an update or a delete, the average wages' admin
# only adds): the largest id and the count of each table name their last change. What was read for one such
# version is kept in the process (the tables change a few times a year, the estimates read them on every
# request) and read again once any table has a new row: no entry point has to remember to invalidate it.
_VERSION_SQL = "SELECT " + ", ".join(
    f"(SELECT row(max(id), count(*))::text FROM {table})"
    for table in ("pensions_benefitparameter", "pensions_localsupplement", "pensions_agemonthspolicy",
                  "pensions_divisor", "agency_averagewage"))
_cache: dict = {"version": None}
_cache_lock = threading.Lock()


def parameters_version() -> tuple:
    """The parameters' version: the last change of each of their tables (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        return cursor.fetchone()


def _cached(kind: str, key, load, *, version: tuple | None = None):
    """`load()` as read at the parameters' current version (`version` when the caller read it already)."""
    version = version if version is not None else parameters_version()
    with _cache_lock:
        if _cache["version"] != version:
            _cache.clear()
            _cache["version"] = version
        found = _cache.get((kind, key), _cache)
    if found is _cache:
        found = load()
        with _cache_lock:
            if _cache["version"] == version:
                _cache[(kind, key)] = found
    return found


def _many_cached(kind: str, keys: list, load_many, *, version: tuple) -> dict:
    """{key: value} for `keys` at `version`: those not kept yet read at once by `load_many(missing keys)`, which
    answers {key: value} for each of them."""
    with _cache_lock:
        if _cache["version"] != version:
            _cache.clear()
            _cache["version"] = version
        found = {key: _cache[(kind, key)] for key in keys if (kind, key) in _cache}
    missing = [key for key in keys if key not in found]
    if missing:
        loaded = load_many(missing)
        with _cache_lock:
            if _cache["version"] == version:
                _cache.update({(kind, key): value for key, value in loaded.items()})
        found.update(loaded)
    return found


def _regions_parameters(region_ids: list[int]) -> dict[int, tuple[dict, dict, list]]:
    """Each region's benefit bases and supplements by year and its age rules: three queries for all."""
    found = {pk: ({}, {}, []) for pk in region_ids}
    for row in BenefitParameter.objects.filter(region_id__in=region_ids).order_by("effective_from", "id"):
        found[row.region_id][0].setdefault(row.year, []).append(row)
    for row in LocalSupplement.objects.filter(region_id__in=region_ids).order_by("effective_from", "id"):
        found[row.region_id][1].setdefault(row.year, []).append(row)
    for row in AgeMonthsPolicy.objects.filter(region_id__in=region_ids).order_by("effective_from", "id"):
        found[row.region_id][2].append(row)
    return found


def parameters_many(*, months_by_region: dict[int, set[date]],
                    version: tuple | None = None) -> dict[tuple[int, date], PointParameters]:
    """The parameters in force at each month (first days) of each region, keyed (region, month): read once per
    version of the parameters (`_cached`), for every region not read yet in three queries, and one statement
    for the version."""
    region_ids = [pk for pk, months in months_by_region.items() if months]
    if not region_ids:
        return {}
    version = version if version is not None else parameters_version()
    divisors = _cached("divisors", None, lambda: list(Divisor.objects.order_by("effective_from", "id")),
                       version=version)
    regions = _many_cached("region", sorted(region_ids), _regions_parameters, version=version)
    out = {}
    for region_id in region_ids:
        benefits, extras, policies = regions[region_id]
        for month in sorted(months_by_region[region_id]):
            out[(region_id, month)] = _cached(
                "point", (region_id, month), lambda m=month, b=benefits, e=extras, p=policies: _point(m, b, e, p, divisors),
                version=version)
    return out


def _point(month: date, benefits: dict, extras: dict, policies: list, divisors: list) -> PointParameters:
    benefit = _in_force(benefits.get(month.year, []), month, lambda r: r.year)
    extra = _in_force(extras.get(month.year, []), month, lambda r: r.name)
    policy = _in_force(policies, month, lambda r: r.region_id)
    return PointParameters(benefit=benefit.get(month.year),
                           supplements=[e for e in extra.values() if e.monthly_amount > 0],
                           divisors=_in_force(divisors, month, lambda r: r.age),
                           policy=next(iter(policy.values()), None))


def average_wages(*, region_ids: list[int], version: tuple | None = None) -> dict[tuple[int, int], AverageWage]:
    """Each region's average monthly wage per year as last entered (read once per version: one query for the
    regions not read yet)."""
    version = version if version is not None else parameters_version()
    found: dict[tuple[int, int], AverageWage] = {}
    for wages in _many_cached("wages", sorted(region_ids), _regions_wages, version=version).values():
        found.update(wages)
    return found


def _regions_wages(region_ids: list[int]) -> dict[int, dict[tuple[int, int], AverageWage]]:
    found: dict[int, dict[tuple[int, int], AverageWage]] = {pk: {} for pk in region_ids}
    for row in AverageWage.objects.filter(region_id__in=region_ids).order_by("effective_from", "id"):
        found[row.region_id][(row.region_id, row.year)] = row
    return found


# --- a person's months --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RegionYear:
    region: Region
    year: int
    months: int
    bases: Decimal


def account_balance(*, person_id: int) -> Decimal:
    account = accounts_visible(Viewer.system()).filter(person_id=person_id).first()
    return account.balance if account else Decimal("0.00")


def latest_month(*, person_id: int, until: date, latest_year: int | None = None,
                 prepared: bool = False) -> LatestMonth | None:
    """The person's latest paid month up to `until`: its base and the account's credit for it (what "keep
    paying" repeats). One statement, composed from the rules every paid month is counted by; with
    `latest_year` (the year of their latest paid month, RangeInputs.latest_year), it reads that year on."""
    since = date(1900, 1, 1) if latest_year is None else date(latest_year, 1, 1)
    return latest_paid_months(person_ids=[person_id], until=until, since=since, prepared=prepared).get(person_id)


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
    latest_year: dict[int, int]  # the year of each person's latest paid month, in any region
    version: tuple  # the parameters' version the wages and params were read at (parameters_version)


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
    # every region's months in two statements (the years summed already, then the ledger after them:
    # pensions.paid_years); a person's count only in the regions of their relationships
    found: dict[tuple[int, int], list[PaidMonths]] = {}
    latest_year: dict[int, int] = {}
    if regions:
        for person_id, rows in paid_years_read(person_ids=ids, until=until).items():
            if rows:
                latest_year[person_id] = max(row[1] for row in rows)
            for row in rows:
                found.setdefault((person_id, row[0]), []).append(row)
    for region_id in sorted(regions, key=lambda pk: regions[pk].code):
        region = regions[region_id]
        for person_id in sorted(relationship_regions[region_id]):
            paid[person_id] += [RegionYear(region, year, months, bases)
                                for _region_id, year, months, bases in found.get((person_id, region_id), ())]
    transfers: dict[int, list[Transfer]] = {}
    for transfer in Transfer.objects.filter(person_id__in=ids, state=TransferState.COMPLETED,
                                            from_region__external=True).select_related("from_region"):
        transfers.setdefault(transfer.person_id, []).append(transfer)
    deemed = {row.person_id: row for row in DeemedService.objects.filter(person_id__in=ids).select_related("voucher")
              .order_by("person_id", "-recorded_at", "-id").distinct("person_id")}
    balances = dict(accounts_visible(Viewer.system()).filter(person_id__in=ids).values_list("person_id", "balance"))
    wage_regions = set(regions) | {t.from_region_id for rows in transfers.values() for t in rows}
    version = parameters_version()
    params = parameters_many(months_by_region=months_by_region, version=version)
    return RangeInputs(paid=paid, transfers=transfers, deemed=deemed, balances=balances,
                       wages=average_wages(region_ids=list(wage_regions), version=version), params=params,
                       latest_year=latest_year, version=version)


# --- the inputs of one person's estimate in one statement (the estimate over the API) -------------------------
#
# What range_inputs reads for a range, for one person in one round trip (issue 27 benchmarks: six ORM queries
# compiled per request were a third of a request): the regions of their relationships and their home region,
# their rows of the years that are over, their transfers in from outside, their latest deemed months, the
# balance and the parameters' version. The same rows, the same order as range_inputs: tests/pensions pin
# that the two give the same estimate.
_PERSON_SQL = f"""
SELECT
 (SELECT coalesce(jsonb_agg(jsonb_build_array(r.id, r.code, r.name) ORDER BY r.code), '[]'::jsonb)
  FROM agency_region r
  WHERE NOT r.external AND (r.id = %(region)s OR r.id IN (SELECT ir.region_id FROM insured_insurancerelationship ir
                                                          WHERE ir.person_id = %(person)s))),
 (SELECT coalesce(jsonb_agg(jsonb_build_array(y.year, y.regions)), '[]'::jsonb)
  FROM pensions_paidyear y WHERE y.person_id = %(person)s AND y.year < %(year)s),
 (SELECT coalesce(jsonb_agg(jsonb_build_array(t.id, t.from_region_id, fr.name, t.months, t.form)
                            ORDER BY t.created_at DESC, t.id DESC), '[]'::jsonb)
  FROM transfers_transfer t JOIN agency_region fr ON fr.id = t.from_region_id
  WHERE t.person_id = %(person)s AND t.state = %(completed)s AND fr.external),
 d.id, d.months, d.recorded_by, d.recorded_at, d.region_id, d.voucher_id, d.original_name,
 (SELECT a.balance FROM accounts_pensionaccount a WHERE a.person_id = %(person)s),
 {_VERSION_SQL.removeprefix("SELECT ")}
FROM (SELECT 1) one LEFT JOIN (
    SELECT d.id, d.months, d.recorded_by, d.recorded_at, d.region_id, d.voucher_id, v.original_name
    FROM pensions_deemedservice d JOIN agency_document v ON v.id = d.voucher_id
    WHERE d.person_id = %(person)s ORDER BY d.recorded_at DESC, d.id DESC LIMIT 1
) d ON true
"""


def person_inputs(person, *, until: date, months: set[date]) -> RangeInputs:
    """range_inputs([person], until=until, months_by_region={person.region_id: months}) in one statement and the
    ledger after the person's latest year (pensions.paid_years)."""
    (region_rows, year_rows, transfer_rows, deemed_id, deemed_months, recorded_by, recorded_at, deemed_region,
     voucher_id, voucher_name, balance, *version), = fetch_prepared(connection.alias, _PERSON_SQL, {
        "person": person.pk, "region": person.region_id, "year": until.year, "completed": TransferState.COMPLETED})
    # Django leaves jsonb as its text (JSONField parses it): the three lists are parsed here
    region_rows, year_rows, transfer_rows = (json.loads(v) if isinstance(v, str) else v
                                             for v in (region_rows, year_rows, transfer_rows))
    regions = {pk: Region(pk=pk, code=code, name=name, external=False) for pk, code, name in region_rows}
    rows = [(person.pk, year, None, None, None) for year, paid in year_rows if not paid]
    rows += [(person.pk, year, region_id, months_paid, Decimal(bases))
             for year, paid in year_rows for region_id, months_paid, bases in paid]
    paid_rows = (paid_years_after(person_ids=[person.pk], rows=rows, until=until, prepared=True)[person.pk]
                 if regions else [])
    latest_year = {person.pk: max(row[1] for row in paid_rows)} if paid_rows else {}
    paid = [RegionYear(regions[region_id], year, months_paid, bases)
            for region_id in sorted(regions, key=lambda pk: regions[pk].code)
            for found_region, year, months_paid, bases in paid_rows if found_region == region_id]
    transfers = [Transfer(pk=pk, person_id=person.pk, from_region=Region(pk=from_id, name=name, external=True),
                          months=months_in, form=form, state=TransferState.COMPLETED)
                 for pk, from_id, name, months_in, form in transfer_rows]
    deemed = {}
    if deemed_id is not None:
        deemed = {person.pk: DeemedService(pk=deemed_id, person_id=person.pk, region_id=deemed_region,
                                           months=deemed_months, recorded_by=recorded_by, recorded_at=recorded_at,
                                           voucher=Document(pk=voucher_id, original_name=voucher_name))}
    version = tuple(version)
    wage_regions = set(regions) | {t.from_region_id for t in transfers}
    return RangeInputs(paid={person.pk: paid}, transfers={person.pk: transfers} if transfers else {}, deemed=deemed,
                       balances={person.pk: balance} if balance is not None else {},
                       wages=average_wages(region_ids=list(wage_regions), version=version),
                       params=parameters_many(months_by_region={person.region_id: set(months)}, version=version),
                       latest_year=latest_year, version=version)
