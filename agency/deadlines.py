"""The deadline engine: every reviewable item's statutory clock.

A rule says how many days and whether they are working days; both come from
the item's region (the law leaves that choice to local rules). Each app owns its rules and their
terms and registers them from its AppConfig.ready() (agency.vocabulary.deadline_rules_register).
The daily sweep (agency/sweep.py) reminds and escalates; services open and close deadlines in
the same transaction as the change they belong to.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency import events
from agency.models import ClerkProfile, Deadline, DeadlineState, Office, Region
from agency.vocabulary import RuleTerms, deadline_kinds
from agency.workdays import add_calendar_or_working_days
from common.access import Viewer
from common.display import user_text
from common.problems import ApplicationError, ValidationFailed
from common.services import STAFF, entry, row_lock

ASSIGN_PERMISSION = "agency.change_deadline"  # clerks and above


def rule_terms(rule: str, region: Region) -> RuleTerms:
    """The region's terms of a rule, as the app that owns the rule registered them (agency.vocabulary)."""
    kind = deadline_kinds.get(rule)
    if kind is None:
        raise ValueError(f"unknown deadline rule {rule!r}")
    return kind.terms(region)


def office_for_region(region: Region) -> Office:
    office = Office.objects.filter(region=region).order_by("id").first()
    if office is None:
        raise ValueError(f"no office serves region {region.code}")
    return office


def deadline_open(*, rule: str, subject: models.Model, region: Region, starts_on: date,
                  assignee=None, label: str | None = None, text: dict | None = None) -> Deadline:
    """Start the clock; call inside the transaction that creates or resubmits the item.

    `label` is what the queue is searched by (names and codes); `text` describes the item to a
    reader, as common.display.message_data(template, **params), rendered in the reader's language."""
    terms = rule_terms(rule, region)
    return Deadline.objects.create(
        rule=rule, subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk,
        subject_label=(label or str(subject))[:200], subject_text_data=text, region=region,
        office=office_for_region(region),
        assignee=assignee, starts_on=starts_on, working_days=terms.working_days, days=terms.days,
        due_on=add_calendar_or_working_days(starts_on, terms.days, working=terms.working_days))


def _current(subject: models.Model, rule: str):
    return (Deadline.objects.select_for_update()
            .filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, rule=rule,
                    closed_at__isnull=True)
            .order_by("-id").first())


def deadline_close(*, subject: models.Model, rule: str, cancelled: bool = False) -> Deadline | None:
    """The item was decided or withdrawn (cancelled). Decided by its due date it is met; decided
    after it, missed, whether or not the daily sweep marked it first, so lateness remains on record."""
    deadline = _current(subject, rule)
    if deadline is None:
        return None
    deadline.closed_at = timezone.now()
    fields = ["closed_at", "state"]
    if deadline.state == DeadlineState.OPEN:
        if cancelled:
            deadline.state = DeadlineState.CANCELLED
        elif today_in_shanghai() > deadline.due_on:
            deadline.state, deadline.missed_at = DeadlineState.MISSED, deadline.closed_at
            fields.append("missed_at")
        else:
            deadline.state = DeadlineState.MET
    deadline.save(update_fields=fields)
    return deadline


def deadline_restart(*, subject: models.Model, rule: str, region: Region, starts_on: date,
                     label: str | None = None, text: dict | None = None) -> Deadline:
    """A corrected application came back: the old clock is closed, a new one starts."""
    deadline_close(subject=subject, rule=rule, cancelled=True)
    return deadline_open(rule=rule, subject=subject, region=region, starts_on=starts_on, label=label, text=text)


@transaction.atomic
def deadline_assign(*, deadline: Deadline, assignee, actor: Viewer) -> Deadline:
    """Give an undecided item of the clerk's region to a clerk of its region (or to nobody: then the
    office's clerks are reminded); recorded as a security event (who gave what to whom)."""
    locked = row_lock(Deadline.objects.all(), deadline.pk, actor=actor, missing=_("No such item is visible to you."))
    if locked.closed_at is not None:
        raise ApplicationError(_("The item was decided; its deadline can no longer be reassigned."),
                               status=409, type_slug="already-decided")
    if assignee is not None and not ClerkProfile.objects.filter(
            user_id=assignee.pk, user__is_active=True, user__is_staff=True, office__region_id=locked.region_id).exists():
        raise ValidationFailed.field("assignee", "not_assignable",
                                     _("Only an active clerk of the item's region can be given it."))
    if locked.assignee_id == (assignee.pk if assignee is not None else None):
        return locked
    before = locked.assignee
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    events.deadline_assigned(region_id=locked.region_id, actor=actor,  # who had it -> who has it now
                             detail=f"{locked.subject_label}: {user_text(before)} → {user_text(assignee)}")
    return locked


deadline_assign = entry(deadline_assign, callers=STAFF, permission=ASSIGN_PERMISSION,
                        refusal=gettext_lazy("Your group may not assign items."))


def deadline_due_on(subject: models.Model | type[models.Model], *, rule: str):
    """When the subject's open deadline under `rule` falls due (None when none is open: decided,
    withdrawn, or never reviewable). For a model instance, the date; for a model class, a Subquery
    that annotates each of its rows (`.annotate(due_on=deadline_due_on(StaffReduction, rule=...))`)."""
    if isinstance(subject, type):
        return Subquery(Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=OuterRef("pk"), rule=rule,
            closed_at__isnull=True).order_by("-id").values("due_on")[:1])
    return (Deadline.objects.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk,
                                    rule=rule, closed_at__isnull=True)
            .order_by("-id").values_list("due_on", flat=True).first())


def today_in_shanghai() -> date:
    return timezone.localdate()  # TIME_ZONE is Asia/Shanghai


# The deadline engine as common.services.transition sees it (registered in AgencyConfig.ready()).
KEEPER = SimpleNamespace(open=deadline_open, close=deadline_close)
