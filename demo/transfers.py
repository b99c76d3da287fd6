"""Demo transfers: two persons who left a job in Beijing (110105) for one in the demo region (310101).

One transfer is completed (the three steps, funds received as announced), the other is under way at
step two (the consent letter issued, Beijing to transfer out). Played once through the real
services; only their contribution months in Beijing are written directly: a declaration line and
the account credit of each month, as the declaration and payment services would have left them
when filed and paid on time. The services cannot write them: declaration_file files a month today
(two years late, so late and with late fees), and the months are another agency's history brought
in with the person. The line's amounts are the Beijing rate card's (contributions.rates),
and the credit is the line's own individual pension part, so a statement's paid and credited
figures agree.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from agency.models import Region
from common.access import Viewer
from demo.history import paid_months_write
from employers.models import Employer, RegistrationStatus
from insured.models import Channel, Employment, InsuredPerson
from insured.services.staffing import enrolment_submit, staff_reduction_confirm, staff_reduction_submit
from transfers.models import Transfer
from transfers.rules import temporary_account_applies
from transfers.services.transfers import (
    transfer_accept,
    transfer_apply,
    transfer_complete,
    transfer_funds_record,
    transfer_out,
)

OLD, NEW = "110105", "310101"
MONTHS_IN_OLD = 24


def _months_in_old(person: InsuredPerson, employer: Employer, last: date, base: Decimal) -> None:
    """The mover's last MONTHS_IN_OLD months in Beijing, up to the month of `last`."""
    month = date(last.year, last.month, 1)
    for _ in range(MONTHS_IN_OLD - 1):
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    paid_months_write(person=person, employer=employer, first=month, last=date(last.year, last.month, 1), wage=base,
                      sequence=900, key="demo-transfer", account_on=last)


def _mover_start(today: date) -> date:
    return date(today.year - 3, today.month, 1)


def _mover(person: InsuredPerson, old_employer: Employer, new_employer: Employer, today: date) -> None:
    system = Viewer.system()
    start = _mover_start(today)
    last = today - timedelta(days=60)
    portal = system  # the demo's history, entered by the system (the employers of 110105 have no portal)
    enrolment_submit(employer=old_employer, document_number=person.document_number, name=person.name,
                     start_date=start, monthly_wage=Decimal("15000.00"), actor=portal, channel=Channel.SYSTEM,
                     today=start)
    reduction = staff_reduction_submit(employer=old_employer, document_number=person.document_number,
                                       last_day=last, reason="resignation", actor=portal, channel=Channel.SYSTEM)
    if reduction.state == "pending":
        staff_reduction_confirm(reduction=reduction, actor=system, channel=Channel.SYSTEM)
    _months_in_old(person, old_employer, last, Decimal("15000.00"))
    enrolment_submit(employer=new_employer, document_number=person.document_number, name=person.name,
                     start_date=last + timedelta(days=1), monthly_wage=Decimal("16000.00"),
                     actor=system, channel=Channel.SYSTEM)


def demo_transfer_person() -> InsuredPerson | None:
    """The person whose demo transfer is completed (they get a demo login)."""
    transfer = (Transfer.objects.filter(from_region__code=OLD, to_region__code=NEW).select_related("person")
                .order_by("id").first())
    return transfer.person if transfer else None


def demo_transfers_ensure(*, today: date) -> str | None:
    """Play the two transfers once; returns a one-line summary, or None when they exist already."""
    old, new = Region.objects.filter(code=OLD).first(), Region.objects.filter(code=NEW).first()
    if old is None or new is None or Transfer.objects.filter(to_region=new, from_region=old).exists():
        return None
    old_employer = (Employer.objects.filter(region=old, registration_status=RegistrationStatus.REGISTERED,
                                            established_on__lte=_mover_start(today))  # employed there since
                    .order_by("id").first())
    new_employer = (Employer.objects.filter(region=new, registration_status=RegistrationStatus.REGISTERED)
                    .order_by("-id").first())
    if old_employer is None or new_employer is None:
        return None
    busy = Employment.objects.values("person_id")
    candidates = [p for p in InsuredPerson.objects.filter(region=old, document_type="resident_id")
                  .exclude(pk__in=busy).order_by("id")[:200]
                  if not temporary_account_applies(p, new, today) and today.year - p.birth_date.year >= 22]
    if len(candidates) < 2:
        return None
    system = Viewer.system()
    with transaction.atomic():
        done, under_way = candidates[:2]
        for person in (done, under_way):
            _mover(person, old_employer, new_employer, today)
        transfer = transfer_apply(from_region=old, person=done, actor=system, channel=Channel.SYSTEM)
        transfer_accept(transfer=transfer, actor=system, channel=Channel.SYSTEM)
        out = transfer_out(transfer=transfer, actor=system, channel=Channel.SYSTEM)
        transfer_funds_record(transfer=transfer, account_amount=out.account_amount, pooled_amount=out.pooled_amount,
                              bank_reference=f"DEMO-{transfer.pk:06d}", received_on=today, actor=system,
                              channel=Channel.SYSTEM)
        transfer_complete(transfer=transfer, actor=system, channel=Channel.SYSTEM)
        second = transfer_apply(from_region=old, person=under_way, actor=system, channel=Channel.SYSTEM)
        transfer_accept(transfer=second, actor=system, channel=Channel.SYSTEM)
    return (f"transfers 110105 -> 310101: {done.name} completed (transfer {transfer.pk}), "
            f"{under_way.name} at step 2 (transfer {second.pk})")
