"""Yearly interest by the month-accumulation method, the resumable run, and closing-month interest."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import EntryKind, InterestRun, RunState
from accounts.postings import account_interest_until
from accounts.rules import InterestRateMissing, interest_compute
from accounts.services.interest import interest_run_start
from accounts.tasks import interest_run_continue, interest_runs_due
from agency.models import InterestRate
from common.access import Viewer
from tests.accounts.factories import account_for, credit
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db
SYSTEM = Viewer.system()


def rate(year, percent):
    InterestRate.objects.create(year=year, percent=Decimal(percent), effective_from=date(year + 1, 6, 1))


def interest_of(account, year):
    return account.entries.get(kind=EntryKind.INTEREST, interest_year=year).amount


def test_the_formula_by_hand_twelve_equal_credits():
    # 12 credits of 800.00 at 2.62%: sum credit x (13 - n) = 800 x 78 = 62,400; x 2.62 / 1200 = 136.24
    assert interest_compute(opening=Decimal(0), credits_by_month={m: Decimal("800") for m in range(1, 13)},
                            percent=Decimal("2.62")) == Decimal("136.24")
    # opening 10,000 at 2.62%: 262.00
    assert interest_compute(opening=Decimal("10000"), credits_by_month={}, percent=Decimal("2.62")) == Decimal("262.00")


def test_rounding_is_half_up_once_per_account_and_year():
    # (1 x 12 + 0) x 3.75 / 1200 = 0.0375 -> 0.04 (half-up); per-month rounding would give 12 x 0.00
    assert interest_compute(opening=Decimal("1.00"), credits_by_month={}, percent=Decimal("3.75")) == Decimal("0.04")
    # exactly half a fen: 1.00 x 12 x 0.0125 / 12... (12 x 1 x 0.5)/1200 = 0.005 -> 0.01
    assert interest_compute(opening=Decimal("1.00"), credits_by_month={}, percent=Decimal("0.5")) == Decimal("0.01")


def test_the_run_posts_what_the_formula_says_with_late_credits_counted_from_their_posting_month():
    rate(2024, "2.62")
    a = account_for(PersonFactory(), opened_on=date(2023, 1, 1))
    credit(a, "5000.00", date(2023, 12, 20))                      # opening balance of 2024
    for m in range(1, 13):
        credit(a, "800.00", date(2024, m, 20))
    credit(a, "800.00", date(2024, 3, 25), month=date(2024, 1, 1))  # January's arrears, posted in March
    late_opened = account_for(PersonFactory(), opened_on=date(2024, 7, 1))
    for m in range(7, 13):
        credit(late_opened, "400.00", date(2024, m, 20))
    credit(a, "9999.00", date(2025, 1, 20), month=date(2024, 12, 1))  # posted after the year: not counted

    run = interest_run_start(year=2024, actor=SYSTEM)
    run = interest_run_continue(run_id=run.pk)

    assert run.state == RunState.DONE and run.accounts_credited == 2
    expected_a = interest_compute(opening=Decimal("5000"), percent=Decimal("2.62"), credits_by_month={
        m: Decimal("800") + (Decimal("800") if m == 3 else 0) for m in range(1, 13)})
    assert interest_of(a, 2024) == expected_a
    # by hand: 5000 x 12 + 800 x 78 + 800 x 10 = 130,400; x 2.62 / 1200 = 284.709... -> 284.71
    assert expected_a == Decimal("284.71")
    # opened in July: 400 x (6+5+4+3+2+1) = 8,400 x 2.62 / 1200 = 18.34
    assert interest_of(late_opened, 2024) == Decimal("18.34")
    assert run.interest_total == expected_a + Decimal("18.34")
    a.refresh_from_db()
    assert a.balance == sum(a.entries.values_list("amount", flat=True))


def test_running_again_changes_nothing_and_a_killed_run_resumes_from_its_cursor():
    rate(2024, "2.62")
    accounts = [account_for(PersonFactory()) for _ in range(5)]
    for acc in accounts:
        credit(acc, "1000.00", date(2024, 1, 20))
    run = interest_run_start(year=2024, actor=SYSTEM)
    interest_run_continue(run_id=run.pk, chunk=2, max_chunks=1)  # the worker dies after one chunk
    run.refresh_from_db()
    assert run.state == RunState.RUNNING and run.accounts_credited == 2
    # A second worker (the beat's daily check) resumes; even from cursor 0 it would credit nothing twice.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_interestrun SET cursor_account_id = 0 WHERE id = %s", [run.pk])
    interest_runs_due.run()
    run.refresh_from_db()
    assert run.state == RunState.DONE
    for acc in accounts:
        assert acc.entries.filter(kind=EntryKind.INTEREST).count() == 1
    assert interest_run_start(year=2024, actor=SYSTEM).pk == run.pk
    interest_run_continue(run_id=run.pk)
    assert sum(acc.entries.filter(kind=EntryKind.INTEREST).count() for acc in accounts) == 5


def test_a_year_without_its_rate_is_refused_naming_the_year():
    account = account_for(PersonFactory())
    credit(account, "100.00", date(2019, 5, 20))
    with pytest.raises(InterestRateMissing) as err:
        interest_run_start(year=2030, actor=SYSTEM)
    assert "2030" in err.value.detail and err.value.extra["year"] == 2030
    assert not InterestRun.objects.filter(year=2030).exists()


def test_closing_interest_runs_to_the_closing_month_with_the_latest_published_rate():
    rate(2024, "2.62")
    a = account_for(PersonFactory())
    credit(a, "12000.00", date(2024, 12, 20))
    credit(a, "600.00", date(2025, 2, 20))
    entries = account_interest_until(account=a, month=date(2025, 4, 1), actor=SYSTEM)
    years = {e.interest_year: e for e in entries}
    # 2024: 12000 x 1 month = 12000 x 2.62 / 1200 = 26.20
    assert years[2024].amount == Decimal("26.20") and years[2024].interest_until_month == 12
    # 2025 up to April, with 2024's rate (2025's is not published): opening 12026.20 x 4 + 600 x 3
    expected = ((Decimal("12026.20") * 4 + 600 * 3) * Decimal("2.62") / 1200).quantize(Decimal("0.01"))
    assert years[2025].amount == expected and years[2025].interest_until_month == 4
    assert "2024" in years[2025].note
    # Posted once: a second call posts nothing, and the yearly run later skips the account.
    assert account_interest_until(account=a, month=date(2025, 4, 1), actor=SYSTEM) == []


def test_the_yearly_run_credits_the_rest_of_a_year_whose_closing_interest_was_posted_at_a_transfer_out():
    """Issue 23, loose end 3: a transfer out in April credits interest up to April; the funds come back
    in September; the year's run credits September to December (the months after the closing), once."""
    rate(2024, "2.62")
    rate(2025, "2.00")
    a = account_for(PersonFactory())
    credit(a, "12000.00", date(2024, 12, 20))
    closing = account_interest_until(account=a, month=date(2025, 4, 1), actor=SYSTEM)
    closed = {e.interest_year: e for e in closing}[2025]
    a.refresh_from_db()
    from accounts.models import AccountEntry
    from accounts.postings import entries_post

    entries_post([AccountEntry(account=a, kind=EntryKind.TRANSFER_OUT, amount=-a.balance, posted_on=date(2025, 4, 15),
                               cause_type="test", actor="test")])
    entries_post([AccountEntry(account=a, kind=EntryKind.TRANSFER_IN, amount=Decimal("20000.00"),
                               posted_on=date(2025, 9, 10), cause_type="test", actor="test")])
    credit(a, "600.00", date(2025, 11, 20))

    run = interest_run_continue(run_id=interest_run_start(year=2025, actor=SYSTEM).pk)
    assert run.state == RunState.DONE and run.accounts_credited == 1
    rest = a.entries.get(kind=EntryKind.INTEREST, interest_year=2025, interest_until_month=12)
    # after April the balance is 0; 20000 from September (4 months), 600 from November (2 months)
    assert rest.amount == ((Decimal("20000") * 4 + 600 * 2) * Decimal("2.00") / 1200).quantize(Decimal("0.01"))
    assert a.entries.filter(kind=EntryKind.INTEREST, interest_year=2025).count() == 2
    assert closed.interest_until_month == 4
    # running again credits nothing twice
    again = interest_run_continue(run_id=run.pk)
    assert a.entries.filter(kind=EntryKind.INTEREST, interest_year=2025).count() == 2 and again.state == RunState.DONE
