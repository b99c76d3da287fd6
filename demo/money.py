"""Demo money: contribution history played once through the real services, so that `make run`
shows declarations, payments, arrears, a provisional (Art. 62) charge and a demo person's
individual account that grows with credits and the 2024 interest (issue 11 item 9, issue 12).

Only `make run`'s `demo_accounts` calls this, after `demo_activity_ensure`, and only once (it does
nothing when the demo region already has declarations). History is played as of past days:
`enrolment_submit(today=)`, `declaration_file(today=)`, `payment_record(paid_on=)` and
`provisional_assess_run(today=)` take the day of filing, so nothing is written by hand except one
demo-only rewrite: the history staff's employments are marked as recorded on the day they were
filed (`Employment.created_at`), as a real portal would have recorded them then; otherwise the
declaration service would treat them as recorded after the months they are declared for.

What it plays, from HISTORY_FROM (July 2024, so the 2024 interest has months to count) to the
latest month whose payment day is past, for a handful of employers of the demo region:
- STAFF_PER_EMPLOYER persons each, enrolled in time (the demo person with a login among the
  first portal employer's), plus whoever the activity enrolled: each month the employer declares
  its whole roll (the declaration service's roll) before the declaration day and pays before the
  payment day;
- ROLES: the first portal employer is clean; the second portal employer did not declare the
  latest month and the Art. 62 run assessed it provisionally at 110%; the third employer is in
  arrears (its last ARREARS_MONTHS months are declared, not paid) and paid one earlier month
  LATE_DAYS late with its late fee; the fourth corrected one month (a wage raised);
- then the 2024 interest run, which credits every account its 2024 interest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.services.interest import interest_run_start
from accounts.tasks import interest_run_continue
from agency.models import Region
from common.access import Kind, Viewer
from common.dates import month_next
from contributions.fees import Part, late_fee
from contributions.models import Declaration, DeclarationSource
from contributions.models.payments import PaymentChannel
from contributions.payments import payment_record
from contributions.selectors.declarations import roll_of_month
from contributions.services.declarations import declaration_file
from contributions.tasks import provisional_assess_run
from contributions.terms import terms_for
from demo.data import HISTORY_FROM
from employers.models import Employer, RegistrationStatus
from employers.services.clients import employer_client_issue
from insured.models import Channel, Employment, InsuredPerson
from insured.services.staffing import enrolment_submit

INTEREST_YEAR = 2024  # the latest year with a published bookkeeping rate (agency/reference_data.py)
EMPLOYERS = 4
STAFF_PER_EMPLOYER = 10
CLEAN, PROVISIONAL, ARREARS, CORRECTED = 0, 1, 2, 3  # the employers' places in the list
ARREARS_MONTHS = 3
LATE_MONTHS_BACK = 6  # the arrears employer paid this month (counted back from the latest) late
LATE_DAYS = 20
DECLARE_DAY = 8  # before the declaration day (region setting, default 10)
PAY_DAY = 12  # before the payment day (default 15)
CORRECTION_MONTHS_IN = 3  # the corrected month: HISTORY_FROM + 3 months
CORRECTION_RAISE = Decimal("1500.00")


@dataclass
class Played:
    declarations: int = 0
    corrections: int = 0
    payments: int = 0
    provisional: int = 0


def _months(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first = month_next(first)
    return months


def latest_month(today: date, region_id: int) -> date:
    """The latest month whose payment day is past: this month after its payment day, else the last."""
    this = today.replace(day=1)
    if today > terms_for(region_id).due_on(this):
        return this
    return (this - timedelta(days=1)).replace(day=1)


def history_employers(region: Region, portal_employers: list[Employer]) -> list[Employer]:
    """The portal employers first, then registered employers of the region established before the history."""
    others = (Employer.objects.filter(region=region, registration_status=RegistrationStatus.REGISTERED,
                                      established_on__lt=HISTORY_FROM)
              .exclude(pk__in=[e.pk for e in portal_employers]).order_by("id"))
    return [*portal_employers, *others[:max(EMPLOYERS - len(portal_employers), 0)]]


def _portal(employer: Employer, client_id: str) -> Viewer:
    return Viewer(Kind.EMPLOYER, employer_id=employer.pk, region_id=employer.region_id, client_id=client_id)


def _hr_system_client(employer: Employer) -> str:
    client, _secret = employer_client_issue(employer=employer, actor=Viewer.system(), label="人事系统")
    return client.application.client_id


def _start_of(employer: Employer) -> date:
    """The first day of this employer's history: HISTORY_FROM, or the day after it was established."""
    return max(HISTORY_FROM, employer.established_on + timedelta(days=1))


