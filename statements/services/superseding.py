"""Reissuing a statement when its year changed after it was generated (issue 23, item 3).

Detection is read from the database, not asked of the writers: a correcting account entry, a late
or correcting declaration, a confirmed Art. 58 determination, an allocation or its release (a
payment, a reversal that reopened months), recomputed interest: every one of them is a row with the
moment it was recorded (`created_at`, `declared_at`, `decided_at`). A sweep (beat, every
STATEMENT_SUPERSEDE_MINUTES) collects the person-years of the rows recorded since the previous
sweep began (less STATEMENT_SUPERSEDE_OVERLAP_MINUTES, for transactions that committed late), keeps
those whose current statement is older than the change, and writes them as its candidates in one
statement. Each candidate is then checked in its own transaction under the person's row lock: the
year's snapshot is generated again as version n + 1 inside a savepoint and its figures compared
with the current version's; unchanged figures roll the savepoint back, changed ones keep the new
row, deliver it by the person's channel with an account of what changed, and write the event. The
candidate is marked done in the same transaction, so a killed sweep resumes where it stopped and a
second sweep over the same changes finds the new version current and its figures equal: nothing
is reissued twice. Statements are never updated: the old row stays, the new one names it.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone

from common.access import Viewer
from common.outbox import outbox_send_after_commit
from common.services import SYSTEM, Machine, Step, entry, transition
from contributions.sql import determined_month_counts
from insured.models import InsuredPerson, StatementDelivery
from pensions.paid_years import paid_years_changed
from statements import events
from statements.changes import snapshot_changes
from statements.models import (
    Delivery,
    DeliveryState,
    Statement,
    SupersedeCandidate,
    SupersedeSweep,
    SweepState,
)
from statements.queue import EMAILS
from statements.services.generation import _delivery_for
from statements.snapshot import PersonRow, statements_generate_range

# A sweep runs until every candidate is checked.
SWEEP = Machine("statement reissue sweep", {SweepState.RUNNING: {"finish": Step(SweepState.DONE)}},
                states=SweepState, actions={"finish": "finished"})

# (person, year, when) of every row recorded since %(since)s that changes a year's figures. Each
# branch starts from an index on the moment (BRIN on the append-only tables) and reaches the person
# by the tables' own keys: lines by (employer_id, period), the partition key named.
_CHANGED_SQL = f"""
    SELECT a.person_id, CASE WHEN e.kind = 'interest' THEN e.interest_year
                             ELSE extract(year FROM e.posted_on)::int END AS year, e.created_at AS at
    FROM accounts_accountentry e JOIN accounts_pensionaccount a ON a.id = e.account_id
    WHERE e.created_at >= %(since)s
    UNION ALL  -- a credit or correction of a month counts that month's year (months contributed)
    SELECT a.person_id, extract(year FROM e.contribution_month)::int, e.created_at
    FROM accounts_accountentry e JOIN accounts_pensionaccount a ON a.id = e.account_id
    WHERE e.created_at >= %(since)s AND e.contribution_month IS NOT NULL
    UNION ALL  -- a declaration or correction filing: its lines
    SELECT l.person_id, extract(year FROM l.period)::int, dc.declared_at
    FROM contributions_declaration dc
    JOIN contributions_contributionline l
      ON l.employer_id = dc.employer_id AND l.period = dc.period AND l.declaration_id = dc.id
    WHERE dc.declared_at >= %(since)s
    UNION ALL  -- an Art. 58 determination confirmed: its months
    SELECT d.person_id, extract(year FROM m.period)::int, d.decided_at
    FROM contributions_determination d JOIN contributions_determinedmonth m ON m.determination_id = d.id
    WHERE {determined_month_counts("m", "d")} AND d.decided_at >= %(since)s
    UNION ALL  -- money allocated to a charge, or given back by a reversal: its months paid or reopened
    SELECT l.person_id, extract(year FROM l.period)::int, al.created_at
    FROM contributions_allocation al JOIN contributions_charge c ON c.id = al.charge_id
    JOIN contributions_contributionline l
      ON l.employer_id = c.employer_id AND l.period = c.period AND l.charge_id = c.id
    WHERE al.created_at >= %(since)s
    UNION ALL
    SELECT d.person_id, extract(year FROM m.period)::int, al.created_at
    FROM contributions_allocation al JOIN contributions_determinedmonth m ON m.charge_id = al.charge_id
    JOIN contributions_determination d ON d.id = m.determination_id
    WHERE al.created_at >= %(since)s
