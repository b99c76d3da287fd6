"""Helpers of the payment-order tests: a region's collection account, and collected money as the
feed brings it (a collector's record, its Payment dated the value date, the Application quoting an
order), so the orders can be tested before and apart from the feed's parsers."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from collection.models import Application, CollectionAccount, CollectorFile, CollectorRecord, MatchedBy
from contributions.allocation import charges_settle, employer_lock
from contributions.models import Payment
from contributions.models.payments import PaymentChannel


def collection_account(region, *, number: str | None = None, opened_on: date = date(2020, 1, 1)) -> CollectionAccount:
    number = number or f"31050161{region.pk:06d}{CollectionAccount.objects.count():04d}"
    return CollectionAccount.objects.create(region=region, collector="国家税务总局上海市黄浦区税务局",
                                            bank_name="中国建设银行上海黄浦支行", account_number=number,
                                            account_name="上海市黄浦区社会保险费专户", opened_on=opened_on)


def collected(employer, account, amount, value_date: date, *, order=None, transaction_id: str | None = None,
              matched_by: str = MatchedBy.ORDER) -> Application:
    """Money on `account` for `employer`, applied as the feed applies it: record, payment, application, allocation."""
    n = CollectorRecord.objects.count() + 1
    transaction_id = transaction_id or f"T{n:08d}"
    file = CollectorFile.objects.create(sha256=hashlib.sha256(transaction_id.encode()).hexdigest(), format="csv",
                                        name=f"collector-{n}.csv", records=1, total=Decimal(amount), actor="tests")
    record = CollectorRecord.objects.create(
        account=account, file=file, line=1, transaction_id=transaction_id, value_date=value_date,
        amount=Decimal(amount), payer_account="6222020000000001", payer_name=employer.name,
        reference_text=order.reference if order else employer.uscc)
    employer_lock(employer.pk)
    payment = Payment.objects.create(employer=employer, bank_reference=f"{account.account_number}/{transaction_id}",
                                     amount=Decimal(amount), paid_on=value_date, channel=PaymentChannel.COLLECTOR,
                                     actor="tests")
    application = Application.objects.create(record=record, employer=employer, payment=payment, order=order,
                                             matched_by=matched_by, amount=Decimal(amount))
    charges_settle(employer_id=employer.pk, actor="tests")
    return application
