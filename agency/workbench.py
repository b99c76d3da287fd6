"""The clerk's workbench: today's work on the admin home page, and the registry that lets each
app put its kinds of reviewable work there.

The agency knows only deadlines (agency.deadlines): an item under review has one undecided
deadline (`closed_at IS NULL`), whatever app it belongs to. The apps that own the items
(employers, insured, and the later ones) register a `WorkKind` per deadline rule in their
AppConfig.ready(): its label, the admin queue that lists its items, and the permission that
queue needs. The agency never imports them; a rule nobody registered still shows, linked to
the review queue of deadlines.

Every count and list here reads undecided deadlines only, through the partial indexes
`deadline_undecided` (region, rule, due_on, assignee) and `deadline_undecided_assignee`
(assignee, due_on), both `WHERE closed_at IS NULL`: the cost follows the open items, never the
millions decided (tests/agency/test_workbench.py checks the plans).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from agency.models import Deadline, DeadlineNotice, DeadlineRule, DeadlineState, NoticeKind
from common.access import Kind, Viewer, scope
from common.registry import Registry

# The `due` filter every queue understands (agency.admin_due.due_filter): what each count links to.
DUE_OVERDUE, DUE_SOON, DUE_UNDECIDED = "overdue", "soon", "undecided"
DEADLINE_QUEUE = "admin:agency_deadline_changelist"


@dataclass(frozen=True)
class WorkKind:
    """A kind of reviewable work: the deadline rule its items run under and the queue that lists them."""

    rule: str
    label: str | Promise
    queue: str = DEADLINE_QUEUE  # admin URL name of the list the clerk works from
    queue_params: dict = field(default_factory=dict)  # always on the link (e.g. the list's own state filter)
    permission: str | None = None  # who sees the kind on the home page (None: whoever sees deadlines)
    order: int = 100

    def queue_url(self, due: str | None = None) -> str:
        try:
            url = reverse(self.queue)
        except NoReverseMatch:  # the queue's admin is not installed: fall back on the deadlines
            return WorkKind(self.rule, self.label).queue_url(due)
        params = dict(self.queue_params)
        if self.queue == DEADLINE_QUEUE:
            params.setdefault("rule", self.rule)
        if due:
            params["due"] = due
        return f"{url}?{urlencode(params)}" if params else url


work_kinds_registry: Registry[WorkKind] = Registry("agency.work_kinds", key=lambda kind: kind.rule)


@dataclass(frozen=True)
class Alert:
    """Something a supervisor must resolve that is not a deadline (e.g. e-mails whose sending is
    uncertain after a crash): a label, how many, and the admin list where it is resolved."""

    label: str | Promise
    count: int
    url: str


# (name, callable(viewer) -> Alert | None), registered by the owning app in AppConfig.ready().
supervisor_alerts_registry: Registry[tuple[str, object]] = Registry("agency.supervisor_alerts",
                                                                    key=lambda entry: entry[0])


def supervisor_alert_register(name: str, source) -> None:
    """`source(viewer)` answers an Alert for the viewer's region (scoped), or None when nothing waits."""
    supervisor_alerts_registry.register((name, source))


def supervisor_alerts(viewer: Viewer) -> list[Alert]:
    found = (source(viewer) for _name, source in sorted(supervisor_alerts_registry, key=lambda entry: entry[0]))
    return [alert for alert in found if alert is not None and alert.count]


@dataclass(frozen=True)
class Figures:
    """A panel of figures on a clerk's home page that is not a deadline (e.g. money waiting in
    suspense): a label, (label, value) rows already formatted, and the admin list they come from."""

    label: str | Promise
    rows: list[tuple[str | Promise, str]]
    url: str


# (name, callable(viewer) -> Figures | None), registered by the owning app in AppConfig.ready().
home_figures_registry: Registry[tuple[str, object]] = Registry("agency.home_figures", key=lambda entry: entry[0])


def home_figures_register(name: str, source) -> None:
    """`source(viewer)` answers the Figures of the viewer's region (scoped), or None when the viewer
    may not see them."""
    home_figures_registry.register((name, source))


def home_figures(viewer: Viewer) -> list[Figures]:
    found = (source(viewer) for _name, source in sorted(home_figures_registry, key=lambda entry: entry[0]))
    return [figures for figures in found if figures is not None]


def work_kind_register(kind: WorkKind) -> WorkKind:
    """Called by the app that owns the items (its AppConfig.ready()); registering a rule again
    replaces the entry, so a reload does not duplicate it."""
    return work_kinds_registry.register(kind)


def work_kind(rule: str) -> WorkKind:
    if rule in work_kinds_registry:
        return work_kinds_registry.get(rule)
    label = DeadlineRule(rule).label if rule in DeadlineRule.values else rule
    return WorkKind(rule=rule, label=label)


def work_kinds() -> list[WorkKind]:
    return sorted(work_kinds_registry, key=lambda k: (k.order, str(k.label)))


# --- what is undecided ---------------------------------------------------------------------------

def undecided_deadlines(viewer: Viewer) -> QuerySet[Deadline]:
    """Deadlines of items not yet decided (open, or marked missed by the sweep and still waiting),
    in the viewer's scope. `closed_at IS NULL` is the predicate of the partial indexes."""
    return scope(Deadline.objects.filter(closed_at__isnull=True), viewer)