"""

# The current statements (none supersedes them) of the changed person-years, generated before the
# change (or within the overlap after it: a change that committed after the statement's snapshot
# was taken is checked too; equal figures reissue nothing).
_CANDIDATES_SQL = f"""
INSERT INTO statements_supersedecandidate (sweep_id, statement_id, done)
SELECT %(sweep)s, s.id, false
FROM (SELECT person_id, year, max(at) AS at FROM ({_CHANGED_SQL}) changed GROUP BY person_id, year) c
JOIN statements_statement s ON s.person_id = c.person_id AND s.year = c.year
WHERE NOT EXISTS (SELECT 1 FROM statements_statement n WHERE n.supersedes_id = s.id)
  AND s.generated_at < c.at + %(overlap)s
ORDER BY s.id
ON CONFLICT DO NOTHING
"""


# The changed person-years already summed into the pension estimate's rows (pensions.paid_years: a row of
# the year, or a later one) whose row was computed before the change (or within the overlap after it):
# rewritten from the ledger whether or not the person has a statement of that year (a late declaration of
# a year before the first statement).
_PAID_YEARS_SQL = f"""
SELECT c.person_id, c.year
FROM (SELECT person_id, year, max(at) AS at FROM ({_CHANGED_SQL}) changed GROUP BY person_id, year) c
JOIN LATERAL (SELECT max(t.year) AS through FROM pensions_paidyear t WHERE t.person_id = c.person_id) t
  ON c.year <= t.through
LEFT JOIN pensions_paidyear y ON y.person_id = c.person_id AND y.year = c.year
WHERE y.computed_at IS NULL OR y.computed_at < c.at + %(overlap)s
"""

# --- one candidate ------------------------------------------------------------------------------------

def _reissue(old: Statement, person: InsuredPerson, actor: Viewer) -> Statement | None:
    """Version n + 1 of `old` when its figures differ (delivered, its event written); None otherwise.
    The caller holds the transaction and the person's row lock."""
    savepoint = transaction.savepoint()
    statements_generate_range(first_person_id=person.pk, last_person_id=person.pk, year=old.year, region_id=None,
                              run_id=None, generated_on=timezone.localdate(), actor_label=actor.label(),
                              deliveries=False, version=old.version + 1, supersedes_id=old.pk)
    new = Statement.objects.filter(person_id=person.pk, year=old.year, version=old.version + 1).first()
    changes = snapshot_changes(json.loads(old.snapshot), json.loads(new.snapshot)) if new else []
    if not changes:
        transaction.savepoint_rollback(savepoint)
        return None
    transaction.savepoint_commit(savepoint)
    # A delivery of the old version not yet sent would send outdated figures: it is cancelled.
    Delivery.objects.filter(statement=old, state=DeliveryState.PENDING).update(
        state=DeliveryState.CANCELLED, outcome_note="superseded", outcome_recorded_by=actor.label())
    row = PersonRow.of(person)
    delivery = _delivery_for(new, row, channel=row.channel, actor=actor)
    delivery.save()
    if delivery.channel == StatementDelivery.EMAIL:
        outbox_send_after_commit(EMAILS)
    events.statement_superseded(new, actor=actor, old=old, changes=changes)
    return new


