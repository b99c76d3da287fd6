"""Factories for the collection tests (issue 22), shared by the feed, suspense and orders.

`applied_record(...)` builds what the feed leaves behind for a matched credit: a collector file, its
record, the contributions Payment dated the value date (channel collector), allocated as every payment
is, and the Application that ties them. `waiting_record(...)` a record with its money in suspense."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import factory

from collection.models import (
    Application,
    CollectionAccount,
    CollectionTerms,
    CollectorFile,
    CollectorRecord,
    FeedFormat,
    MatchedBy,
    PaymentOrder,
    RecordKind,
    SuspenseItem,
    SuspenseReason,
)
from contributions.allocation import charges_settle, employer_lock
from contributions.models import Payment
from contributions.models.payments import PaymentChannel
from tests.agency.factories import RegionFactory
from tests.employers.factories import EmployerFactory


class CollectionAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionAccount

    region = factory.SubFactory(RegionFactory)
    collector = "国家税务总局上海市税务局"
    bank_name = "中国工商银行上海分行"
    account_number = factory.Sequence(lambda n: f"1001{n:012d}")
    account_name = "社会保险费收入户"
    opened_on = date(2020, 1, 1)


class CollectionTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionTerms
        django_get_or_create = ("region",)

    region = factory.SubFactory(RegionFactory)
    credit_limit = Decimal("10000.00")
    four_eyes_above = Decimal("50000.00")
    order_valid_days = 30


class PaymentOrderFactory(factory.django.DjangoModelFactory):
    """A bare order row (no charges); real ones come from the orders service."""

    class Meta:
        model = PaymentOrder

    employer = factory.SubFactory(EmployerFactory)
    account = factory.SubFactory(CollectionAccountFactory, region=factory.SelfAttribute("..employer.region"))
    reference = factory.Sequence(lambda n: _reference(n))
    amount = Decimal("1000.00")
    issued_on = date(2026, 1, 1)
    valid_until = date(2026, 1, 31)
    actor = "tests"


def _reference(n: int) -> str:
    from collection.references import check_character

    digits = f"{n + 1:013d}"
    return f"SP{digits}{check_character(digits)}"


class CollectorFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectorFile

    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"tests-file-{n}".encode()).hexdigest())
    format = FeedFormat.CSV
    name = factory.Sequence(lambda n: f"collector-{n}.csv")
    actor = "tests"


class CollectorRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectorRecord

    account = factory.SubFactory(CollectionAccountFactory)
    file = factory.SubFactory(CollectorFileFactory)
    line = factory.Sequence(lambda n: n + 2)
    transaction_id = factory.Sequence(lambda n: f"T{n:010d}")
    kind = RecordKind.CREDIT
    value_date = date(2026, 1, 10)
    amount = Decimal("1000.00")
    payer_account = "6222020200001234567"
    payer_name = "上海测试有限公司"
    reference_text = ""


def bank_reference(record: CollectorRecord) -> str:
    """The Payment's bank reference the feed derives from the account and the collector's id."""
    text = f"{record.account.account_number}/{record.transaction_id}"
    if len(text) <= 64:
        return text
    return f"{record.account.account_number}/{hashlib.sha256(record.transaction_id.encode()).hexdigest()[:29]}"


def applied_record(employer, amount, value_date: date, *, account=None, order=None,
                   matched_by: str = MatchedBy.USCC, **record_fields) -> CollectorRecord:
    """A credit record applied to `employer`: the Payment (dated the value date) allocated as the feed does."""
    account = account or CollectionAccountFactory(region=employer.region)
    record = CollectorRecordFactory(account=account, amount=Decimal(str(amount)), value_date=value_date,
                                    payer_name=employer.name, reference_text=record_fields.pop("reference_text",
                                                                                               employer.uscc),
                                    **record_fields)
    employer_lock(employer.pk)
    payment = Payment.objects.create(employer=employer, bank_reference=bank_reference(record), amount=record.amount,
                                     paid_on=value_date, channel=PaymentChannel.COLLECTOR, actor="tests")
    charges_settle(employer_id=employer.pk, actor="tests")
    Application.objects.create(record=record, employer=employer, payment=payment, order=order,
                               matched_by=order and MatchedBy.ORDER or matched_by, amount=record.amount)
    return record


def waiting_record(amount, *, account=None, reason: str = SuspenseReason.UNMATCHED, entered_on: date | None = None,
                   **record_fields) -> SuspenseItem:
    """A credit record that matched nothing: its money waits in suspense."""
    record = CollectorRecordFactory(amount=Decimal(str(amount)), **({"account": account} if account else {}),
                                    **record_fields)
    return SuspenseItem.objects.create(record=record, account_id=record.account_id, amount=record.amount,
                                       reason=reason, entered_on=entered_on or record.value_date)


# --- suspense and reversals (suspense) --------------------------------------------------------------

def record_applied(record: CollectorRecord, employer, *, matched_by: str = MatchedBy.USCC):
    """A credit record `record` matched to `employer`, paid in by the feed's own step
    (collection.applying.record_apply_to: the payment dated the value date and allocated; above the
    region's credit limit the excess waits in suspense). Returns the application."""
    from collection.applying import record_apply_to
    from common.access import Viewer

    return record_apply_to(record, employer_id=employer.pk, amount=record.amount, matched_by=matched_by,
                           actor=Viewer.system())


def record_in_suspense(record: CollectorRecord, *, amount: Decimal | None = None,
                       reason: str = SuspenseReason.UNMATCHED) -> SuspenseItem:
    """A record whose money waits in suspense, entered as the feed enters it (with its event)."""
    from collection.suspense import suspense_enter
    from common.access import Viewer

    return suspense_enter(record, amount=record.amount if amount is None else amount, reason=reason,
                          actor=Viewer.system())


def reversal_of(record: CollectorRecord, *, value_date: date | None = None, amount: Decimal | None = None,
                transaction_id: str | None = None) -> CollectorRecord:
    """The collector's reversal of `record` (a bounced or returned transfer), on the same account."""
    return CollectorRecordFactory(account=record.account, kind=RecordKind.REVERSAL, reverses=record,
                                  value_date=value_date or record.value_date,
                                  amount=record.amount if amount is None else amount,
                                  transaction_id=transaction_id or f"R{record.transaction_id}",
                                  payer_account=record.payer_account, payer_name=record.payer_name,
                                  reference_text=f"退汇 {record.transaction_id}")
