"""Demo activity: the everyday path played once through the real services, so that a newcomer
who runs `make run` finds staff on the demo employers' rolls, a person with a relationship and
events, and a review queue with items due soon and overdue.

Only `make run`'s `demo_accounts` calls this, and only once (it does nothing when the demo
region already has relationship events). To show the queue as it looks on a real morning,
a few items are then moved back in time: their receipt and their deadline start earlier,
and the due date is recomputed by the same rule. That rewrite is demo-only.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from agency.models import Deadline, Region
from agency.workdays import add_calendar_or_working_days
from common.access import Kind, Viewer
from demo.money import history_eligible
from employers.models import Employer, RegistrationApplication, RegistrationStatus
from employers.services.registrations import registration_submit
from employers.terms import RegistrationRule
from insured.models import Channel, Employment, InsuredPerson, RelationshipEvent, SeparationReason
from insured.services.staffing import enrolment_submit, staff_reduction_submit

STAFF_PER_EMPLOYER = 12
REDUCTIONS = 3  # pending at the first employer
APPLICATIONS_RECEIVED_DAYS_AGO = (30, 12, 0, 6)  # overdue, due soon, due later, ...


def demo_activity_ensure(*, region: Region, employers: list[Employer], clerk_user, client_ids: list[str],
                         demo_person: InsuredPerson | None, today: date) -> str | None:
    """Play the path once; returns a one-line summary, or None when it had been played before."""
    if RelationshipEvent.objects.filter(region=region).exists() or not employers:
        return None
    rnd = random.Random(2026)
    with transaction.atomic():
        persons = list(InsuredPerson.objects.filter(region=region, birth_date__lte=today - timedelta(days=18 * 366))
                       .exclude(employments__isnull=False).order_by("id")[:STAFF_PER_EMPLOYER * len(employers)])
        if demo_person is not None and history_eligible(demo_person, today):
            # demo/money.py enrols the demo person with a contribution history at the first employer.
            persons = [p for p in persons if p != demo_person]
        elif demo_person is not None and demo_person not in persons:
            persons = [demo_person, *persons[:-1]]
        enrolled = 0
        for n, person in enumerate(persons):
            employer = employers[n % len(employers)]
            portal = Viewer(Kind.EMPLOYER, employer_id=employer.pk, region_id=region.pk,
                            client_id=client_ids[n % len(client_ids)])
            enrolment_submit(employer=employer, document_number=person.document_number, name=person.name,
                             start_date=today - timedelta(days=rnd.randrange(29)),  # filed in time: not late
                             monthly_wage=Decimal(rnd.randrange(6000, 30000)).quantize(Decimal("0.01")),
                             actor=portal, channel=Channel.API)
            enrolled += 1

        first = employers[0]
        portal = Viewer(Kind.EMPLOYER, employer_id=first.pk, region_id=region.pk, client_id=client_ids[0])
        leaving = (Employment.objects.filter(employer=first, end_date__isnull=True)
                   .exclude(person=demo_person).order_by("id")[:REDUCTIONS])
        reductions = [staff_reduction_submit(employer=first, document_number=e.person.document_number,
                                             last_day=max(e.start_date, today - timedelta(days=1 + i)),
                                             reason=(SeparationReason.RESIGNATION, SeparationReason.END_OF_CONTRACT,
                                                     SeparationReason.DISMISSAL)[i % 3],
                                             actor=portal, channel=Channel.API)
                      for i, e in enumerate(leaving)]

        clerk = Viewer(Kind.CLERK, user_id=clerk_user.pk, region_id=region.pk)
        applicants = (Employer.objects.filter(region=region)
                      .filter(Q(registration_status=RegistrationStatus.UNREGISTERED)
                              | Q(registration_status=RegistrationStatus.PENDING))
                      .exclude(applications__isnull=False).order_by("id")[:len(APPLICATIONS_RECEIVED_DAYS_AGO)])
        applications = []
        for employer in applicants:
            application, _token = registration_submit(
                kind="new", actor=clerk, uscc=employer.uscc, name=employer.name, employer_kind=employer.kind,
                region_code=region.code, established_on=employer.established_on,
                contact_name=employer.contact_name, contact_phone=employer.contact_phone,
                contact_email=employer.contact_email, address=employer.address, risk_class=employer.risk_class)
            applications.append(application)

        for application, days_ago in zip(applications, APPLICATIONS_RECEIVED_DAYS_AGO, strict=False):
            if days_ago:
                received = today - timedelta(days=days_ago)
                RegistrationApplication.objects.filter(pk=application.pk).update(
                    received_at=application.received_at - timedelta(days=days_ago))
                _deadline_backdate(application, RegistrationRule.REGISTRATION_REVIEW, received)
    return (f"demo activity: {enrolled} enrolments at {len(employers)} employers, {len(reductions)} pending "
            f"staff reductions, {len(applications)} registration applications (some due soon, some overdue)")


def _deadline_backdate(subject, rule: str, starts_on: date) -> None:
    deadline = Deadline.objects.get(subject_id=subject.pk, rule=rule, closed_at__isnull=True)
    Deadline.objects.filter(pk=deadline.pk).update(
        starts_on=starts_on,
        due_on=add_calendar_or_working_days(starts_on, deadline.days, working=deadline.working_days))