def _candidate_check(candidate_id: int, actor: Viewer) -> Statement | None:
    """One candidate in its own transaction: reissued when its figures changed, marked done either way."""
    with transaction.atomic():
        candidate = (SupersedeCandidate.objects.select_for_update(skip_locked=True)
                     .filter(pk=candidate_id, done=False).first())
        if candidate is None:  # done, or another worker has it
            return None
        old = Statement.objects.get(pk=candidate.statement_id)
        # One change of a person's statements at a time (a request, a counter print, a reissue).
        person = InsuredPerson.objects.select_for_update().get(pk=old.person_id)
        new = None
        if not Statement.objects.filter(supersedes_id=old.pk).exists():
            new = _reissue(old, person, actor)
        candidate.done, candidate.reissued_as = True, new
        candidate.save(update_fields=["done", "reissued_as"])
    return new


# --- the sweep -------------------------------------------------------------------------------------------

def _since():
    """Changes recorded since the previous sweep began (less the overlap); before the first sweep,
    since the first statement."""
    overlap = timedelta(minutes=settings.STATEMENT_SUPERSEDE_OVERLAP_MINUTES)
    last = SupersedeSweep.objects.filter(state=SweepState.DONE).order_by("-started_at").first()
    if last is not None:
        return last.started_at - overlap
    first = Statement.objects.aggregate(m=Min("generated_at"))["m"]
    return first - overlap if first is not None else None


def _sweep_open(actor: Viewer) -> SupersedeSweep | None:
    """The running sweep (a killed one is resumed), or a new one with its candidates written."""
    with transaction.atomic():
        running = SupersedeSweep.objects.filter(state=SweepState.RUNNING).first()
        if running is not None:
            return running
        since = _since()
        if since is None:
            return None  # no statement: nothing to supersede
        try:
            with transaction.atomic():
                sweep = SupersedeSweep.objects.create(since=since, started_by=actor.label())
        except IntegrityError:  # another sweep started at the same moment
            return SupersedeSweep.objects.filter(state=SweepState.RUNNING).first()
        with connection.cursor() as cursor:
            overlap = timedelta(minutes=settings.STATEMENT_SUPERSEDE_OVERLAP_MINUTES)
            cursor.execute(_CANDIDATES_SQL, {"sweep": sweep.pk, "since": since, "overlap": overlap})
            sweep.candidates = cursor.rowcount
            cursor.execute(_PAID_YEARS_SQL, {"since": since, "overlap": overlap})
            paid_years_changed(cursor.fetchall())
        sweep.save(update_fields=["candidates"])
    return sweep


def statement_supersede_sweep(*, actor: Viewer, chunk: int = 500) -> SupersedeSweep | None:
    """Finds the statements whose year changed after they were generated and reissues those whose
    figures differ. Resumable: a running sweep is continued; each candidate commits on its own."""
    sweep = _sweep_open(actor)
    if sweep is None:
        return None
    last_id = 0
    while True:
        ids = list(SupersedeCandidate.objects.filter(sweep=sweep, done=False, pk__gt=last_id)
                   .order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        for candidate_id in ids:
            _candidate_check(candidate_id, actor)
        last_id = ids[-1]
    with transaction.atomic():
        sweep = SupersedeSweep.objects.select_for_update().get(pk=sweep.pk)
        if sweep.state != SweepState.RUNNING:
            return sweep
        if SupersedeCandidate.objects.filter(sweep=sweep, done=False).exists():
            return sweep  # another worker holds some: it, or the next sweep, finishes
        sweep.reissued = SupersedeCandidate.objects.filter(sweep=sweep, reissued_as__isnull=False).count()
        sweep.finished_at = timezone.now()
        transition(SWEEP, sweep, "finish", actor=actor, fields=["reissued", "finished_at"])
    return sweep


# Each candidate commits on its own (a killed sweep resumes), so no transaction around the whole.
statement_supersede_sweep = entry(statement_supersede_sweep, callers=SYSTEM, atomic=False)
