"""The daily reconciliation of collected money (issue 22, item 7).

Per collection account and value date, every yuan of the credit records reported for that day is
in exactly one place:

    collected = allocated + employer credit + suspense + returned + reversed

- allocated: what the records' payments (one per application) pay of charges now (net of releases);
- employer credit: what those payments hold unallocated (the employer's credit);
- suspense: the records' suspense items still waiting (or proposed for assignment);
- returned: items returned to the payer;
- reversed: payments the collector reversed, and suspense items its reversal took out.

An assigned suspense item counts through its application's payment; an application applied again
(issue 28: a person's money above the credit limit once their months were reversed) counts through the
new application (`Application.replaces`) and the suspense item (`SuspenseItem.replaces`) only. A difference means money that
was dropped, counted twice, or moved by hand; the nightly job (collection/services/reconciliation.py,
collection/tasks.py) records each day's figures and the supervisor's home page shows the days
whose latest check found a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from collection.models import ReconciliationDay
from common.access import Viewer, scope

FIGURES = ("collected", "allocated", "credit", "suspense", "returned", "reversed")

_FIGURES_SQL = """
WITH rec AS (
    SELECT r.id, r.account_id, r.value_date, r.amount
      FROM collection_collectorrecord r
     WHERE r.kind = 'credit'
       AND (r.value_date BETWEEN %(since)s AND %(until)s
            OR (r.account_id, r.value_date) IN (SELECT * FROM unnest(%(accounts)s::bigint[], %(days)s::date[])))
), app AS (
    SELECT rec.account_id, rec.value_date, a.amount, (rv.id IS NOT NULL) AS reversed,
           COALESCE((SELECT sum(al.amount) FROM contributions_allocation al WHERE al.payment_id = a.payment_id), 0)
               AS allocated
      FROM rec JOIN collection_application a ON a.record_id = rec.id
      LEFT JOIN contributions_paymentreversal rv ON rv.payment_id = a.payment_id
     WHERE NOT EXISTS (SELECT 1 FROM collection_application n WHERE n.replaces_id = a.id)
       AND NOT EXISTS (SELECT 1 FROM collection_suspenseitem s WHERE s.replaces_id = a.id)
)
SELECT account_id, value_date, sum(collected), sum(allocated), sum(credit), sum(suspense), sum(returned),
       sum(reversed)
  FROM (
    SELECT account_id, value_date, amount AS collected, 0 AS allocated, 0 AS credit, 0 AS suspense,
           0 AS returned, 0 AS reversed
      FROM rec
    UNION ALL
    SELECT account_id, value_date, 0, CASE WHEN reversed THEN 0 ELSE allocated END,
           CASE WHEN reversed THEN 0 ELSE amount - allocated END, 0, 0, CASE WHEN reversed THEN amount ELSE 0 END
      FROM app
    UNION ALL
    SELECT rec.account_id, rec.value_date, 0, 0, 0,
           CASE WHEN s.state IN ('waiting', 'proposed') THEN s.amount ELSE 0 END,
           CASE WHEN s.state = 'returned' THEN s.amount ELSE 0 END,
           CASE WHEN s.state = 'reversed' THEN s.amount ELSE 0 END
      FROM rec JOIN collection_suspenseitem s ON s.record_id = rec.id
  ) x
 GROUP BY account_id, value_date
 ORDER BY account_id, value_date
"""


@dataclass(frozen=True)
class DayFigures:
    account_id: int
    value_date: date
    collected: Decimal
    allocated: Decimal
    credit: Decimal
    suspense: Decimal
    returned: Decimal
    reversed: Decimal

    @property
    def difference(self) -> Decimal:
        return self.collected - (self.allocated + self.credit + self.suspense + self.returned + self.reversed)


def day_figures(*, since: date, until: date, pairs: list[tuple[int, date]] = ()) -> list[DayFigures]:
    """The figures of every (account, value date) with credit records between `since` and `until`,
    and of the `pairs` named besides (days checked before, whatever their date)."""
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES_SQL, {"since": since, "until": until, "accounts": [a for a, _d in pairs],
                                      "days": [d for _a, d in pairs]})
        return [DayFigures(*row) for row in cursor.fetchall()]


def latest_checks(viewer: Viewer) -> QuerySet[ReconciliationDay]:
    """The latest check of each (account, value date) the viewer may see."""
    newer = ReconciliationDay.objects.filter(account_id=OuterRef("account_id"), value_date=OuterRef("value_date"),
                                             checked_at__gt=OuterRef("checked_at"))
    return scope(ReconciliationDay.objects.all(), viewer).filter(~Exists(newer))


def days_with_difference(viewer: Viewer) -> QuerySet[ReconciliationDay]:
    return latest_checks(viewer).filter(~Q(difference=0))


def reconciliation_alert(viewer: Viewer):
    """The supervisor's home page (agency.workbench's supervisor alerts): collection days whose latest
    check found a difference, linked to the reconciliation list filtered on them."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from agency.workbench import Alert

    url = reverse("admin:collection_reconciliationday_changelist") + "?check=difference"
    return Alert(label=gettext_lazy("Collection days that do not reconcile (collected money unaccounted for)"),
                 count=days_with_difference(viewer).count(), url=url)
