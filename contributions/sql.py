"""The contribution rules that SQL statements need, each written here once as a named fragment.

A fragment is a function that returns SQL text for the column expressions (or table aliases) its
caller names; parameters stay the caller's (`%(on)s`, ...). Statements of other apps compose them
(the arrears lists, the Art. 62 run, the statements, the transfer amounts, the benchmarks' baselines)
instead of writing the rule again. Where a rule also runs in Python, its twin sits in the module named
below and a property test proves both give the same answer (tests/contributions/test_sql_rules.py):

| rule | fragment | Python twin |
|---|---|---|
| a day of a period's month, capped at its last day (the declaration day, the due day) | `day_in_month` | `terms.Terms.day_in` |
| the Art. 62 provisional charge: 110% of the previous month | `provisional_amount` | none |
| late fee days, amount-days and the fee of a charge (Art. 86) | `late_days`, `late_amount_days`, `late_fee` | `fees.late_days`, `fees.late_fee` |
| a charge is settled (paid in full now): a paid month | `charge_settled` | `selectors.lines._settled` (ORM) |
| a charge paid in full now / a credit is used up: what the accounts credit | `charge_paid_in_full`, `credit_used_up` | none (accounts/credits.py posts per allocation) |
| an Art. 58 determined month counts (its determination was confirmed and charged it) | `determined_month_counts` | `selectors.lines.person_months_query` (ORM) |
| a person's month of lines is on the roll (its figures do not net to zero) | `month_on_the_roll` | `selectors.lines.NOT_ON_THE_ROLL` (ORM) |
| the rows a person's months are netted from (lines and counted determined months) | `person_month_rows` | `selectors.lines.person_months_query` (ORM) |

The arrears of an employer (fees.late_fee_of per charge) and the clerks' list (`late_fee` in SQL) are also
compared on generated ledgers, and a person's months as the statement computes them against their own read
(tests/statements/test_sql_rules.py).

Fragments are plain text put into the statement where the rule used to be written, so the planner sees
the same statement (contribution lines are partitioned by period: a fragment never hides the period
condition the caller writes on the lines).
"""

from __future__ import annotations

from decimal import Decimal

from contributions.models import AMOUNT_COLUMNS

PROVISIONAL_FACTOR = Decimal("1.10")  # Art. 62: 110% of the previous month


def day_in_month(period: str, day: str) -> str:
    """The date of day `day` (an int expression) of the month starting at `period` (a date expression),
    the month's last day when it is shorter: the declaration day, the payment (due) day."""
    return f"{period} + LEAST({day}, date_part('day', {period} + interval '1 month - 1 day')::int) - 1"


def provisional_amount(previous_total: str) -> str:
    """Art. 62: the provisional charge for a month not declared, from the previous month's total."""
    return f"round({previous_total} * {PROVISIONAL_FACTOR}, 2)"


def late_days(fee_from: str, paid_on: str) -> str:
    """Days of lateness of money paid on `paid_on` for a charge whose fee runs after `fee_from`
    (0 when the charge bears no fee: GREATEST ignores the NULL)."""
    return f"GREATEST({paid_on} - {fee_from}, 0)"


def late_amount_days(amount: str, paid_on: str, fee_from: str) -> str:
    """One part paid: its amount times its days late (summed per charge by the caller)."""
    return f"{amount} * {late_days(fee_from, paid_on)}"


def late_fee(*, amount_days: str, unpaid: str, fee_from: str, on: str, rate: str) -> str:
    """The late fee of one charge on `on`: the summed amount-days of the parts paid, and what is still
    unpaid counted to `on`, times the daily rate, rounded half-up to the fen once."""
    return (f"CASE WHEN {fee_from} IS NULL THEN 0\n"
            f"              ELSE round(({amount_days} + GREATEST({unpaid}, 0) * {late_days(fee_from, on)})\n"
            f"                         * {rate}, 2) END")