def demo_money_ensure(*, region: Region, portal_employers: list[Employer], client_ids: list[str],
                      demo_person: InsuredPerson | None, today: date) -> str | None:
    """Play the history once; returns a one-line summary, or None when it had been played before."""
    if Declaration.objects.filter(employer__region=region).exists() or not portal_employers:
        return None
    rnd = random.Random(2024)
    latest = latest_month(today, region.pk)
    employers = history_employers(region, portal_employers)
    # The other employers' HR systems act through portal clients of their own (issued here), so
    # every row they leave names the employer and its client, never an unknown code.
    actors = [_portal(e, client_ids[n] if n < len(client_ids) else _hr_system_client(e))
              for n, e in enumerate(employers)]
    played = Played()
    with transaction.atomic():
        staff = _history_staff_enrol(employers, actors, demo_person, rnd, today)
        for place, (employer, actor) in enumerate(zip(employers, actors, strict=True)):
            months = _months(_start_of(employer).replace(day=1), latest)
            if place == PROVISIONAL:
                months = months[:-1]  # the latest month is not declared
            _play_employer(employer, actor, months, place, played)
        if len(employers) > PROVISIONAL:
            # Art. 62, run the day after the latest month's declaration day: one provisional charge.
            day_after = terms_for(region.pk).declare_by(latest) + timedelta(days=1)
            played.provisional = provisional_assess_run(today=day_after).assessed
        run = interest_run_start(year=INTEREST_YEAR, actor=Viewer.system())
        run = interest_run_continue(run_id=run.pk)
    return (f"demo money: {played.declarations} declarations ({played.corrections} correction), "
            f"{played.payments} payments at {len(employers)} employers for {staff} history staff from "
            f"{HISTORY_FROM:%Y-%m} to {latest:%Y-%m}; {played.provisional} provisional charge; "
            f"{INTEREST_YEAR} interest posted to {run.accounts_credited} accounts")


def history_eligible(person: InsuredPerson, today: date) -> bool:
    """Adult when the history starts, below 55 today, not yet employed: may be one of the history staff."""
    return (person.birth_date <= HISTORY_FROM.replace(year=HISTORY_FROM.year - 18)
            and person.birth_date > today.replace(year=today.year - 55)
            and not person.employments.exists())


def _history_staff_enrol(employers: list[Employer], actors: list[Viewer], demo_person: InsuredPerson | None,
                         rnd: random.Random, today: date) -> int:
    """STAFF_PER_EMPLOYER persons per employer, each enrolled on their first day (in time)."""
    adult_by = HISTORY_FROM.replace(year=HISTORY_FROM.year - 18)
    candidates = list(InsuredPerson.objects.filter(region=employers[0].region, birth_date__lte=adult_by,
                                                   birth_date__gt=today.replace(year=today.year - 55))
                      .exclude(employments__isnull=False).order_by("id")[:STAFF_PER_EMPLOYER * len(employers)])
    if demo_person is not None and history_eligible(demo_person, today):  # at the first portal employer
        candidates = [demo_person, *(p for p in candidates if p != demo_person)][:len(candidates)]
    enrolled = 0
    for place, (employer, actor) in enumerate(zip(employers, actors, strict=True)):
        start = _start_of(employer)
        for person in candidates[place * STAFF_PER_EMPLOYER:(place + 1) * STAFF_PER_EMPLOYER]:
            first_day = min(start + timedelta(days=rnd.randrange(5)), today)
            event = enrolment_submit(employer=employer, document_number=person.document_number, name=person.name,
                                     start_date=first_day, monthly_wage=Decimal(rnd.randrange(6000, 30000, 100)),
                                     actor=actor, channel=Channel.API, today=first_day)
            # Demo-only rewrite (module docstring): recorded on the day it was filed.
            Employment.objects.filter(pk=event.employment_id).update(
                created_at=timezone.make_aware(datetime.combine(first_day, time(10))))
            enrolled += 1
    return enrolled


def _play_employer(employer: Employer, actor: Viewer, months: list[date], place: int, played: Played) -> None:
    terms = terms_for(employer.region_id)
    unpaid_from = len(months) - ARREARS_MONTHS if place == ARREARS else len(months)
    late_index = len(months) - LATE_MONTHS_BACK if place == ARREARS else -1
    corrected_index = CORRECTION_MONTHS_IN if place == CORRECTED else -1
    for index, month in enumerate(months):
        wages = roll_wages(employer, month)
        if not wages:
            continue
        result = declaration_file(employer_id=employer.pk, period=month, source=DeclarationSource.JSON, actor=actor,
                                  rows=[{"document_number": doc, "wage": str(wage)} for doc, wage in wages.items()],
                                  today=month.replace(day=DECLARE_DAY))
        played.declarations += 1
        charges = list(result.charges)
        if index == corrected_index:
            doc = sorted(wages)[0]
            wages[doc] += CORRECTION_RAISE
            correction = declaration_file(
                employer_id=employer.pk, period=month, source=DeclarationSource.JSON, actor=actor,
                rows=[{"document_number": d, "wage": str(w)} for d, w in wages.items()],
                today=month.replace(day=DECLARE_DAY + 1))
            charges += correction.charges
            played.corrections += 1
        if index >= unpaid_from:
            continue
        principal = sum((c.amount for c in charges), Decimal("0.00"))
        paid_on = month.replace(day=PAY_DAY)
        amount = principal
        if index == late_index:
            due = terms.due_on(month)
            paid_on = due + timedelta(days=LATE_DAYS)
            amount += sum((late_fee(parts=[Part(c.amount, paid_on)], unpaid=Decimal(0), fee_from=c.fee_from,
                                    on=paid_on, rate=terms.late_fee_daily_rate) for c in charges), Decimal("0.00"))
        if amount > 0:
            payment_record(employer_id=employer.pk, bank_reference=f"95588{employer.pk:06d}{month:%Y%m}",
                           amount=amount, paid_on=paid_on, actor=actor, channel=PaymentChannel.API)
            played.payments += 1


def roll_wages(employer: Employer, month: date) -> dict[str, Decimal]:
    """The month's roll (the declaration service's) with each person's wage on their employment."""
    roll = roll_of_month(employer.pk, month)
    wage_of = dict(Employment.objects.filter(employer=employer, person_id__in=[p for p, _at in roll.values()])
                   .order_by("start_date").values_list("person_id", "monthly_wage"))
    return {doc: wage_of[person_id] for doc, (person_id, _at) in roll.items()}
