"""Demo money: contribution history played once through the real services, so that `make run`
shows declarations, payments, arrears, a provisional (Art. 62) charge and a demo person's
individual account that grows with credits and the 2024 interest (issue 11 item 9, issue 12).

Only `make run`'s `demo_accounts` calls this, after `demo_activity_ensure`, and only once (it does
nothing when the demo region already has declarations). History is played as of past days:
`enrolment_submit(today=)`, `declaration_file(today=)` and `provisional_assess_run(today=)` take the
day of filing, and the money arrives as the collector's files (issue 22, item 9: `Collector`), dated
the value dates the collector reports, so nothing is written by hand except one
demo-only rewrite: the history staff's employments are marked as recorded on the day they were
filed (`Employment.created_at`), as a real portal would have recorded them then; otherwise the
declaration service would treat them as recorded after the months they are declared for.

What it plays, from HISTORY_FROM (July 2024, so the 2024 interest has months to count) to the
latest month whose payment day is past, for a handful of employers of the demo region:
- STAFF_PER_EMPLOYER persons each, enrolled in time (the demo person with a login among the
  first portal employer's), plus whoever the activity enrolled: each month the employer declares
  its whole roll (the declaration service's roll) before the declaration day and pays before the
  payment day: the collector reports the transfers (quoting the employer's USCC) in a CSV file per
  value date, imported through the feed (collection.services.feed), which matches and applies them;
- ROLES: the first portal employer is clean; the second portal employer did not declare the
  latest month and the Art. 62 run assessed it provisionally at 110%; the third employer is in
  arrears (its last ARREARS_MONTHS months are declared, not paid) and paid one earlier month
  LATE_DAYS late with its late fee; the fourth corrected one month (a wage raised);
- in the latest month, a transfer that names no employer (it waits in suspense) and the arrears
  employer's transfer for its oldest unpaid month, returned by the bank two days later (a camt.053
  statement with the reversal: the month is open again, its late fee from the original due day);
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
from collection.models import CollectionAccount, FeedFormat
from collection.services.feed import feed_import
from common.access import Kind, Viewer
from common.dates import month_next
from contributions.fees import Part, late_fee
from contributions.models import Charge, ChargeKind, Declaration, DeclarationSource
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
    files: int = 0
    suspense: int = 0
    reversals: int = 0


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
        collector = Collector(collection_account_ensure(region), played)
        plans = []
        for place, (employer, actor) in enumerate(zip(employers, actors, strict=True)):
            months = _months(_start_of(employer).replace(day=1), latest)
            if place == PROVISIONAL:
                months = months[:-1]  # the latest month is not declared
            plans.append((employer, actor, months, place))
        # Month by month, as it happened: each month's declarations, then the collector's files of the
        # money that arrived before the next month's declarations (a late payment among them).
        for month in _months(min(m[0] for *_e, m, _p in plans if m), latest):
            collector.send(before=month.replace(day=DECLARE_DAY))
            for employer, actor, months, place in plans:
                if month in months:
                    _play_month(employer, actor, months, months.index(month), place, played, collector)
        collector.send()
        if len(employers) > ARREARS:
            _bounced_and_unmatched(employers[ARREARS], collector, latest)
        if len(employers) > PROVISIONAL:
            # Art. 62, run the day after the latest month's declaration day: one provisional charge.
            day_after = terms_for(region.pk).declare_by(latest) + timedelta(days=1)
            played.provisional = provisional_assess_run(today=day_after).assessed
        run = interest_run_start(year=INTEREST_YEAR, actor=Viewer.system())
        run = interest_run_continue(run_id=run.pk)
    return (f"demo money: {played.declarations} declarations ({played.corrections} correction), "
            f"{played.payments} payments from {played.files} collector files ({played.suspense} record in "
            f"suspense, {played.reversals} reversal) at {len(employers)} employers for {staff} history staff from "
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
    # A small demo (the README tests' seed_demo has 120 persons) has fewer candidates than employers x
    # STAFF_PER_EMPLOYER: each employer then gets its share, so the later ones (the second portal
    # employer, whose latest month the Art. 62 run assesses) are not left without staff and history.
    per = min(STAFF_PER_EMPLOYER, max(1, len(candidates) // len(employers)))
    enrolled = 0
    for place, (employer, actor) in enumerate(zip(employers, actors, strict=True)):
        start = _start_of(employer)
        for person in candidates[place * per:(place + 1) * per]:
            first_day = min(start + timedelta(days=rnd.randrange(5)), today)
            event = enrolment_submit(employer=employer, document_number=person.document_number, name=person.name,
                                     start_date=first_day, monthly_wage=Decimal(rnd.randrange(6000, 30000, 100)),
                                     actor=actor, channel=Channel.API, today=first_day)
            # Demo-only rewrite (module docstring): recorded on the day it was filed.
            Employment.objects.filter(pk=event.employment_id).update(
                created_at=timezone.make_aware(datetime.combine(first_day, time(10))))
            enrolled += 1
    return enrolled


def _play_month(employer: Employer, actor: Viewer, months: list[date], index: int, place: int, played: Played,
                collector: Collector) -> None:
    """The employer's month: its declaration (a correction at the corrected employer) and the money it
    sends, which the collector reports (Collector.send)."""
    month = months[index]
    terms = terms_for(employer.region_id)
    unpaid_from = len(months) - ARREARS_MONTHS if place == ARREARS else len(months)
    late_index = len(months) - LATE_MONTHS_BACK if place == ARREARS else -1
    corrected_index = CORRECTION_MONTHS_IN if place == CORRECTED else -1
    wages = roll_wages(employer, month)
    if not wages:
        return
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
        return
    principal = sum((c.amount for c in charges), Decimal("0.00"))
    paid_on = month.replace(day=PAY_DAY)
    amount = principal
    if index == late_index:
        due = terms.due_on(month)
        paid_on = due + timedelta(days=LATE_DAYS)
        amount += sum((late_fee(parts=[Part(c.amount, paid_on)], unpaid=Decimal(0), fee_from=c.fee_from,
                                on=paid_on, rate=terms.late_fee_daily_rate) for c in charges), Decimal("0.00"))
    if amount > 0:
        collector.arrived(employer, amount, paid_on, f"社保费 {month:%Y-%m} {employer.uscc}")


class Collector:
    """The collector's side of the demo: the money that arrived on the region's collection account,
    reported as collector files in the documented CSV layout (one file per value date, all employers'
    transfers of that day), imported through the feed as an operator's command would."""

    def __init__(self, account: CollectionAccount, played: Played):
        self.account = account
        self.played = played
        self.pending: list[tuple[date, str, Decimal, str, str]] = []
        self.count = 0

    def arrived(self, employer: Employer | None, amount: Decimal, value_date: date, text: str,
                payer: str = "") -> str:
        self.count += 1
        transaction_id = f"DEMO{value_date:%Y%m%d}{self.count:05d}"
        self.pending.append((value_date, transaction_id, amount, payer or (employer.name if employer else ""), text))
        return transaction_id

    def send(self, *, before: date | None = None) -> None:
        """Report the money that arrived before `before` (all of it when None), a file per value date."""
        due = sorted(p for p in self.pending if before is None or p[0] < before)
        self.pending = [p for p in self.pending if p not in due]
        for day in sorted({p[0] for p in due}):
            lines = ["account,transaction_id,value_date,amount,payer_account,payer_name,reference,reverses"]
            lines += [f"{self.account.account_number},{txid},{day.isoformat()},{amount},,{payer},{text},"
                      for _d, txid, amount, payer, text in due if _d == day]
            self.file(f"到账-{day:%Y%m%d}.csv", "\n".join(lines).encode(), FeedFormat.CSV)

    def file(self, name: str, content: bytes, format: str) -> None:
        result = feed_import(content=content, format=format, name=name, actor=Viewer.system())
        self.played.files += 1
        self.played.payments += result.applied
        self.played.suspense += result.to_suspense
        self.played.reversals += result.reversals


