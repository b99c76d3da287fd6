"""The demo's monthly notices and alerts (issue 28, items 4 and 5), made through the services the daily job
calls, so `make run` starts with each month's notice for every demo person who has lines, and the alerts the
demo money leaves: the employer that did not declare the latest month (charged provisionally under Art. 62:
a `provisional` alert for each of its staff) and the employer in arrears (`unpaid`). Nothing is sent: the
demo persons read online (the default channel); one who chooses e-mail or SMS gets the next ones.

Also the demo persons the README's walks sign in as: the person with an alert, and a person of the demo
region on no employer's roll and not enrolled as a flexible worker (the flexible workers' walk)."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Q, When

from agency.models import Region
from contributions.models import Declaration
from demo.money import HISTORY_FROM, latest_month
from flexible.models import FlexibleEnrolment
from insured.models import Employment, InsuranceRelationship, InsuredPerson, RelationshipState
from notices.models import Alert, AlertKind, NoticeRun
from notices.tasks import alerts_generate, monthly_notices_generate

DEMO_REGION = "310101"


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def demo_notices_ensure(*, today: date) -> str | None:
    """Each month's notices from the history's first month to the latest paid one, then today's alerts; once
    (nothing when a notice run exists). Returns a one-line summary."""
    region = Region.objects.filter(code=DEMO_REGION).first()
    if region is None or NoticeRun.objects.exists() or not Declaration.objects.exists():
        return None
    latest = latest_month(today, region.pk)
    notices = sum(monthly_notices_generate(month) for month in _months(HISTORY_FROM, latest))
    alerts_generate(today)
    by_kind = {kind: Alert.objects.filter(kind=kind).count() for kind in AlertKind.values}
    return (f"demo notices: {notices} monthly notices from {HISTORY_FROM:%Y-%m} to {latest:%Y-%m}; alerts "
            + ", ".join(f"{kind} {n}" for kind, n in by_kind.items()))


def demo_alerted_person() -> InsuredPerson | None:
    """A demo person with an alert about a month their employer did not declare (charged provisionally)."""
    for kind in (AlertKind.PROVISIONAL, AlertKind.UNDECLARED):
        alert = (Alert.objects.filter(kind=kind, person__region__code=DEMO_REGION)
                 .select_related("person").order_by("person_id", "id").first())
        if alert is not None:
            return alert.person
    return None


def demo_flexible_person() -> InsuredPerson | None:
    """A person on no employer's roll this month, aged 20 to 50, insured in no region but the demo's and not
    enrolled as a flexible worker: the one the flexible workers' walk enrols in 310101. One of the demo region
    if any is left (the demo money enrols most of its adults), else of another region (they have no employer)."""
    today = date.today()
    this_month = today.replace(day=1)
    on_a_roll = Employment.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=this_month)).values("person_id")
    elsewhere = (InsuranceRelationship.objects.exclude(region__code=DEMO_REGION)
                 .filter(state=RelationshipState.ACTIVE).values("person_id"))
    return (InsuredPerson.objects.filter(birth_date__lte=date(today.year - 20, 1, 1),
                                         birth_date__gt=date(today.year - 50, 1, 1))
            .exclude(pk__in=on_a_roll).exclude(pk__in=elsewhere)
            .exclude(pk__in=FlexibleEnrolment.objects.values("person_id"))
            .annotate(elsewhere=Case(When(region__code=DEMO_REGION, then=0), default=1))
            .order_by("elsewhere", "id").first())
