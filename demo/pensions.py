"""The demo's person at the retirement month (issue 27): the README's determination walk proposes, approves and
reads their pension.

A man of the demo region whose statutory retirement month (the 2024 decision, `refunds.retirement`) is the
month the demo is made in, enrolled by a demo employer from the history's first month (demo.data.HISTORY_FROM)
and taken off its roll at the end of the previous month for retirement (the staffing services), with 25
years of deemed months (视同缴费年限) recorded by the system from a voucher (`deemed_service_record`). Only his
months with the employer are written directly, as demo/transfers.py writes the movers' months and for the
same reason: `declaration_file` would file them today, late and with late fees; each is a declaration line
with the region's rate card's amounts and the account credit of its individual pension part. The demo
region's benefit base of this year and its rule for ages with months are demo.data's. Played once.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from agency.models import Region
from common.access import Viewer
from common.identifiers import resident_id_check_character
from demo.data import HISTORY_FROM
from demo.history import paid_months_write
from employers.models import Employer, RegistrationStatus
from insured.models import Channel, InsuredPerson, OriginalRetirementAge
from insured.services.persons import person_register
from insured.services.staffing import enrolment_submit, staff_reduction_confirm, staff_reduction_submit
from pensions.services.deemed import deemed_service_record
from pensions.services.determination import birth_months_retiring_in, statutory_month

DEMO_REGION = "310101"
RETIRING_NAME, RETIRING_SEQ = "孙志明", "731"  # odd: a man (GB 11643)
WAGE = Decimal("12000.00")
DEEMED_MONTHS = 300  # 25 years before individual accounts, from his file


def _document_number(region: Region, born: date) -> str:
    first17 = f"{region.code}{born:%Y%m%d}{RETIRING_SEQ}"
    return first17 + resident_id_check_character(first17)


def demo_retiring_person() -> InsuredPerson | None:
    """The demo's man at the retirement month (the README's determination walk signs in as him)."""
    return (InsuredPerson.objects.filter(region__code=DEMO_REGION, name=RETIRING_NAME,
                                         document_number__regex=rf"^{DEMO_REGION}\d{{8}}{RETIRING_SEQ}[0-9X]$")
            .order_by("id").first())


def _months(person: InsuredPerson, employer: Employer, first: date, last: date) -> int:
    return paid_months_write(person=person, employer=employer, first=first, last=last, wage=WAGE, sequence=901,
                             key="demo-retiring", account_on=first)


def demo_retiring_ensure(*, today: date) -> str | None:
    """Play once (nothing when the man exists); a one-line summary."""
    region = Region.objects.filter(code=DEMO_REGION).first()
    if region is None or demo_retiring_person() is not None:
        return None
    employer = (Employer.objects.filter(region=region, registration_status=RegistrationStatus.REGISTERED,
                                        established_on__lt=HISTORY_FROM).order_by("-id").first())
    if employer is None:
        return None
    this_month = today.replace(day=1)
    born = birth_months_retiring_in(this_month)[OriginalRetirementAge.MEN_60][0]
    system = Viewer.system()
    with transaction.atomic():
        person = person_register(actor=system, region=region, document_type="resident_id",
                                 document_number=_document_number(region, born), name=RETIRING_NAME,
                                 original_retirement_age=OriginalRetirementAge.MEN_60)
        assert statutory_month(person) == this_month, "the demo's retiring man must retire this month"
        enrolment_submit(employer=employer, document_number=person.document_number, name=person.name,
                         start_date=HISTORY_FROM, monthly_wage=WAGE, actor=system, channel=Channel.SYSTEM,
                         today=HISTORY_FROM)
        last_day = this_month - timedelta(days=1)
        reduction = staff_reduction_submit(employer=employer, document_number=person.document_number,
                                           last_day=last_day, reason="retirement", actor=system,
                                           channel=Channel.SYSTEM)
        if reduction.state == "pending":
            staff_reduction_confirm(reduction=reduction, actor=system, channel=Channel.SYSTEM)
        months = _months(person, employer, HISTORY_FROM, last_day.replace(day=1))
        deemed_service_record(person=person, months=DEEMED_MONTHS, actor=system, note="演示：档案记载的视同缴费年限",
                              voucher=SimpleUploadedFile("视同缴费年限认定表.pdf", b"%PDF-1.4 demo deemed years",
                                                         "application/pdf"))
    return (f"pension: {person.name} reaches the retirement month {this_month:%Y-%m} ({months} months paid with "
            f"{employer.name}, {DEEMED_MONTHS} deemed months); README \"The determination at retirement\"")