def collection_account_ensure(region: Region) -> CollectionAccount:
    """The demo region's collection account (reference data a superuser keeps; entered here for the demo)."""
    account, _created = CollectionAccount.objects.get_or_create(
        account_number=f"{region.code}0000000001", defaults=dict(
            region=region, collector="国家税务总局上海市黄浦区税务局", bank_name="中国工商银行上海市黄浦支行",
            account_name="上海市黄浦区社会保险费收入户", opened_on=date(2019, 1, 1)))
    return account


def _bounced_and_unmatched(employer: Employer, collector: Collector, latest: date) -> None:
    """Two records of the latest month: a transfer with no reference that matches no employer (it waits in
    suspense for a clerk), and the arrears employer's transfer for its oldest unpaid month, which the
    bank returned two days later: the collector's camt.053 statement reverses it, so the month is open
    again with its late fee from the original due day."""
    day = latest.replace(day=PAY_DAY)
    collector.arrived(None, Decimal("1234.56"), day, "缴费", payer="黄浦区某个体户")
    periods = sorted(set(Charge.objects.filter(employer=employer, kind=ChargeKind.DECLARED)
                         .values_list("period", flat=True)))
    if not periods:  # a small demo's arrears employer may have declared nothing yet: no transfer to return
        collector.send()
        return
    oldest_unpaid = periods[-min(ARREARS_MONTHS, len(periods))]  # fewer months than that: all are unpaid
    owed = sum(Charge.objects.filter(employer=employer, period=oldest_unpaid, kind=ChargeKind.DECLARED)
               .values_list("amount", flat=True), Decimal("0.00"))
    bounced = collector.arrived(employer, owed, day, f"社保费 {oldest_unpaid:%Y-%m} {employer.uscc}")
    collector.send()
    returned_on = day + timedelta(days=2)
    collector.file(f"statement-{returned_on:%Y%m%d}.xml",
                   camt053_reversal(collector.account, f"R{bounced}", bounced, owed, returned_on), FeedFormat.CAMT053)


def camt053_reversal(account: CollectionAccount, transaction_id: str, reverses: str, amount: Decimal,
                     value_date: date) -> bytes:
    """The bank's statement of the day with one entry: the return of a credit (DBIT, RvslInd true)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>{transaction_id}</MsgId><CreDtTm>{value_date.isoformat()}T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{transaction_id}</Id>
      <Acct><Id><Othr><Id>{account.account_number}</Id></Othr></Id><Ccy>CNY</Ccy></Acct>
      <TxsSummry><TtlNtries><NbOfNtries>1</NbOfNtries><Sum>{amount}</Sum>
        <TtlNetNtry><Amt>{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd></TtlNetNtry></TtlNtries></TxsSummry>
      <Ntry>
        <Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts><ValDt><Dt>{value_date.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{transaction_id}</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><AcctSvcrRef>{reverses}</AcctSvcrRef></Refs>
          <RmtInf><Ustrd>退汇：收款账户状态异常</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def roll_wages(employer: Employer, month: date) -> dict[str, Decimal]:
    """The month's roll (the declaration service's) with each person's wage on their employment."""
    roll = roll_of_month(employer.pk, month)
    wage_of = dict(Employment.objects.filter(employer=employer, person_id__in=[p for p, _at in roll.values()])
                   .order_by("start_date").values_list("person_id", "monthly_wage"))
    return {doc: wage_of[person_id] for doc, (person_id, _at) in roll.items()}
