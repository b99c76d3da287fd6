"""Credits when paid (Art. 12): the individual pension part of each contribution line is credited
to the person's account when the employer's money settles the line's charge.

Registered with `contributions.hooks` and run inside the allocation's transaction, so a charge is
settled and credited together or not at all. A positive charge credits its lines when an allocation
settles it; a negative charge (a correction that lowered a month) posts its negative differences as
correction entries once it has been used up as credit. Each entry is dated the day the money counts
as paid (the bookkeeping month interest counts from), and keyed `charge:<id>`, so a charge posts to
an account once.

A charge the collector's reversal reopened (issue 22: a release among its allocations) was credited
and its credit reversed (`credits_reverse`, a correcting entry keyed `reversed:<id>:<n>`); settled
again it is credited again, keyed `charge:<id>:<n>` with n the releases so far, so each settlement
posts once.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils import timezone

from contributions.sql import credit_used_up

_USED_UP_CREDITS = f"""
SELECT c.id FROM contributions_charge c
WHERE c.id = ANY(%(ids)s) AND {credit_used_up("c")}
"""

# A charge a successor took over in a merger (`merger_in`) has no lines of its own: paying it credits
# the lines of the merged employer's charge it took over (`parent`), keyed by that charge, so the
# months are credited once whoever pays them. An Art. 58 month the agency determined (a `determined`
# charge, contributions/services/determinations.py) has no line either: its determined month carries
# the individual pension part, credited the same way when the charge is settled. A flexible worker's
# month (issue 28: a `self_paid` charge, paid by the person) carries it on its SelfPaidMonth.
_LINES = """
SELECT person_id, period, charge_id, credited_id, sum(amount) AS amount FROM (
    SELECT l.person_id, l.period, c.id AS charge_id, coalesce(pc.id, c.id) AS credited_id,
           l.pension_individual AS amount
    FROM contributions_charge c
    LEFT JOIN contributions_charge pc ON pc.id = c.parent_id AND c.kind = 'merger_in'
    JOIN contributions_contributionline l
      ON l.employer_id = coalesce(pc.employer_id, c.employer_id) AND l.period = c.period
         AND l.charge_id = coalesce(pc.id, c.id)
    WHERE c.id = ANY(%(ids)s)
    UNION ALL
    SELECT d.person_id, dm.period, c.id, coalesce(pc.id, c.id), dm.pension_individual
    FROM contributions_charge c
    LEFT JOIN contributions_charge pc ON pc.id = c.parent_id AND c.kind = 'merger_in'
    JOIN contributions_determinedmonth dm ON dm.charge_id = coalesce(pc.id, c.id)
    JOIN contributions_determination d ON d.id = dm.determination_id
    WHERE c.id = ANY(%(ids)s)
    UNION ALL
    SELECT f.person_id, f.period, c.id, c.id, f.pension_individual
    FROM contributions_charge c
    JOIN contributions_selfpaidmonth f ON f.charge_id = c.id
    WHERE c.id = ANY(%(ids)s)
) x
GROUP BY person_id, period, charge_id, credited_id
HAVING sum(amount) <> 0
"""

_OPEN_ACCOUNTS = f"""
INSERT INTO accounts_pensionaccount (person_id, opened_on, balance)
SELECT DISTINCT person_id, %(today)s, 0 FROM ({_LINES}) x
ON CONFLICT (person_id) DO NOTHING
"""

# A person paid out (the refund closed the account) and insured again: the credit reopens the account
# (issue 23, loose end 2), dated the first day money counts as paid; a negative correction does not.
_REOPEN = f"""
UPDATE accounts_pensionaccount a SET closed_on = NULL, reopened_on = r.day
FROM (SELECT x.person_id, min(p.day) AS day FROM ({_LINES}) x
      JOIN unnest(%(ids)s::bigint[], %(days)s::date[]) AS p(charge_id, day) ON p.charge_id = x.charge_id
      WHERE x.amount > 0 GROUP BY x.person_id) r
WHERE a.person_id = r.person_id AND a.closed_on IS NOT NULL
"""

_POST = f"""
INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on, cause_type, cause_id,
                                   source_key, actor, note, created_at)
SELECT a.id, CASE WHEN x.amount > 0 THEN 'credit' ELSE 'correction' END, x.amount, x.period, p.day,
       'charge', x.charge_id,
       'charge:' || x.credited_id || coalesce(':' || nullif(
           (SELECT count(*) FROM contributions_allocation r WHERE r.charge_id = x.charge_id AND r.amount < 0), 0), ''),
       %(actor)s, '', now()