def charge_settled(charge_id: str) -> str:
    """The charge `charge_id` is settled: paid in full now (`charge_paid_in_full`). A month is paid
    when every positive charge behind it is settled. Not "an allocation settled it and was not
    released": after a partial reversal (a part's payment taken back, the allocation that settled the
    rest still live) the charge is open again (issue 23)."""
    return (f"EXISTS (SELECT 1 FROM contributions_charge sc WHERE sc.id = {charge_id}\n"
            f"                   AND {charge_paid_in_full('sc')})")


def determined_month_counts(dm: str = "dm", d: str = "d") -> str:
    """An Art. 58 determined month (`dm`, of the determination `d`) is one of the person's months:
    its determination was confirmed, which charged it."""
    return f"{d}.state = 'confirmed' AND {dm}.charge_id IS NOT NULL"


def month_on_the_roll(lines: str) -> str:
    """HAVING condition of a person's lines grouped by month and employer: some figure does not net to
    zero (a correction that nets every figure to zero took the person off that month's roll)."""
    return " OR ".join(f"sum({lines}.{column}) <> 0" for column in ("base", *AMOUNT_COLUMNS))


def person_month_rows(*, lines_where: str, determined_where: str, lines_join: str = "",
                      self_paid_where: str | None = None, lines_region: str | None = None) -> str:
    """The rows a person's months are netted from, as (person_id, period, base): every contribution line
    (`l`, with `lines_join`), every counted Art. 58 month (`dm` of `d`) and (issue 28) every month a
    flexible worker was charged for (`f`, contributions_selfpaidmonth, when `self_paid_where` is given).
    Name the period in `lines_where`: it is what lets PostgreSQL skip the line partitions outside it.
    With `lines_region` (the expression of a line's region, from `lines_join`), each row also has the
    region it was paid in, as a fourth column `region_id`."""
    region = {"l": f", {lines_region} AS region_id", "d": ", d.region_id", "f": ", f.region_id"} if lines_region else {
        "l": "", "d": "", "f": ""}
    self_paid = "" if self_paid_where is None else f"""
        UNION ALL
        SELECT f.person_id, f.period, f.base{region["f"]}
        FROM contributions_selfpaidmonth f
        WHERE {self_paid_where} AND {self_paid_month_counts()}"""
    return f"""SELECT l.person_id, l.period, l.base{region["l"]}
        FROM contributions_contributionline l
        {lines_join}
        WHERE {lines_where}
        UNION ALL
        SELECT d.person_id, dm.period, dm.base{region["d"]}
        FROM contributions_determinedmonth dm JOIN contributions_determination d ON d.id = dm.determination_id
        WHERE {determined_where}
              AND {determined_month_counts()}{self_paid}"""


def self_paid_month_counts(f: str = "f") -> str:
    """A flexible worker's month (`f`, contributions_selfpaidmonth) counts: its charge was not reversed because
    the month turned out to be an employer's (issue 28: a `self_paid_reversal` credit allocated to it)."""
    return (f"NOT EXISTS (SELECT 1 FROM contributions_charge rv WHERE rv.parent_id = {f}.charge_id\n"
            f"                   AND rv.kind = 'self_paid_reversal')")


def credit_used_up(charge: str) -> str:
    """The credit `charge` (a negative charge, alias of contributions_charge) has given all it holds to
    other charges: a correction that lowered a month counts from then on (accounts post it then)."""
    return (f"{charge}.amount < 0 AND -{charge}.amount <= (SELECT coalesce(sum(u.amount), 0)\n"
            f"                                                  FROM contributions_allocation u WHERE u.credit_id = {charge}.id)")


def charge_paid_in_full(charge: str) -> str:
    """The charge `charge` (an alias of contributions_charge) is paid in full now: what the accounts
    have credited for its lines. A charge a collector's reversal reopened (issue 22: its allocations
    released) is not, so its credits are expected reversed."""
    return (f"{charge}.amount <= (SELECT coalesce(sum(al.amount), 0) FROM contributions_allocation al\n"
            f"                           WHERE al.charge_id = {charge}.id)")
