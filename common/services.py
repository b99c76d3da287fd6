"""One shape for every service: how an entry point is declared, and how a state machine moves.

**Entry points.** A service entry point is a plain function, keyword-only, with the caller as
`actor: Viewer`. It is declared once, right after its definition:

    def refund_audit(*, refund: Refund, actor: Viewer, note: str = "") -> Refund:
        ...
    refund_audit = entry(refund_audit, callers=STAFF, permission=WORK_PERMISSION)

The declaration wraps the function so that every call, from the API, the admin, a task or a
command, first opens a transaction (a savepoint when another entry point called it), then
resolves the caller and refuses, before the body runs, a caller whose kind is not among
`callers`, a clerk without `permission`, and a caller it cannot scope (staff with no office is
`Kind.NOBODY`, refused unless `callers` names it). Files the call stored (vouchers) are deleted
again when it raises, as its transaction rolls back. The declaration is not a decorator on
purpose: mutmut 3 mutates only undecorated functions, and our mutation runs measure services.

**State machines.** A `Machine` is one table, `state -> {action: Step}`, written once per stateful
model. `transition()` is the one function that moves a locked row: it checks the step (one
conflict problem, one wording), sets the state, saves it with the fields the caller changed,
closes and opens the step's deadlines, and writes the step's event; all inside the caller's
entry point, so in its transaction.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.access import Kind, Viewer, scope, viewer_may
from common.files import files_removed_on_error
from common.problems import Conflict, Forbidden, NotFound
from common.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])

# Who may call an entry point, by the kind of caller (common.access.Kind).
STAFF = frozenset({Kind.SYSTEM, Kind.SUPERUSER, Kind.CLERK})  # clerks, holding `permission` if one is named
SYSTEM = frozenset({Kind.SYSTEM, Kind.SUPERUSER})  # scheduled jobs, commands, a superuser
PORTAL = frozenset({Kind.EMPLOYER})  # an employer's HR portal: its own employer only
PERSON = frozenset({Kind.PERSON})  # an insured person: their own record only
COLLECTOR = frozenset({Kind.COLLECTOR})  # the collector's system: money records of its region's accounts
ANONYMOUS = frozenset({Kind.NOBODY})  # a caller with no account (an employer's first registration)

_DEFAULT_REFUSAL = gettext_lazy("You may not take this step.")

@dataclass(frozen=True)
class Entry:
    """What an entry point declares about its callers."""

    callers: frozenset[Kind]
    permission: str | None = None
    refusal: Any = _DEFAULT_REFUSAL

    def check(self, actor: Viewer) -> None:
        if not isinstance(actor, Viewer):
            raise TypeError("a service entry point takes its caller as actor=Viewer(...)")
        if actor.kind not in self.callers:
            raise Forbidden(str(self.refusal))
        if self.permission and actor.kind is Kind.CLERK and not viewer_may(actor, self.permission):
            raise Forbidden(str(self.refusal))


def entry(fn: F, *, callers: Iterable[Kind], permission: str | None = None, refusal: Any = None,
          atomic: bool = True) -> F:
    """Declare `fn` a service entry point (see the module's docstring). `atomic=False` is for the few
    that must commit part of their work before the rest (an e-mail claimed before it is sent, so that
    a crash never sends it twice): they open their own transactions, and the caller is checked first."""
    declared = Entry(frozenset(callers), permission, refusal or _DEFAULT_REFUSAL)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if "actor" not in kwargs:
            raise TypeError(f"{fn.__name__}() needs actor=: every service call names its caller")
        with files_removed_on_error(), (transaction.atomic() if atomic else contextlib.nullcontext()):
            declared.check(kwargs["actor"])
            return fn(*args, **kwargs)

    call.__service_entry__ = declared  # read by the fitness test and the docs
    return call  # type: ignore[return-value]


def is_entry_point(fn: Any) -> bool:
    return isinstance(getattr(fn, "__service_entry__", None), Entry)


# --- locking --------------------------------------------------------------------------------------

M = TypeVar("M", bound=models.Model)


def row_lock(queryset: models.QuerySet[M], pk: Any, *, actor: Viewer, missing: str,
             related: Iterable[str] = ()) -> M:
    """The row with `pk`, locked (FOR UPDATE of the row itself), when the actor may see it;
    otherwise `missing` as a 404: a row in another region is as absent as one that does not exist."""
    related = tuple(related)
    # Of the row itself: a scope over two region paths (a payer that is an employer or a person, issue 28)
    # joins both sides as outer joins, which FOR UPDATE may not lock.
    queryset = queryset.select_for_update(of=("self",))
    if related:
        queryset = queryset.select_related(*related)
    row = scope(queryset, actor).filter(pk=pk).first()
    if row is None:
        raise NotFound(missing)
    return row


# --- state machines --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One allowed move: the state it leads to, the event it writes (the app's writer, called as
    `event(subject, actor=actor, **details)`), and the deadlines it closes and opens (rules)."""

    to: str
    event: Callable[..., Any] | None = None
    close: str | None = None  # closed as decided: met, or missed when past due
    cancel: str | None = None  # closed as withdrawn (the applicant has the item now)
    open: str | None = None  # the next step's clock starts
    # The writer of many subjects' events at once (`transition_many`), called as
    # `events(subjects, actor=actor, details=[...])`; without it `transition_many` moves them one by one.
    events: Callable[..., Any] | None = None


class DeadlineKeeper(Protocol):
    def open(self, *, rule: str, subject: models.Model, region: Any, starts_on: date, **item: Any) -> Any: ...

    def close(self, *, subject: models.Model, rule: str, cancelled: bool = False) -> Any: ...


# The deadline engine (agency) registers itself in AppConfig.ready(): common knows no rules.
deadline_keepers: Registry[DeadlineKeeper] = Registry("common.deadline_keeper", key=lambda keeper: "deadlines")


class Machine:
    """A state machine written once: `table[state][action] = Step(...)`; a state with no entry or an
    empty dict is final. `what` names the thing in messages ("refund"), `actions` each action's past participle
    ("approved"), so that the one conflict wording reads "This refund is paid; it cannot be audited."."""

    def __init__(self, what: Any, table: Mapping[str, Mapping[str, Step]], *, field: str = "state",
                 actions: Mapping[str, Any] | None = None, states: type[models.TextChoices] | None = None,
                 subject_arg: str | None = None):
        self.what, self.table, self.field = what, table, field
        self.subject_arg = subject_arg  # the event writers' keyword for the subject (None: positional)
        self.actions_labels = dict(actions or {})
        self.states = states
        for moves in table.values():
            for step in moves.values():
                if states is not None and step.to not in states.values:
                    raise ValueError(f"{what}: unknown target state {step.to!r}")

    def available(self, state: str) -> list[str]:
        return list(self.table.get(state, {}))

    def is_final(self, state: str) -> bool:
        return not self.table.get(state)

    def state_label(self, state: str) -> str:
        if self.states is not None and state in self.states.values:
            return str(self.states(state).label)
        return state

    def step(self, state: str, action: str) -> Step:
        """The step `action` takes from `state`, or the one conflict problem every machine answers."""
        step = self.table.get(state, {}).get(action)
        if step is None:
            raise Conflict(_("This %(what)s is %(state)s; it cannot be %(action)s.")
                           % {"what": self.what, "state": self.state_label(state),
                              "action": self.actions_labels.get(action, action)},
                           type_slug="already-decided" if self.is_final(state) else "conflict",
                           state=state, allowed=self.available(state))
        return step


def transition(machine: Machine, subject: models.Model, action: str, *, actor: Viewer,
               fields: Iterable[str] = (), region: Any = None, starts_on: date | None = None,
               deadline_item: Mapping[str, Any] | None = None, **event_details: Any) -> Any:
    """Move `subject` (locked by the caller) by `action`; returns the event written, if any.

    `fields` are other columns the caller set on the subject for this step (who decided, when, why),
    saved with the state. `region`, `starts_on` and `deadline_item` (label and text) are for the
    deadline the step opens; the region defaults to the subject's. `event_details` go to the writer."""
    step = machine.step(getattr(subject, machine.field), action)
    setattr(subject, machine.field, step.to)
    subject.save(update_fields=[machine.field, *fields])
    if step.close or step.cancel or step.open:
        keeper = deadline_keepers.get("deadlines")
        if keeper is None:
            raise RuntimeError("no deadline keeper registered (agency's AppConfig.ready() registers it)")
        if step.close:
            keeper.close(subject=subject, rule=step.close)
        if step.cancel:
            keeper.close(subject=subject, rule=step.cancel, cancelled=True)
        if step.open:
            from django.utils import timezone

            keeper.open(rule=step.open, subject=subject, region=region or subject.region,
                                  starts_on=starts_on or timezone.localdate(), **(deadline_item or {}))
    if step.event is None:
        return None
    if machine.subject_arg:
        return step.event(actor=actor, **{machine.subject_arg: subject}, **event_details)
    return step.event(subject, actor=actor, **event_details)


def transition_many(machine: Machine, subjects: Sequence[models.Model], action: str, *, actor: Viewer,
                    details: Sequence[Mapping[str, Any]] | None = None) -> None:
    """`transition` for many subjects of one model (each locked by the caller) moved by the same
    action: every subject's step is checked as `transition` checks it, the subjects going to one state
    are saved by one UPDATE, and their events written at once by the step's batch writer
    (`Step.events`). A step that closes or opens a deadline, or has no batch writer, moves its subjects
    through `transition` one by one. `details` are each subject's event details."""
    details = list(details) if details is not None else [{} for _subject in subjects]
    groups: dict[Step, list[tuple[models.Model, Mapping[str, Any]]]] = {}
    for subject, detail in zip(subjects, details, strict=True):
        groups.setdefault(machine.step(getattr(subject, machine.field), action), []).append((subject, detail))
    for step, group in groups.items():
        if step.close or step.cancel or step.open or (step.event is not None and step.events is None):
            for subject, detail in group:
                transition(machine, subject, action, actor=actor, **detail)
            continue
        for subject, _detail in group:
            setattr(subject, machine.field, step.to)
        model = type(group[0][0])
        model._default_manager.filter(pk__in=[subject.pk for subject, _detail in group]).update(
            **{machine.field: step.to})
        if step.events is not None:
            step.events([subject for subject, _detail in group], actor=actor,
                        details=[detail for _subject, detail in group])