def due_condition(due: str, *, today: date, within_days: int | None = None) -> Q:
    """The rows a `due` filter value selects among undecided deadlines."""
    within = settings.DEADLINE_REMIND_WITHIN_DAYS if within_days is None else within_days
    if due == DUE_OVERDUE:
        return Q(due_on__lt=today)
    if due == DUE_SOON:
        return Q(due_on__gte=today, due_on__lte=today + timedelta(days=within))
    return Q()


def is_overdue(deadline_state: str, closed_at, due_on: date | None, today: date) -> bool:
    """An undecided item past its due date is overdue now, whether or not the sweep has marked it."""
    return (closed_at is None and due_on is not None and deadline_state in (DeadlineState.OPEN, DeadlineState.MISSED)
            and due_on < today)


def deadline_state_label(deadline: Deadline, today: date):
    """The state a clerk reads: 'overdue' for an undecided item past its due date, before and
    after the nightly sweep; otherwise the stored state."""
    if is_overdue(deadline.state, deadline.closed_at, deadline.due_on, today):
        return _("overdue")
    return deadline.get_state_display()


@dataclass
class KindCounts:
    kind: WorkKind
    undecided: int = 0
    due_soon: int = 0
    overdue: int = 0
    mine: int = 0

    def url(self, due: str | None = None) -> str:
        return self.kind.queue_url(due)


@dataclass
class TodaysWork:
    today: date
    within_days: int
    kinds: list[KindCounts]
    assigned: list[Deadline]  # the first undecided items assigned to the user, soonest due first
    assigned_total: int
    supervisor: bool
    escalations: list[DeadlineNotice]  # escalations sent to the user about items still undecided
    missed: list[Deadline]  # the oldest overdue items of the office (supervisors)
    alerts: list[Alert] = field(default_factory=list)  # non-deadline work to resolve (supervisors)
    figures: list[Figures] = field(default_factory=list)  # other apps' panels (clerks)

    @property
    def totals(self) -> KindCounts:
        total = KindCounts(WorkKind(rule="", label=_("all kinds")))
        for row in self.kinds:
            total.undecided += row.undecided
            total.due_soon += row.due_soon
            total.overdue += row.overdue
            total.mine += row.mine
        return total


def staff_name(user) -> str:
    """A clerk as others read them: the full name (family name first, without a space, for a
    Chinese name), else the username."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not first and not last:
        return user.get_username()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def is_supervisor(user) -> bool:
    return bool(user.is_superuser or user.groups.filter(name="supervisor").exists())


def work_counts(viewer: Viewer, *, today: date, within_days: int) -> dict[str, dict[str, int]]:
    """Per deadline rule: undecided, due within the reminder window, overdue, and assigned to the
    viewer. One aggregate over the undecided rows only."""
    soon = today + timedelta(days=within_days)
    rows = (undecided_deadlines(viewer).order_by().values("rule")
            .annotate(undecided=Count("id"),
                      due_soon=Count("id", filter=Q(due_on__gte=today, due_on__lte=soon)),
                      overdue=Count("id", filter=Q(due_on__lt=today)),
                      mine=Count("id", filter=Q(assignee_id=viewer.user_id or 0))))  # no user has id 0
    return {row["rule"]: row for row in rows}


def todays_work(*, viewer: Viewer, user, today: date, within_days: int | None = None,
                can=lambda permission: True, limit: int = 10) -> TodaysWork:
    """What the home page shows. `can(permission)` says whether the user may open a kind's queue."""
    within = settings.DEADLINE_REMIND_WITHIN_DAYS if within_days is None else within_days
    counts = work_counts(viewer, today=today, within_days=within)
    rules = [k.rule for k in work_kinds()] + sorted(set(counts) - {k.rule for k in work_kinds_registry})
    kinds = []
    for rule in rules:
        kind = work_kind(rule)
        if kind.permission and not can(kind.permission):
            continue
        row = counts.get(rule, {})
        kinds.append(KindCounts(kind, undecided=row.get("undecided", 0), due_soon=row.get("due_soon", 0),
                                overdue=row.get("overdue", 0), mine=row.get("mine", 0)))
    assigned, assigned_total = [], 0
    if viewer.user_id is not None and viewer.kind in (Kind.CLERK, Kind.SUPERUSER):
        mine = undecided_deadlines(viewer).filter(assignee_id=viewer.user_id)
        assigned = list(mine.select_related("office").order_by("due_on", "id")[:limit])
        assigned_total = sum(row.mine for row in kinds)
    supervisor = is_supervisor(user)
    escalations, missed, alerts = [], [], []
    if supervisor:
        alerts = supervisor_alerts(viewer)
        escalations = list(
            scope(DeadlineNotice.objects.all(), viewer)
            .filter(recipient_id=user.pk, kind=NoticeKind.ESCALATION, deadline__closed_at__isnull=True)
            .select_related("deadline", "deadline__assignee").order_by("-created_at", "-id")[:limit])
        missed = list(undecided_deadlines(viewer).filter(due_on__lt=today).select_related("assignee")
                      .order_by("due_on", "id")[:limit])
    figures = home_figures(viewer) if viewer.kind in (Kind.CLERK, Kind.SUPERUSER) else []
    return TodaysWork(today=today, within_days=within, kinds=kinds, assigned=assigned, assigned_total=assigned_total,
                      supervisor=supervisor, escalations=escalations, missed=missed, alerts=alerts, figures=figures)
