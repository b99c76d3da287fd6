"""A person's pension estimate (issue 27, item 3): at the statutory retirement month and at the earliest
and latest flexible months, under "stop paying now" and "keep paying at the current base", each part
(pensions.formula) with its inputs and their sources. What it cannot know it names, never guesses: a
benefit base not yet published, an average wage not entered, a divisor for an age with months where the
region set no rule. Below the minimum years it says how many months are missing and the options.

Assumptions it states: balances as of today, without future interest; "keep paying" repeats the latest
month's base and individual pension contribution every month until the month before retirement, indexed
against the latest average wage entered for the person's region.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from agency.deadlines import today_in_shanghai
from common.access import Viewer
from common.display import actor_text
from common.hot_paths import CompiledQuery
from common.problems import Conflict, NotFound
from insured.models import InsuredPerson
from insured.selectors.persons import persons_visible
from pensions import formula, selectors
from pensions.formula import IndexedMonths, Input, Missing, Part
from refunds.retirement import AGE_RULES, minimum_months, person_retirement_category, retirement_age

FLEXIBLE_MONTHS = 36  # 2024 decision: up to three years before the new age (never below the original), or after
STOP, KEEP = "stop", "keep"
EARLIEST, STATUTORY, LATEST = "earliest", "statutory", "latest"
ZERO = Decimal("0.00")


def month_add(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from the month of `start` to the month of `end` (negative when end is earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass
class Scenario:
    basis: str  # stop, keep
    months_paid: int
    months_deemed: int
    months_counted: int
    minimum_months: int
    months_missing: int
    index: Decimal | None
    parts: list[Part] = field(default_factory=list)
    total: Decimal | None = None
    missing: list[Missing] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.months_missing == 0

    @property
    def label(self) -> str:
        return _("stop paying now") if self.basis == STOP else _("keep paying at the current base")


@dataclass
class Point:
    key: str  # earliest, statutory, latest
    month: date
    age_years: int
    age_months: int
    scenarios: list[Scenario]

    @property
    def label(self) -> str:
        return {EARLIEST: _("earliest flexible month"), STATUTORY: _("statutory retirement month"),
                LATEST: _("latest flexible month")}[self.key]


@dataclass
class Estimate:
    person: InsuredPerson
    as_of: date
    balance: Decimal
    points: list[Point]
    notes: list[str]


@dataclass
class _Record:
    """What the person has so far, read once for every point."""

    groups: list[IndexedMonths]
    unknown_months: int  # transferred in without bases
    unknown_missing: list[Missing]
    deemed: int
    deemed_input: Input | None
    balance: Decimal
    latest_base: Decimal | None
    latest_credit: Decimal
    latest_period: date | None
    wages: dict
    home_region_id: int
    as_of_year: int

    @cached_property
    def latest_wage(self):  # AverageWage | None
        """What "keep paying" indexes against: the home region's latest average wage entered (found only
        when a scenario keeps paying: the statement's line never does)."""
        return max((w for (region_id, year), w in self.wages.items()
                    if region_id == self.home_region_id and year <= self.as_of_year),
                   key=lambda w: w.year, default=None)


def _record_inputs(person: InsuredPerson, as_of: date, *,
                   months: list[date] = ()) -> tuple[selectors.RangeInputs, object]:
    """What the person's record is made of, read as the statement run reads a range's (pensions.selectors
    .range_inputs) in one statement (selectors.person_inputs), and the latest month paid."""
    inputs = selectors.person_inputs(person, until=as_of, months=set(months))
    return inputs, selectors.latest_month(person_id=person.pk, until=as_of, latest_year=inputs.latest_year.get(person.pk),
                                          prepared=True)


def _record_from(person: InsuredPerson, as_of: date, inputs: selectors.RangeInputs, latest, *,
                 months: list[date] = ()) -> tuple[_Record, dict[date, selectors.PointParameters]]:
    record = _record_of(person, as_of, paid=inputs.paid[person.pk], transfers=inputs.transfers.get(person.pk, []),
                        wages=inputs.wages, deemed=inputs.deemed.get(person.pk),
                        balance=inputs.balances.get(person.pk, ZERO), latest=latest)
    return record, {month: inputs.params[(person.region_id, month)] for month in months}


def _record(person: InsuredPerson, as_of: date, *,
            months: list[date] = ()) -> tuple[_Record, dict[date, selectors.PointParameters]]:
    """The person's record and the parameters in force at each of `months`, and the latest month paid."""
    inputs, latest = _record_inputs(person, as_of, months=months)
    return _record_from(person, as_of, inputs, latest, months=months)


