"""Factories of collection (issue 22), shared by the feed's, suspense's and orders' tests: collection
accounts, collector files and records, and the two ways a record's money lands before the feed
exists (applied to an employer as the feed's matching does, or waiting in suspense)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import factory

from collection.models import (
    Application,
    CollectionAccount,
    CollectorFile,
    CollectorRecord,
    MatchedBy,
    RecordKind,
    SuspenseReason,
)
from collection.suspense import bank_reference_for, suspense_enter
from common.access import Viewer
from contributions.allocation import charges_settle, employer_lock
from contributions.models import Payment, PaymentChannel
from tests.agency.factories import RegionFactory


class CollectionAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionAccount

    region = factory.SubFactory(RegionFactory)
    collector = "国家税务总局上海市黄浦区税务局"
    bank_name = "中国工商银行上海分行"
    account_number = factory.Sequence(lambda n: f"1001{n:012d}")
    account_name = "上海市黄浦区社会保险费专户"
    opened_on = date(2019, 1, 1)


class CollectorFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectorFile

    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"file-{n}".encode()).hexdigest())
    format = "csv"
    name = factory.Sequence(lambda n: f"collector-{n}.csv")
    actor = "tests"


class CollectorRecordFactory(factory.django.DjangoModelFactory):
    """A credit record (money received). For a reversal, use `reversal_of(record)`."""

    class Meta:
        model = CollectorRecord

    account = factory.SubFactory(CollectionAccountFactory)
    file = factory.SubFactory(CollectorFileFactory)
    line = factory.Sequence(lambda n: n + 2)
    transaction_id = factory.Sequence(lambda n: f"T{n:010d}")
    kind = RecordKind.CREDIT
    value_date = date(2026, 1, 10)
    amount = Decimal("1000.00")
    payer_account = "6222020000001234567"
    payer_name = "上海某某有限公司"
    reference_text = "社保费"


def reversal_of(record: CollectorRecord, *, value_date: date | None = None, amount: Decimal | None = None,
                transaction_id: str | None = None) -> CollectorRecord:
    """The collector's reversal of `record` (a bounced or returned transfer), on the same account."""
    return CollectorRecordFactory(account=record.account, kind=RecordKind.REVERSAL, reverses=record,
                                  value_date=value_date or record.value_date,
                                  amount=record.amount if amount is None else amount,
                                  transaction_id=transaction_id or f"R{record.transaction_id}",
                                  payer_account=record.payer_account, payer_name=record.payer_name,
                                  reference_text=f"退汇 {record.transaction_id}")


def record_applied(record: CollectorRecord, employer, *, amount: Decimal | None = None,
                   matched_by: str = MatchedBy.USCC, order=None) -> Application:
    """What the feed's matching does with a matched credit: the employer's payment (channel collector,
    paid on the value date), the application, and the allocation (oldest charge first)."""
    amount = record.amount if amount is None else amount
    employer_lock(employer.pk)
    payment = Payment.objects.create(employer=employer, bank_reference=bank_reference_for(record), amount=amount,
                                     paid_on=record.value_date, channel=PaymentChannel.COLLECTOR, actor="tests")
    application = Application.objects.create(record=record, employer=employer, payment=payment,
                                             matched_by=matched_by, order=order, amount=amount)
    charges_settle(employer_id=employer.pk, actor="tests")
    return application


def record_in_suspense(record: CollectorRecord, *, amount: Decimal | None = None,
                       reason: str = SuspenseReason.UNMATCHED):
    """What the feed's matching does with a record it cannot match: it waits in suspense."""
    return suspense_enter(record, amount=record.amount if amount is None else amount, reason=reason,
                          actor=Viewer.system())
