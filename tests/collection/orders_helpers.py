"""Helpers of the payment-order tests: a region's collection account, and collected money as the
feed brings it, committed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import TestCase

from collection.models import Application, CollectionAccount, MatchedBy
from tests.collection.factories import applied_record


def collection_account(region, *, number: str | None = None, opened_on: date = date(2020, 1, 1)) -> CollectionAccount:
    number = number or f"31050161{region.pk:06d}{CollectionAccount.objects.count():04d}"
    return CollectionAccount.objects.create(region=region, collector="国家税务总局上海市黄浦区税务局",
                                            bank_name="中国建设银行上海黄浦支行", account_number=number,
                                            account_name="上海市黄浦区社会保险费专户", opened_on=opened_on)


def collected(employer, account, amount, value_date: date, *, order=None, transaction_id: str | None = None,
              matched_by: str = MatchedBy.USCC) -> Application:
    """Money on `account` for `employer`, applied as the feed applies it (tests/collection/factories.py:
    the payment allocated, then the Application quoting `order`), and its transaction committed: the
    order's state follows after the commit."""
    fields = {"transaction_id": transaction_id} if transaction_id else {}
    if order is not None:
        fields["reference_text"] = f"社保费 {order.reference}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        record = applied_record(employer, Decimal(amount), value_date, account=account, order=order,
                                matched_by=matched_by, **fields)
    return record.applications.get()
