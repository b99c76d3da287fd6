"""Suspense (issue 22, item 4): money that waits for a clerk, and the machine its items move by.

`suspense_enter` is how the feed's matching puts a record (or the part of it above the credit limit)
there, and how a reversal that cannot be applied waits for a clerk; it runs inside the calling
service's entry point and transaction. The clerks' steps are the services in
collection/services/suspense.py; the machine below is the only place that says which step may
follow which.

    waiting --assign (up to the four-eyes sum)--> assigned
    waiting --propose (above it)--> proposed --approve (another clerk)--> assigned
                                    proposed --refuse--> waiting
    waiting --return--> returned (sent back to the payer's account)
    waiting | proposed --reverse--> reversed (the collector took the money back)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agency.deadlines import today_in_shanghai
from collection import events
from collection.models import CollectorRecord, SuspenseItem, SuspenseState
from common.access import Viewer, scope, viewer_may
from common.services import Machine, Step

S = SuspenseState
SUSPENSE = Machine(_("suspense item"), {
    S.WAITING: {"assign": Step(S.ASSIGNED, events.suspense_assigned),
                "propose": Step(S.ASSIGNMENT_PROPOSED, events.suspense_proposed),
                "return": Step(S.RETURNED, events.suspense_returned),
                "reverse": Step(S.REVERSED, events.suspense_reversed)},
    S.ASSIGNMENT_PROPOSED: {"approve": Step(S.ASSIGNED, events.suspense_assigned),
                            "refuse": Step(S.WAITING, events.suspense_refused),
                            "reverse": Step(S.REVERSED, events.suspense_reversed)},
}, states=SuspenseState, actions={"assign": _("assigned"), "propose": _("proposed for assignment"),
                                  "return": _("returned to the payer"), "reverse": _("reversed"),
                                  "approve": _("approved"), "refuse": _("refused")})

OPEN_STATES = (S.WAITING, S.ASSIGNMENT_PROPOSED)  # money still in suspense


def suspense_enter(record: CollectorRecord, *, amount: Decimal, reason: str, actor: Viewer,
                   replaces=None) -> SuspenseItem:
    """Put `amount` of `record` in suspense for `reason` (a SuspenseReason); `replaces`: the application
    whose payment was reversed to put it here (collection.applying.given_back_limit)."""
    item = SuspenseItem.objects.create(record=record, account_id=record.account_id, amount=amount, reason=reason,
                                       entered_on=today_in_shanghai(), replaces=replaces)
    events.suspense_entered(item, actor=actor)
    return item


# --- reads (scoped) ---------------------------------------------------------------------------------

def suspense_items(viewer: Viewer):
    """Suspense items of the collection accounts the viewer may see (a clerk: their region's)."""
    return scope(SuspenseItem.objects.select_related("record", "account", "proposed_employer", "proposed_by",
                                                     "application__employer"), viewer)


@dataclass(frozen=True)
class SuspenseFigures:
    count: int
    total: Decimal
    oldest_on: date | None
    today: date

    @property
    def oldest_days(self) -> int | None:
        return None if self.oldest_on is None else (self.today - self.oldest_on).days


def suspense_figures(viewer: Viewer, *, today: date | None = None) -> SuspenseFigures:
    """Money waiting in suspense in the viewer's region: how many items, their sum, the oldest's age."""
    row = (scope(SuspenseItem.objects.filter(state__in=OPEN_STATES), viewer)
           .aggregate(count=Count("id"), total=Sum("amount"), oldest=Min("entered_on")))
    return SuspenseFigures(count=row["count"], total=row["total"] or Decimal("0.00"), oldest_on=row["oldest"],
                           today=today or today_in_shanghai())


def suspense_home_figures(viewer: Viewer):
    """The clerk's home page (agency.workbench's home figures): what waits in suspense, linked to it."""
    from django.urls import reverse

    from agency.workbench import Figures

    if not viewer_may(viewer, "collection.view_suspenseitem"):
        return None
    figures = suspense_figures(viewer)
    url = reverse("admin:collection_suspenseitem_changelist") + "?open=1"
    oldest = "–" if figures.oldest_days is None else ngettext("%(days)d day", "%(days)d days",
                                                              figures.oldest_days) % {"days": figures.oldest_days}
    return Figures(label=_("Money in suspense"), url=url,
                   rows=[(_("items waiting"), str(figures.count)), (_("oldest"), oldest),
                         (_("sum"), f"{figures.total:,.2f}")])
