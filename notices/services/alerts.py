"""The one step from an alert to the agency: the person asks it to look into the month (a dispute)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from common.access import Viewer
from common.problems import NotFound
from common.services import PERSON, entry, row_lock
from employers.models import Employer
from insured.models import InsuredPerson
from notices import events
from notices.problems import NO_SUCH_ALERT
from notices.selectors import alerts_live


def alert_look_into(*, kind: str, month: date, employer_id: int, actor: Viewer, note: str = "", today: date | None = None):
    """File a dispute about the employer's month (disputes.services.disputes.dispute_file) when the
    month raises the alert now; returns the dispute."""
    person = row_lock(InsuredPerson.objects.all(), actor.person_id, actor=actor, missing=_("No such person."))
    month = month.replace(day=1)
    alert = next((a for a in alerts_live(actor, today=today)
                  if a.kind == kind and a.month == month and a.employer_id == employer_id), None)
    if alert is None:
        raise NotFound(_("There is no such alert on your record."), type_slug=NO_SUCH_ALERT)
    employer = Employer.objects.get(pk=employer_id)
    account = note.strip() or alert.text
    from disputes.services.disputes import dispute_file  # the disputes app sits below notices

    dispute = dispute_file(actor=actor, person=person, subject_kind="employer_month", month=month,
                           employer=employer, account_text=account)
    events.alert_look_into_asked(person, actor=actor, kind=kind, month=f"{month:%Y-%m}", employer_id=employer_id,
                                 dispute_id=getattr(dispute, "pk", None))
    return dispute


alert_look_into = entry(alert_look_into, callers=PERSON)