FROM ({_LINES}) x
JOIN accounts_pensionaccount a ON a.person_id = x.person_id
JOIN unnest(%(ids)s::bigint[], %(days)s::date[]) AS p(charge_id, day) ON p.charge_id = x.charge_id
ON CONFLICT DO NOTHING
"""


def credits_post_for_allocations(allocations: list) -> None:
    """The contributions hook: credit the lines of every charge these allocations settled."""
    paid_on: dict[int, object] = {}
    for a in allocations:
        if a.settles_charge:
            paid_on[a.charge_id] = max(a.effective_on, paid_on.get(a.charge_id, a.effective_on))
    credits = defaultdict(lambda: None)
    for a in allocations:
        if a.credit_id:
            credits[a.credit_id] = max(a.effective_on, credits[a.credit_id] or a.effective_on)
    with connection.cursor() as cursor:
        if credits:
            cursor.execute(_USED_UP_CREDITS, {"ids": list(credits)})
            for (credit_id,) in cursor.fetchall():
                paid_on[credit_id] = credits[credit_id]
        if not paid_on:
            return
        ids = list(paid_on)
        params = {"ids": ids, "days": [paid_on[i] for i in ids], "today": timezone.localdate(),
                  "actor": allocations[0].actor}
        cursor.execute(_OPEN_ACCOUNTS, params)
        cursor.execute(_REOPEN, params)
        cursor.execute(_POST, params)


# Per account and reopened charge: what its credits net to now; a correcting entry takes it back.
_REVERSE = f"""
INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on, cause_type, cause_id,
                                   source_key, actor, note, created_at)
SELECT a.id, 'correction', -net.total, x.period, %(on)s, 'charge', x.charge_id,
       'reversed:' || x.credited_id || ':' || (SELECT count(*) FROM contributions_allocation r
                                              WHERE r.charge_id = x.charge_id AND r.amount < 0),
       %(actor)s, %(note)s, now()
FROM (SELECT DISTINCT person_id, period, charge_id, credited_id FROM ({_LINES}) l) x
JOIN accounts_pensionaccount a ON a.person_id = x.person_id
CROSS JOIN LATERAL (SELECT coalesce(sum(e.amount), 0) AS total FROM accounts_accountentry e
                     WHERE e.account_id = a.id AND e.cause_type = 'charge' AND e.cause_id = x.charge_id) net
WHERE net.total <> 0
ON CONFLICT DO NOTHING
"""


def credits_reverse(*, charge_ids: list[int], on, actor: str, note: str = "") -> int:
    """The charges `charge_ids` were settled and are open again (the collector reversed the money that
    settled them): post a correcting entry that takes back what their credits net to, dated `on`
    (the reversal's value date). Run inside the reversing service's transaction, after the releases.
    Returns the number of entries posted."""
    if not charge_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_REVERSE, {"ids": list(charge_ids), "on": on, "actor": actor, "note": note[:300]})
        return cursor.rowcount


# Issue 23, loose end 1: a correction filing whose lines net to zero moved a base from one person of a
# month to another; its lines ride on the month's settled charge. Each person's individual pension
# difference is posted now: a credit to the one who gained the base, a correcting entry (negative) to
# the one who lost it, keyed `declaration:<id>` (once per filing) and caused by the carrier charge, so
# the reconciliation's "credits = paid lines" holds and a later reversal of that charge takes them back.
_CARRIED_LINES = """
SELECT l.person_id, l.period, sum(l.pension_individual) AS amount
FROM contributions_contributionline l
WHERE l.period = %(period)s AND l.employer_id = %(employer)s AND l.declaration_id = %(declaration)s
      AND l.charge_id = %(charge)s
GROUP BY l.person_id, l.period
HAVING sum(l.pension_individual) <> 0
"""

_CARRIED_OPEN = f"""
INSERT INTO accounts_pensionaccount (person_id, opened_on, balance)
SELECT person_id, %(on)s, 0 FROM ({_CARRIED_LINES}) x WHERE x.amount > 0
ON CONFLICT (person_id) DO NOTHING
"""

_CARRIED_POST = f"""
INSERT INTO accounts_accountentry (account_id, kind, amount, contribution_month, posted_on, cause_type, cause_id,
                                   source_key, actor, note, created_at)
SELECT a.id, CASE WHEN x.amount > 0 THEN 'credit' ELSE 'correction' END, x.amount, x.period, %(on)s,
       'charge', %(charge)s, 'declaration:' || %(declaration)s, %(actor)s, '', now()
FROM ({_CARRIED_LINES}) x
JOIN accounts_pensionaccount a ON a.person_id = x.person_id
ON CONFLICT DO NOTHING
"""


def credits_post_for_carried_lines(*, declaration_id: int, employer_id: int, period, charge_id: int, on,
                                   actor: str) -> None:
    """The contributions hook for a zero-net filing whose month is paid: post each person's difference,
    dated `on`, the filing day. Not the day the month was first paid: the money was at the agency from
    then, but counted for the other person, whose interest of the years already run stays as run (a
    record is never rewritten); from the filing day on, the base counts for the person it belongs to,
    and both entries carry the same date, so the month's money earns the same interest in total."""
    params = {"declaration": declaration_id, "employer": employer_id, "period": period, "charge": charge_id,
              "on": on, "actor": actor}
    with connection.cursor() as cursor:
        cursor.execute(_CARRIED_OPEN, params)
        cursor.execute(_CARRIED_POST, params)
