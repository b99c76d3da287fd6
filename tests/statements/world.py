"""A person with a year of contributions, partly paid, an account with last year's balance and the
year's interest: what a statement reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from accounts.models import AccountEntry, EntryKind
from accounts.postings import entries_post
from common.access import Viewer
from common.outbox import Sent, outbox_send_due
from contributions.models import Payment
from contributions.payments import payment_record
from statements import conductor
from statements.models import RunRange, StatementRun
from statements.queue import EMAILS
from statements.services.generation import statement_range_generate
from statements.services.runs import statement_run_advance, statement_run_start
from tests.accounts.factories import account_for, credit
from tests.agency.factories import OfficeFactory
from tests.builders import portal
from tests.contributions.reads import amounts, file
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

YEAR = 2025
MONTHS = [date(YEAR, m, 1) for m in range(1, 13)]
BASE = D("8000.00")


def pay(employer, amount, paid_on=date(YEAR, 12, 20)):
    return payment_record(employer_id=employer.pk, bank_reference=f"R-{employer.pk}-{Payment.objects.count() + 1}",
                          amount=D(str(amount)), paid_on=paid_on, actor=portal(employer))[0]


def month_total(base=BASE) -> D:
    return sum(amounts(base).values())


@dataclass
class World:
    employer: object
    person: object
    account: object
    office: object


def build(*, paid_months: int = 10, delivery: str = "email") -> World:
    employer = EmployerFactory()
    office = OfficeFactory(region=employer.region, name="测试区社会保险事业管理中心", address="测试路1号")
    extra = {"email": "zhang@example.cn"} if delivery == "email" else {}
    if delivery == "post":
        extra = {"postal_address": "200001 上海市黄浦区南京东路1号"}
    person = PersonFactory(region=employer.region, name="张伟", statement_delivery=delivery, **extra)
    account = account_for(person, opened_on=date(2020, 1, 1))
    credit(account, "5000.00", date(2024, 6, 20))  # last year's money: the opening balance
    for period in MONTHS:
        file(employer, period, {person: BASE})
    pay(employer, month_total() * paid_months)  # settles the oldest months first, which credits the account
    entries_post([AccountEntry(account=account, kind=EntryKind.INTEREST, amount=D("123.45"), posted_on=date(2026, 1, 1),
                               interest_year=YEAR, interest_until_month=12, cause_type="test", actor="test")])
    account.refresh_from_db()
    return World(employer=employer, person=person, account=account, office=office)


def run_year(year: int = YEAR, region=None, *, send: bool = True) -> StatementRun:
    """A whole run as the workers would do it, without the queue."""
    run, _created = statement_run_start(year=year, region=region, actor=Viewer.system())
    for rng in RunRange.objects.filter(run=run):
        statement_range_generate(range_id=rng.pk, actor=Viewer.system())
        if send:
            conductor.emails_send(rng.pk)  # the task each range queues after commit: its own e-mails
    return statement_run_advance(run_id=run.pk, actor=Viewer.system())


def emails_send() -> Sent:
    """Every due statement e-mail, by the one outbox (what the tasks and beat `outboxes-retry` call)."""
    return outbox_send_due(name=EMAILS, actor=Viewer.system())
