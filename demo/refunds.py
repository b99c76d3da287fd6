"""Demo refunds, played once through the real services: a foreigner leaving China whose individual
account has been paid out and closed, and a deceased person's refund to two heirs that waits for
the supervisor's second approval.

The two persons' account histories (two years of monthly credits, posted in the ledger as the
demo's own cause) stand in for contributions their employers paid; their employments have ended.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import AccountEntry, EntryKind
from accounts.postings import account_lock_or_open, entries_post
from agency.models import Region
from common.access import Kind, Viewer
from common.identifiers import resident_id_check_character
from insured.models import InsuranceRelationship, InsuredPerson, RelationshipState
from insured.services.persons import person_register
from refunds.models import Refund
from refunds.services.refunds import refund_apply, refund_audit, refund_liquidate, refund_payout_approve

FOREIGNER_PASSPORT = "C7H4K2M91"
DECEASED_BIRTH, DECEASED_SEQ = "19680520", "901"


def _viewer(user) -> Viewer:
    office = user.clerk_profile.office
    return Viewer(Kind.CLERK, user_id=user.pk, region_id=office.region_id, office_id=office.pk)


def _history(person: InsuredPerson, *, start: date, months: int, amount: str, state: str) -> None:
    account = account_lock_or_open(person_id=person.pk, on=start)
    entries = []
    for i in range(months):
        month = date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        entries.append(AccountEntry(account=account, kind=EntryKind.CREDIT, amount=Decimal(amount),
                                    contribution_month=month, posted_on=month.replace(day=20), cause_type="demo",
                                    source_key=f"demo-refund:{month:%Y-%m}", actor="system",
                                    note="演示用缴费记录"))
    entries_post(entries)
    InsuranceRelationship.objects.get_or_create(
        person=person, region=person.region,
        defaults={"state": state, "opened_on": start, "state_since": date(start.year + months // 12, 1, 1)})


def demo_refunds_ensure(*, region: Region, clerk_user, supervisor_user) -> str | None:
    """Play once; a one-line summary, or None when played before."""
    if Refund.objects.filter(region=region).exists():
        return None
    clerk, supervisor = _viewer(clerk_user), _viewer(supervisor_user)
    with transaction.atomic():
        foreigner = InsuredPerson.objects.filter(document_number=FOREIGNER_PASSPORT).first() or person_register(
            actor=clerk, region=region, document_type="passport", document_number=FOREIGNER_PASSPORT,
            name="安娜·穆勒", birth_date=date(1986, 4, 12), sex="F", nationality="DEU",
            hukou_type="none")
        _history(foreigner, start=date(2023, 1, 1), months=24, amount="960.00", state=RelationshipState.SUSPENDED)
        paid = refund_apply(person=foreigner, reason="foreigner_leaving", actor=clerk, channel="admin",
                            bank_account="DE89370400440532013000", note="书面申请：离境回国")
        paid = refund_liquidate(refund=refund_audit(refund=paid, actor=clerk), actor=clerk)
        refund_payout_approve(refund=paid, actor=supervisor, bank_reference="9558820261125000001")

        first17 = f"{region.code}{DECEASED_BIRTH}{DECEASED_SEQ}"
        number = first17 + resident_id_check_character(first17)
        deceased = InsuredPerson.objects.filter(document_number=number).first() or person_register(
            actor=clerk, region=region, document_type="resident_id", document_number=number, name="周建国",
            original_retirement_age="men_60")
        _history(deceased, start=date(2022, 1, 1), months=36, amount="720.00",
                 state=RelationshipState.AWAITING_REFUND)
        heirs = [{"name": "周丽", "document_number": _heir_id(region.code, "19920303", "402"),
                  "relation": "女儿", "share_numerator": 1, "share_denominator": 2, "bank_account": "6222020200110001"},
                 {"name": "王秀英", "document_number": _heir_id(region.code, "19700815", "604"),
                  "relation": "配偶", "share_numerator": 1, "share_denominator": 2, "bank_account": "6222020200110002"}]
        waiting = refund_apply(person=deceased, reason="death", actor=clerk, channel="admin", heirs=heirs)
        refund_liquidate(refund=refund_audit(refund=waiting, actor=clerk), actor=clerk)
    return (f"refunds: {foreigner.name} paid ({paid.amount}), {deceased.name}'s heirs' refund awaits the "
            "supervisor's second approval")


def _heir_id(code: str, born: str, seq: str) -> str:
    first17 = f"{code}{born}{seq}"
    return first17 + resident_id_check_character(first17)
