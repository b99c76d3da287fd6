"""The clerks' workbench: the queue's actions, the counter application for heirs, the supervisors'
payouts awaiting the second approval, the nationality notice and its letter."""

import pytest

from accounts.models import PensionAccount
from refunds.models import NationalityNotice, Refund, RefundState
from refunds.services.refunds import refund_apply, refund_audit, refund_liquidate
from tests.agency.factories import clerk_user
from tests.builders import logged_in, person_viewer
from tests.refunds.factories import Desk, insured_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return Desk()


def test_a_clerk_records_an_heirs_refund_at_the_counter(desk):
    person, _ = insured_with_account(desk.region, state="awaiting_refund")
    heirs = "李一,310101200001010011,1/2,6222001\n李二，310101200001010038，1/2，6222002"
    response = logged_in(desk.clerk_user).post("/admin/refunds/refund/apply/", {
        "document_number": person.document_number, "reason": "death", "heirs": heirs})
    assert response.status_code == 302, response.content.decode()[:2000]
    refund = Refund.objects.get(person=person)
    assert refund.reason == "death" and [h.share_denominator for h in refund.heirs.all()] == [2, 2]


def test_shares_that_do_not_make_the_whole_are_shown_to_the_clerk(desk):
    person, _ = insured_with_account(desk.region, state="awaiting_refund")
    response = logged_in(desk.clerk_user).post("/admin/refunds/refund/apply/", {
        "document_number": person.document_number, "reason": "death", "heirs": "李一,310101200001010011,1/3,1"},
        follow=True)
    assert not Refund.objects.exists() and "1/3" in response.content.decode()


def test_the_queue_audits_and_liquidates_and_a_second_clerk_approves(desk):
    person, account = insured_with_account(desk.region, original_retirement_age="men_60")
    refund = refund_apply(person=person, reason="retirement_short", actor=person_viewer(person), channel="api",
                          bank_account="6222")
    clerk = logged_in(desk.clerk_user)
    assert person.name in clerk.get("/admin/refunds/refund/").content.decode()
    for action in ("audit_selected", "liquidate_selected"):
        clerk.post("/admin/refunds/refund/", {"action": action, "_selected_action": [refund.pk]})
    assert Refund.objects.get(pk=refund.pk).state == RefundState.LIQUIDATED
    # The preparer's own approval is refused (they may not even see the action), the reviewer's pays.
    clerk.post("/admin/refunds/payoutawaitingapproval/", {"action": "approve_selected", "_selected_action": [refund.pk],
                                                          "apply": "1", "value": "B-1"})
    assert Refund.objects.get(pk=refund.pk).state == RefundState.LIQUIDATED
    approver = logged_in(desk.approver_user)
    page = approver.get("/admin/refunds/payoutawaitingapproval/").content.decode()
    assert person.name in page
    approver.post("/admin/refunds/payoutawaitingapproval/", {"action": "approve_selected",
                                                             "_selected_action": [refund.pk], "apply": "1",
                                                             "value": "ICBC-77"})
    paid = Refund.objects.get(pk=refund.pk)
    assert paid.state == RefundState.PAID and paid.bank_reference == "ICBC-77"
    assert PensionAccount.objects.get(pk=account.pk).balance == 0


def test_a_clerk_of_another_region_sees_neither_queue(desk):
    person, _ = insured_with_account(desk.region, original_retirement_age="men_60")
    refund = refund_apply(person=person, reason="retirement_short", actor=person_viewer(person), channel="api",
                          bank_account="6222")
    refund_liquidate(refund=refund_audit(refund=refund, actor=desk.clerk), actor=desk.clerk)
    other = logged_in(clerk_user(Desk(code="310104").office, groups=("clerk", "supervisor")))
    assert person.name not in other.get("/admin/refunds/refund/").content.decode()
    assert person.name not in other.get("/admin/refunds/payoutawaitingapproval/").content.decode()
    assert other.get(f"/admin/refunds/refund/{refund.pk}/change/").status_code == 302  # not found: back to the index


def test_the_nationality_notice_is_served_and_printed(desk):
    person, _ = insured_with_account(desk.region, nationality="USA")
    clerk = logged_in(desk.clerk_user)
    assert clerk.post("/admin/refunds/nationalitynotice/serve/",
                      {"document_number": person.document_number}).status_code == 302
    notice = NationalityNotice.objects.get(person=person)
    pdf = clerk.get(f"/admin/refunds/nationalitynotice/{notice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_reviewer_records_a_merger_in_the_admin(desk):
    from datetime import date
    from decimal import Decimal

    from insured.models import Employment
    from refunds.models import EmployerMerger
    from tests.employers.factories import EmployerFactory
    from tests.insured.factories import PersonFactory

    old, new = EmployerFactory(region=desk.region), EmployerFactory(region=desk.region)
    Employment.objects.create(person=PersonFactory(region=desk.region), employer=old, start_date=date(2025, 1, 1),
                              monthly_wage=Decimal("6000.00"))
    response = logged_in(desk.approver_user).post("/admin/refunds/employermerger/merge/", {
        "predecessor": old.uscc, "successor": new.uscc, "last_month": "2026-06-17"})
    assert response.status_code == 302
    merger = EmployerMerger.objects.get()
    assert (merger.last_month, merger.staff_moved) == (date(2026, 6, 1), 1)
    assert logged_in(desk.clerk_user).post("/admin/refunds/employermerger/merge/", {
        "predecessor": new.uscc, "successor": old.uscc, "last_month": "2026-07-01"}).status_code == 200  # refused
    assert EmployerMerger.objects.count() == 1


def test_the_second_clerk_sees_the_heirs_accounts_and_shares_before_approving(desk):
    person, _ = insured_with_account(desk.region, state="awaiting_refund")
    heirs = [{"name": "李一", "document_number": "310101200001010011", "share_numerator": 1, "share_denominator": 2,
              "bank_account": "6222000011112222"},
             {"name": "李二", "document_number": "310101200001010038", "share_numerator": 1, "share_denominator": 2,
              "bank_account": "6222000033334444"}]
    refund = refund_apply(person=person, reason="death", actor=desk.clerk, channel="admin", heirs=heirs)
    refund_liquidate(refund=refund_audit(refund=refund, actor=desk.clerk), actor=desk.clerk)
    approver = logged_in(desk.approver_user)
    form = approver.post("/admin/refunds/payoutawaitingapproval/", {"action": "approve_selected",
                                                                    "_selected_action": [refund.pk]},
                         HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for account in ("6222000011112222", "6222000033334444"):
        assert account in form
    assert form.count("1/2") == 2 and "李一" in form and "李二" in form
    page = approver.get(f"/admin/refunds/payoutawaitingapproval/{refund.pk}/change/").content.decode()
    assert "6222000011112222" in page


def test_an_event_is_named_by_its_time_in_shanghai(desk):
    from datetime import UTC, datetime

    from refunds.models import RefundEvent

    event = RefundEvent(kind="applied", actor="system", recorded_at=datetime(2026, 12, 6, 18, 55, tzinfo=UTC))
    assert str(event).endswith("2026-12-07 02:55")