def _record_of(person: InsuredPerson, as_of: date, *, paid, transfers, wages, deemed, balance, latest) -> _Record:
    """The record from its inputs read already (one person's, or a range's at once)."""
    groups = []
    for row in paid:
        wage = wages.get((row.region.pk, row.year))
        groups.append(IndexedMonths(region=row.region.name, year=row.year, months=row.months, bases=row.bases,
                                    wage=wage.monthly_wage if wage else None))
    unknown, unknown_missing = 0, []
    for transfer in transfers:
        by_year = (transfer.form or {}).get("by_year") or []
        if by_year:
            for row in by_year:
                wage = wages.get((transfer.from_region_id, int(row["year"])))
                groups.append(IndexedMonths(region=transfer.from_region.name, year=int(row["year"]),
                                            months=int(row["months"]), bases=Decimal(row["bases"]),
                                            wage=wage.monthly_wage if wage else None))
        elif transfer.months:
            unknown += transfer.months
            unknown_missing.append(Missing(
                f"transfer_bases:{transfer.pk}",
                _("%(months)s months transferred in from %(region)s carry no bases (the form gave months only): they "
                  "count as years but cannot be indexed.") % {"months": transfer.months,
                                                             "region": transfer.from_region.name}))
    deemed_input = None
    if deemed:
        deemed_input = Input("deemed_months", _("deemed months (视同缴费年限)"), str(deemed.months),
                             source=_("recorded by %(who)s from voucher %(name)s") % {
                                 "who": actor_text(deemed.recorded_by), "name": deemed.voucher.original_name},
                             published_on=deemed.recorded_at.date())
    return _Record(groups=groups, unknown_months=unknown, unknown_missing=unknown_missing,
                   deemed=deemed.months if deemed else 0, deemed_input=deemed_input,
                   balance=balance,
                   latest_base=latest.base if latest else None,
                   latest_credit=latest.credit if latest else ZERO,
                   latest_period=latest.period if latest else None,
                   wages=wages, home_region_id=person.region_id, as_of_year=as_of.year)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _scenario(person: InsuredPerson, record: _Record, *, basis: str, month: date, age: tuple[int, int],
              as_of: date, params: selectors.PointParameters) -> Scenario:
    groups, balance, assumptions = list(record.groups), record.balance, [
        _("Account balance as of %(day)s, without future interest.") % {"day": as_of.isoformat()}]
    missing: list[Missing] = []
    if basis == KEEP:
        start = max(as_of, month_add(record.latest_period, 1)) if record.latest_period else as_of
        future = max(months_between(start, month), 0)
        if record.latest_base is None:
            assumptions.append(_("No month paid yet: there is no current base to keep paying."))
            future = 0
        elif future:
            wage = record.latest_wage
            groups.append(IndexedMonths(region=person.region.name, year=wage.year if wage else as_of.year,
                                        months=future, bases=record.latest_base * future,
                                        wage=wage.monthly_wage if wage else None))
            balance += record.latest_credit * future
            assumptions.append(_("%(n)s more months at the base of %(period)s, %(base)s, crediting %(credit)s a month "
                                 "to the account, indexed against the average wage of %(year)s.") % {
                "n": future, "period": f"{record.latest_period:%Y-%m}", "base": _money(record.latest_base),
                "credit": _money(record.latest_credit), "year": wage.year if wage else as_of.year})
    paid = sum(g.months for g in groups) + record.unknown_months
    counted = paid + record.deemed
    minimum = minimum_months(month.year)
    index, index_missing = formula.contribution_index(groups)
    if record.unknown_months:
        index, index_missing = None, index_missing + record.unknown_missing
    scenario = Scenario(basis=basis, months_paid=paid, months_deemed=record.deemed, months_counted=counted,
                        minimum_months=minimum, months_missing=max(minimum - counted, 0), index=index,
                        assumptions=assumptions)
    if not scenario.eligible:
        scenario.options = [
            _("Keep paying: %(n)s more months reach the minimum of %(years)s years.") % {
                "n": scenario.months_missing, "years": f"{Decimal(minimum) / 12:g}"},
            _("Or, at the retirement age, apply for the lump-sum payment of the individual account (Order No. 13 "
              "of 2011): %(balance)s today.") % {"balance": _money(balance)},
        ]
        return scenario
    region = person.region
    parameter = params.benefit
    base_input = None
    if parameter is None:
        missing.append(Missing(f"benefit_base:{region.code}:{month.year}",
                               _("The benefit base of %(region)s for %(year)s is not published yet.")
                               % {"region": region.name, "year": month.year}))
    else:
        base_input = Input("benefit_base", _("benefit base (计发基数)"), _money(parameter.benefit_base),
                           parameter.source, parameter.published_on)
    index_input = (Input("index", _("average contribution index"), f"{index}",
                         _("%(n)s months paid, each base divided by that year's average wage of its region")
                         % {"n": paid}) if index is not None else None)
    years_input = Input("months", _("months of contribution (paid and deemed)"), str(counted),
                        _("%(paid)s paid + %(deemed)s deemed = %(years)s years %(months)s months")
                        % {"paid": paid, "deemed": record.deemed, "years": counted // 12, "months": counted % 12})
    # basic part
    basic = Part("basic", _("basic part"), None, [i for i in (base_input, index_input, years_input) if i])
    basic.missing = [m for m in missing] + index_missing
    if parameter is not None and index is not None:
        basic.amount = formula.basic_part(benefit_base=parameter.benefit_base, index=index, months=counted)
    # account part
    account = Part("account", _("individual-account part"), None,
                   [Input("balance", _("account balance"), _money(balance), _("the individual account"))])
    table, policy = params.divisors, params.policy
    years, months = age
    divisor, how = formula.divisor_for(years=years, months=months, table=params.months_table,
                                       rule=policy.rule if policy else None, rounding=policy.rounding if policy else "")
    if divisor is None:
        if months and (policy is None or policy.rule == "none"):
            text = _("%(region)s set no rule for the divisor of an age with months: the divisor for %(y)s years %(m)s "
                     "months is not known.") % {"region": region.name, "y": years, "m": months}
        else:
            text = _("The divisor table has no age %(age)s.") % {"age": years}
        account.missing.append(Missing(f"divisor:{years}:{months}", text))
    else:
        row = table.get(years)
        account.inputs.append(Input("divisor", _("months divisor (计发月数)"), f"{divisor}", f"{how}; {row.source}",
                                    row.published_on))
        if months and policy:
            account.inputs.append(Input("age_policy", _("rule for ages with months"), policy.get_rule_display(),
                                        policy.source, policy.published_on))
        account.amount = formula.account_part(balance=balance, divisor=divisor)
    # transitional part
    transitional = Part("transitional", _("transitional part"), ZERO if not record.deemed else None)
    if record.deemed:
        transitional.inputs = [i for i in (record.deemed_input, base_input, index_input) if i]
        transitional.missing = [m for m in missing] + index_missing
        if parameter is not None and parameter.transitional_percent is None:
            transitional.missing.append(Missing(f"transitional:{region.code}:{month.year}",
                                                _("The transitional coefficient of %(region)s for %(year)s is not "
                                                  "published yet.") % {"region": region.name, "year": month.year}))
        elif parameter is not None:
            transitional.inputs.append(Input("transitional_percent", _("transitional coefficient %"),
                                             f"{parameter.transitional_percent}", parameter.source,
                                             parameter.published_on))
            if index is not None:
                transitional.amount = formula.transitional_part(
                    benefit_base=parameter.benefit_base, index=index, deemed_months=record.deemed,
                    percent=parameter.transitional_percent)
    else:
        transitional.inputs = [Input("deemed_months", _("deemed months (视同缴费年限)"), "0", _("none recorded"))]
    # local supplements
    rows = params.supplements
    extra = Part("supplements", _("local supplements"), sum((r.monthly_amount for r in rows), ZERO),
                 [Input(f"supplement:{r.name}", r.name, _money(r.monthly_amount), r.source, r.published_on)
                  for r in rows])
    scenario.parts = [basic, account, transitional, extra]
    seen: dict[str, Missing] = {}
    for part in scenario.parts:
        for item in part.missing:
            seen.setdefault(item.key, item)
    scenario.missing = list(seen.values())
    if all(p.amount is not None for p in scenario.parts):
        scenario.total = sum((p.amount for p in scenario.parts), ZERO)
    return scenario


def _retirement_months(person: InsuredPerson, as_of: date | None) -> tuple[date, list[tuple[str, date]]]:
    """The month the estimate is made in and its points' months (earliest when before the statutory, statutory,
    latest)."""
    as_of = (as_of or today_in_shanghai()).replace(day=1)
    # A man's original age is 60 whatever his post; a woman's (55 cadre, 50 worker) must be recorded.
    category = person_retirement_category(person)
    if not category:
        raise Conflict(_("The person's original retirement-age category is not recorded: the estimate needs it."),
                       type_slug="pension-category-missing")
    statutory = retirement_age(person.birth_date, category).month
    born = person.birth_date.replace(day=1)
    floor = month_add(born, AGE_RULES[category].original_years * 12)
    earliest = max(month_add(statutory, -FLEXIBLE_MONTHS), floor)
    months = [(EARLIEST, earliest)] if earliest < statutory else []
    months += [(STATUTORY, statutory), (LATEST, month_add(statutory, FLEXIBLE_MONTHS))]
    return as_of, months


def _estimate_of(person: InsuredPerson, as_of: date, months: list[tuple[str, date]], record: _Record,
                 params: dict[date, selectors.PointParameters]) -> Estimate:
    born = person.birth_date.replace(day=1)
    points = []
    for key, month in months:
        age = divmod(months_between(born, month), 12)
        points.append(Point(key=key, month=month, age_years=age[0], age_months=age[1], scenarios=[
            _scenario(person, record, basis=basis, month=month, age=age, as_of=as_of, params=params[month])
            for basis in (STOP, KEEP)]))
    notes = [_("An estimate, not a decision: the pension is determined at retirement from the figures then.")]
    return Estimate(person=person, as_of=as_of, balance=record.balance, points=points, notes=notes)


def estimate_compute(person: InsuredPerson, *, as_of: date | None = None, keep_base: Decimal | None = None,
                     keep_credit: Decimal | None = None) -> Estimate:
    """The estimate of `person` (already scoped by the caller) as of the month of `as_of` (today).
    `keep_base` and `keep_credit` replace the latest month's base and account credit in the "keep
    paying" scenarios (issue 28: the flexible worker's planner asks "what if I paid on this base")."""
    as_of, months = _retirement_months(person, as_of)
    record, params = _record(person, as_of, months=[month for _key, month in months])
    if keep_base is not None:
        record.latest_base, record.latest_credit = keep_base, keep_credit or ZERO
        record.latest_period = record.latest_period or month_add(as_of, -1)
    return _estimate_of(person, as_of, months, record, params)


def _person_visible(viewer: Viewer, person_id: int) -> InsuredPerson:
    person = persons_visible(viewer).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No such person in your region."))
    return person


# The same read compiled once per kind of viewer and run as a prepared statement (common.hot_paths): the
# estimate over the API reads the person on every request.
_person_compiled = CompiledQuery(lambda viewer, pk: persons_visible(viewer).filter(pk=pk), types=(int,))


def estimate_for(viewer: Viewer, *, person_id: int, as_of: date | None = None) -> Estimate:
    """The estimate of a person the viewer may see (a person: their own; a clerk: their region's)."""
    return estimate_compute(_person_visible(viewer, person_id), as_of=as_of)


# --- the rendered estimate kept on its inputs (issue 27 benchmarks: the single estimate over the API) ---------
#
# An estimate is a function of what it reads: the person's row, their paid months per region and year, the
# latest month, transfers in, deemed months, the balance, the parameters (named by their version,
# pensions.selectors.parameters_version), the month it is made in and the language of its texts. Those are
# read on every request, as before; what they give is the key of the rendered body, kept in the process. A
# request whose inputs equal an earlier one's answers that body without computing the six scenarios again; a
# changed ledger, parameter, person row or month is a new key, so nothing has to be invalidated and nothing
# answered is ever stale. Kept: the PENSION_ESTIMATE_KEPT most recently used bodies of each process (0: none).

_kept: OrderedDict = OrderedDict()
_kept_lock = threading.Lock()


def _inputs_key(person: InsuredPerson, as_of: date, inputs: selectors.RangeInputs, latest) -> tuple:
    """Every value the estimate of `person` reads, as read this request (see above)."""
    deemed = inputs.deemed.get(person.pk)
    return (
        translation.get_language(), as_of, inputs.version,
        (person.pk, person.birth_date, person.sex, person.original_retirement_age, person.region_id,
         person.region.code, person.region.name),
        tuple((row.region.pk, row.region.code, row.region.name, row.year, row.months, row.bases)
              for row in inputs.paid[person.pk]),
        tuple((t.pk, t.from_region_id, t.from_region.name, t.months, json.dumps(t.form, sort_keys=True, default=str))
              for t in inputs.transfers.get(person.pk, [])),
        (deemed.pk, deemed.months, actor_text(deemed.recorded_by), deemed.voucher.original_name, deemed.recorded_at)
        if deemed else None,
        inputs.balances.get(person.pk, ZERO),
        (latest.period, latest.base, latest.credit) if latest else None,
    )


def estimate_rendered(viewer: Viewer, *, person_id: int, render: Callable[[Estimate], object],
                      as_of: date | None = None):
    """`render(estimate)` of the estimate of a person the viewer may see, kept on the estimate's inputs: the
    same inputs answer the same rendering without computing it again (see above). `render` must depend on the
    estimate only."""
    found = _person_compiled.instances(viewer, person_id)
    if not found:
        raise NotFound(_("No such person in your region."))
    person = found[0]
    as_of, months = _retirement_months(person, as_of)
    size = settings.PENSION_ESTIMATE_KEPT
    inputs, latest = _record_inputs(person, as_of, months=[month for _key, month in months])
    key = (render, _inputs_key(person, as_of, inputs, latest)) if size else None
    if key is not None:
        with _kept_lock:
            found = _kept.get(key)
            if found is not None:
                _kept.move_to_end(key)
                return found
    record, params = _record_from(person, as_of, inputs, latest, months=[month for _key, month in months])
    rendered = render(_estimate_of(person, as_of, months, record, params))
    if key is not None:
        with _kept_lock:
            _kept[key] = rendered
            while len(_kept) > size:
                _kept.popitem(last=False)
    return rendered


def determination_scenario(person: InsuredPerson, *, month: date, as_of: date,
                           params: selectors.PointParameters) -> tuple[Scenario, tuple[int, int]]:
    """The "stop paying now" scenario at `month` with `params` (the determination at retirement: what
    the person has, nothing more), and the age at `month`."""
    age = divmod(months_between(person.birth_date.replace(day=1), month), 12)
    record, _params = _record(person, as_of)
    return _scenario(person, record, basis=STOP, month=month, age=age, as_of=as_of, params=params), age


# --- the line on the yearly statement (issue 27 item 4) -------------------------------------------------------

def _statutory(person: InsuredPerson) -> date | None:
    category = person_retirement_category(person)
    return retirement_age(person.birth_date, category).month if category else None


def statement_estimates(persons: list[InsuredPerson], *, as_of: date) -> dict[int, dict | None]:
    """Each person's estimate at the statutory retirement month, stopping paying now, as the statement
    prints it (Chinese text, money as text): its month and age, the total and parts, or the months missing,
    or what parameter is missing; and the assumptions. None for a person past the month (their pension is
    determined) or without an original-age category. The inputs are read for all `persons` at once
    (pensions.selectors.range_inputs): a fixed number of queries per region, not per person."""
    as_of = as_of.replace(day=1)
    months = {p.pk: _statutory(p) for p in persons}
    wanted = [p for p in persons if months[p.pk] is not None and months[p.pk] >= as_of]
    by_region: dict[int, set[date]] = {}
    for p in wanted:
        by_region.setdefault(p.region_id, set()).add(months[p.pk])
    found: dict[int, dict | None] = {p.pk: None for p in persons}
    if not wanted:
        return found
    inputs = selectors.range_inputs(wanted, until=as_of, months_by_region=by_region)
    with translation.override("zh-hans"):
        for person in wanted:
            month = months[person.pk]
            record = _record_of(person, as_of, paid=inputs.paid[person.pk],
                                transfers=inputs.transfers.get(person.pk, []), wages=inputs.wages,
                                deemed=inputs.deemed.get(person.pk), balance=inputs.balances.get(person.pk, ZERO),
                                latest=None)
            age = divmod(months_between(person.birth_date.replace(day=1), month), 12)
            scenario = _scenario(person, record, basis=STOP, month=month, age=age, as_of=as_of,
                                 params=inputs.params[(person.region_id, month)])
            found[person.pk] = {
                "month": f"{month:%Y-%m}", "age": [age[0], age[1]],
                "total": _money(scenario.total) if scenario.total is not None else None,
                "parts": [[p.key, _money(p.amount) if p.amount is not None else None] for p in scenario.parts],
                "months_counted": scenario.months_counted, "months_missing": scenario.months_missing,
                "missing": [m.text for m in scenario.missing],
                "assumptions": [str(a) for a in scenario.assumptions]}
    return found
