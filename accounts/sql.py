"""The account rules that SQL statements need, each written here once as a named fragment (see
contributions/sql.py for the shape). Their Python twins, proved equal in tests/accounts/test_sql_rules.py:

| rule | fragment | Python twin |
|---|---|---|
| a month of contribution (Art. 16): its credits, with their corrections, add up to more than zero | `credited_months` | `selectors.contribution_months` (ORM) |
| the year's bookkeeping interest of an account (month accumulation) | `interest_amount` | `rules.interest_compute` |
"""

from __future__ import annotations


def credited_months(*, source: str, person: str, month: str, amount: str, where: str = "") -> str:
    """SELECT of (person_id, contribution_month): each person's months of contribution, from the entry
    rows `source` whose person, contribution month and amount are the expressions named."""
    return (f"SELECT {person} AS person_id, {month} AS contribution_month FROM {source}\n"
            f"        WHERE {month} IS NOT NULL{' AND ' + where if where else ''}\n"
            f"        GROUP BY {person}, {month} HAVING sum({amount}) > 0")


def interest_amount(*, opening: str, weighted: str, percent: str) -> str:
    """The year's interest from the opening balance and the month-weighted credits (sum of amount x
    (13 - month)), the rate in percent, rounded half-up to the fen once."""
    return f"round(({opening} * 12 + {weighted}) * {percent} / 1200, 2)"


def interest_weight(posted_on: str) -> str:
    """The weight of an entry posted in the year: its months to the year's end, counted inclusively."""
    return f"(13 - extract(month FROM {posted_on}))"
