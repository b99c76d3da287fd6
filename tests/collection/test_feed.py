"""The collection feed (issue 22, items 2, 3, 6, 8): collector files matched and applied, idempotent
re-imports, a conflicting resend, overpayment, and malformed files refused whole."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from agency.deadlines import today_in_shanghai
from collection.feeds import FeedRefused
from collection.models import (
    Application,
    CollectorFile,
    CollectorRecord,
    RecordConflict,
    SuspenseItem,
)
from collection.services.feed import feed_import
from common.access import Kind, Viewer
from common.problems import Forbidden
from contributions.models import Charge, ChargeKind, Payment
from contributions.selectors.payments import arrears_of
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.collection.factories import CollectionAccountFactory, CollectionTermsFactory, PaymentOrderFactory
from tests.collection.feed import camt053, csv_file
from tests.contributions.charges import declare
from tests.employers.factories import EmployerFactory

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()


@pytest.fixture
def world():
    region = RegionFactory()
    account = CollectionAccountFactory(region=region, opened_on=date(2020, 1, 1))
    employer = EmployerFactory(region=region)
    declare(employer, date(2026, 1, 1), "1000.00", due_on=date(2026, 1, 15))
    return account, employer


def _import(content, fmt="csv", actor=SYSTEM):
    return feed_import(content=content, format=fmt, actor=actor, name="t")


def _arrears(employer, on=date(2026, 3, 1)):
    return arrears_of(SYSTEM, employer_id=employer.pk, on=on)


def test_a_record_quoting_the_employers_uscc_pays_its_charge_dated_the_value_date_with_the_late_fee(world):
    account, employer = world
    # Ten days after the due day: 1000.00 x 0.05% x 10 = 5.00 late fee, paid with it.
    result = _import(csv_file((account.account_number, "TX-1", "2026-01-25", "1005.00", f"社保费 {employer.uscc}")))
    assert (result.stored, result.applied, result.to_suspense) == (1, 1, 0)
    payment = Payment.objects.get()
    assert payment.paid_on == date(2026, 1, 25) and payment.channel == "collector"
    assert payment.bank_reference == f"{account.account_number}/TX-1" and payment.amount == D("1005.00")
    assert Charge.objects.get(kind=ChargeKind.LATE_FEE).amount == D("5.00")
    application = Application.objects.get()
    assert application.matched_by == "uscc" and application.employer == employer
    assert _arrears(employer).total == D("0.00") and _arrears(employer).credit == D("0.00")


def test_a_record_quoting_a_payment_reference_matches_its_order_before_any_uscc(world):
    account, employer = world
    other = EmployerFactory(region=employer.region)
    order = PaymentOrderFactory(employer=employer, account=account)
    text = f"付款 {order.reference[:6]} {order.reference[6:]} {other.uscc}"  # spaces forgiven; the order wins
    _import(csv_file((account.account_number, "TX-2", "2026-01-10", "1000.00", text)))
    application = Application.objects.get()
    assert application.matched_by == "order" and application.order == order and application.employer == employer
    assert _arrears(employer).total == D("0.00")


@pytest.mark.parametrize("text,reason", [
    ("no reference at all", "unmatched"),
    ("SP0000000000001X", "unmatched"),  # a reference failing its check character matches nothing
    ("two employers", "ambiguous"),
    ("an employer of another region", "unmatched"),
])
def test_a_record_that_names_no_one_or_two_employers_waits_in_suspense(world, text, reason):
    account, employer = world
    if text == "two employers":
        text = f"{employer.uscc} {EmployerFactory(region=employer.region).uscc}"
    elif text == "an employer of another region":
        text = EmployerFactory().uscc
    result = _import(csv_file((account.account_number, "TX-3", "2026-01-10", "700.00", text)))
    assert (result.applied, result.to_suspense) == (0, 1)
    item = SuspenseItem.objects.get()
    assert item.amount == D("700.00") and item.reason == reason and item.state == "waiting"
    assert not Payment.objects.exists() and _arrears(employer).principal == D("1000.00")


def test_the_same_file_again_and_a_known_record_in_another_file_change_nothing(world):
    account, employer = world
    content = csv_file((account.account_number, "TX-4", "2026-01-10", "400.00", employer.uscc))
    first = _import(content)
    again = _import(content)
    assert first.created and not again.created and again.file == first.file
    later = _import(csv_file((account.account_number, "TX-4", "2026-01-10", "400.00", employer.uscc),
                             (account.account_number, "TX-5", "2026-01-11", "600.00", employer.uscc)))
    assert (later.stored, later.seen_before, later.applied) == (1, 1, 1)
    assert CollectorFile.objects.count() == 2 and CollectorRecord.objects.count() == 2
    assert list(Payment.objects.order_by("id").values_list("amount", flat=True)) == [D("400.00"), D("600.00")]


def test_a_known_record_sent_again_with_another_amount_is_a_conflict_and_nothing_is_applied(world):
    account, employer = world
    _import(csv_file((account.account_number, "TX-6", "2026-01-10", "100.00", employer.uscc)))
    resend = _import(csv_file((account.account_number, "TX-6", "2026-01-10", "900.00", employer.uscc)))
    assert (resend.stored, resend.conflicts, resend.applied) == (0, 1, 0)
    conflict = RecordConflict.objects.get()
    assert conflict.amount == D("900.00") and conflict.record.amount == D("100.00")
    assert Payment.objects.get().amount == D("100.00") and _arrears(employer).principal == D("900.00")


def test_an_overpayment_stays_credit_up_to_the_regions_limit_and_the_rest_waits_in_suspense(world):
    account, employer = world
    CollectionTermsFactory(region=employer.region, credit_limit=D("100.00"))
    _import(csv_file((account.account_number, "TX-7", "2026-01-10", "1500.00", employer.uscc)))
    payment = Payment.objects.get()
    assert payment.amount == D("1100.00") and Application.objects.get().amount == D("1100.00")
    item = SuspenseItem.objects.get()
    assert item.amount == D("400.00") and item.reason == "overpayment"
    assert _arrears(employer).total == D("0.00") and _arrears(employer).credit == D("100.00")


def test_a_record_within_the_credit_limit_is_kept_whole_as_credit(world):
    account, employer = world
    _import(csv_file((account.account_number, "TX-8", "2026-01-10", "1500.00", employer.uscc)))
    assert Payment.objects.get().amount == D("1500.00") and not SuspenseItem.objects.exists()
    assert _arrears(employer).credit == D("500.00")


def test_a_malformed_file_is_refused_whole_with_every_bad_line_named_and_nothing_stored(world):
    account, employer = world
    tomorrow = (today_in_shanghai() + timedelta(days=1)).isoformat()
    n = account.account_number
    content = csv_file(
        (n, "OK-1", "2026-01-10", "100.00", employer.uscc),   # line 2: good, but the file is refused
        (n, "BAD-1", tomorrow, "100.00"),                      # 3: the future
        (n, "BAD-2", "2019-12-31", "100.00"),                  # 4: before the account was opened
        ("999999999", "BAD-3", "2026-01-10", "100.00"),        # 5: no such account
        (n, "BAD-4", "2026-01-10", "-100.00"),                 # 6: negative, reverses nothing
        (n, "BAD-5", "2026-01-10", "1.005"),                   # 7: a third decimal
        (n, "BAD-6", "2026-02-30", "0"),                       # 8: no such day, and zero
        (n, "OK-1", "2026-01-10", "100.00"),                   # 9: the id again
        total=(9, "999.00"))                                   # 10: one record too many
    with pytest.raises(FeedRefused) as refused:
        _import(content)
    faults = {(e["row"], e["field"], e["code"]) for e in refused.value.errors}
    assert faults == {(3, "value_date", "future"), (4, "value_date", "before_account"), (5, "account", "unknown"),
                      (6, "reverses", "required"), (7, "amount", "invalid"), (8, "value_date", "invalid"),
                      (8, "amount", "not_positive"), (9, "transaction_id", "duplicate"),
                      (None, "total_count", "totals")}
    assert refused.value.extra["total_errors"] == len(faults)
    assert not CollectorFile.objects.exists() and not CollectorRecord.objects.exists()
    assert not Payment.objects.exists()


@pytest.mark.parametrize("content,code", [
    (b"account,transaction_id,value_date\nX,Y,2026-01-01\n", "missing_column"),
    (b"account,transaction_id,value_date,amount,colour\n", "unknown_column"),
    (b"\xff\xfeaccount", "encoding"),
    (b"", "empty"),
    ("totals", "totals"),
])
def test_a_file_that_is_not_the_layout_is_refused(world, content, code):
    if content == "totals":
        account, employer = world
        content = csv_file((account.account_number, "T-1", "2026-01-10", "100.00"), total=(1, "100.01"))
    with pytest.raises(FeedRefused) as refused:
        _import(content)
    assert code in {e["code"] for e in refused.value.errors}


def test_a_camt053_statement_is_read_with_its_totals_and_a_reversal_goes_to_the_reversal_step(world, monkeypatch):
    account, employer = world
    handed = []
    monkeypatch.setattr("collection.services.feed.reversal_apply", lambda record, *, actor: handed.append(record))
    content = camt053(account.account_number, [
        {"id": "B-1", "day": "2026-01-10", "amount": "1000.00", "text": f"社保 {employer.uscc}"},
        {"id": "B-2", "day": "2026-01-12", "amount": "50.00", "text": "unknown"},
        {"id": "B-3", "day": "2026-01-20", "amount": "50.00", "debit": True, "reverses": "B-2"},
    ], count=3, total="1100.00", net="1000.00")
    result = _import(content, "camt053")
    assert (result.stored, result.applied, result.to_suspense, result.reversals) == (3, 1, 1, 1)
    reversal = CollectorRecord.objects.get(transaction_id="B-3")
    assert reversal.kind == "reversal" and reversal.reverses.transaction_id == "B-2" and handed == [reversal]
    credit = CollectorRecord.objects.get(transaction_id="B-1")
    assert credit.payer_name == "上海付款人" and credit.payer_account == "6222020200001234567"
    assert _arrears(employer).total == D("0.00")


@pytest.mark.parametrize("case", ["count", "sum", "dtd", "debit", "currency", "not camt"])
def test_a_bad_camt053_statement_is_refused_whole(world, case):
    account, employer = world
    entries = [{"id": "B-1", "day": "2026-01-10", "amount": "1000.00", "text": employer.uscc}]
    content = {
        "count": lambda: camt053(account.account_number, entries, count=2),
        "sum": lambda: camt053(account.account_number, entries, count=1, total="999.00"),
        "dtd": lambda: camt053(account.account_number, entries).replace(
            b"<Document", b'<!DOCTYPE Document [<!ENTITY x "y">]>\n<Document', 1),
        "debit": lambda: camt053(account.account_number, [dict(entries[0], debit=True)]).replace(
            b"<RvslInd>true</RvslInd>", b""),
        "currency": lambda: camt053(account.account_number, [dict(entries[0], currency="USD")]),
        "not camt": lambda: b"<Document><Other/></Document>",
    }[case]()
    with pytest.raises(FeedRefused) as refused:
        _import(content, "camt053")
    assert refused.value.errors and all(e["row"] is None or e["row"] >= 1 for e in refused.value.errors)
    assert not CollectorRecord.objects.exists() and not Payment.objects.exists()


def test_a_reversal_must_name_a_credit_on_the_same_account_with_its_whole_amount(world):
    account, employer = world
    _import(csv_file((account.account_number, "TX-9", "2026-01-10", "100.00", employer.uscc)))
    for row, code in [((account.account_number, "R-1", "2026-01-11", "-99.00", "", "TX-9"), "reversal_amount"),
                      ((account.account_number, "R-2", "2026-01-11", "-100.00", "", "NOPE"), "unknown"),
                      ((CollectionAccountFactory(region=employer.region).account_number, "R-3", "2026-01-11",
                        "-100.00", "", "TX-9"), "unknown")]:
        with pytest.raises(FeedRefused) as refused:
            _import(csv_file(row))
        assert [e["code"] for e in refused.value.errors] == [code]


def test_only_staff_allowed_to_import_and_the_collector_may_import(world):
    account, employer = world
    content = csv_file((account.account_number, "TX-10", "2026-01-10", "100.00", employer.uscc))
    office = OfficeFactory(region=employer.region)
    auditor = clerk_user(office, groups=("auditor",))
    for outsider in (Viewer(Kind.EMPLOYER, employer_id=employer.pk, client_id="x"), Viewer(Kind.PERSON, person_id=1),
                     Viewer(Kind.CLERK, user_id=auditor.pk, region_id=employer.region_id, office_id=office.pk)):
        with pytest.raises(Forbidden):
            _import(content, actor=outsider)
    clerk = clerk_user(office, groups=("clerk",))
    assert _import(content, actor=Viewer(Kind.CLERK, user_id=clerk.pk, region_id=employer.region_id,
                                         office_id=office.pk)).applied == 1
    assert Payment.objects.get().actor == f"user:{clerk.pk}"
