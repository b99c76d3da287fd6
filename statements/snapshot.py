"""What a statement holds (domain.md, "What a personal-rights statement holds"), read from the ledger
for a range of persons and stored, in one SQL statement per range.

The run reads a million persons' contributions and account entries; doing it in PostgreSQL, range by
range over the (person_id, period) and (account, posted_on) indexes, keeps the snapshot phase within
a few times one aggregate over the same rows (bench/statement_bench.py), where building the figures
in Python took ten times as long. The statement reads the tables of contributions, accounts and
insured directly, as their own selectors do:

- months: a person's net lines per month and employer (a correction's lines hold differences; a
  month whose figures net to zero was taken off the roll), and the confirmed Art. 58 months; a
  month is paid when every positive charge behind it is settled by a live allocation (as
  contributions.selectors.lines reads `paid`);
- account: every entry belongs to the year it was posted in, interest to its interest year (as the
  interest run counts them), a clerk's correction of a contribution month to that month's year (the
  year it corrects: its statement is reissued, domain.md "Corrections and disputes"), so
  closing = opening + the year's movements (accounts.selectors.account_year_end, the same rule); months of contribution
  are the months whose credits add up to more than zero (Art. 16, accounts.selectors);
- the snapshot is JSON text built by json_build_object (keys in the order written here), and that
  text is what is stored and hashed: the PDF is rendered from it alone, byte for byte the same every time.

- pension: the estimate at the statutory retirement month, stopping paying now (issue 27 item 4), computed
  in Python for the whole range before the statement (pensions.estimate.statement_estimates reads its
  inputs per range, not per person) and passed in as one JSON parameter; null for a person past the
  month or without an original-age category. Before it, the range's paid months of the year are summed
  per region into pensions.PaidYear (pensions.paid_years), so each estimate reads one row per year paid.

Money is text with two decimals. The verification code is 25 hexadecimal digits (100 bits) from
gen_random_uuid(), PostgreSQL's cryptographic random source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from django.db import connection

from accounts.sql import credited_months
from common.identifiers import mask_document_sql
from contributions.sql import charge_settled, determined_month_counts, month_on_the_roll, self_paid_month_counts
from insured.models import InsuredPerson
from pensions.estimate import statement_estimates
from pensions.paid_years import paid_years_through
from statements.models import Statement

# A postal code is the first six digits in a row in the address (ASCII digits: as PostgreSQL's [0-9]).
POSTCODE_PATTERN = r"(?<![0-9])([0-9]{6})(?![0-9])"
_POSTCODE = re.compile(POSTCODE_PATTERN)
CODE_LENGTH = 25


def verification_code_normal(text: str) -> str:
    """What a person typed (any case, spaces or dashes; O for 0, I or L for 1) as stored."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def verification_code_display(code: str) -> str:
    return "-".join(code[i:i + 5] for i in range(0, len(code), 5))


def postal_code_of(address: str) -> str:
    """The address's postal code, "" without one (the twin of `postal_code_sql`)."""
    found = _POSTCODE.search(address or "")
    return found.group(1) if found else ""


def postal_code_sql(address: str) -> str:
    """The same as SQL, for the text expression `address`."""
    return f"coalesce(substring({address} FROM '{POSTCODE_PATTERN}'), '')"


def channel_sql(person: str) -> str:
    """The channel a statement goes by, for the person row `person` (the twin of `PersonRow.channel`):
    the chosen one, online when the chosen one lacks its address."""
    return (f"CASE WHEN {person}.statement_delivery = 'email' AND {person}.email <> '' THEN 'email'\n"
            f"                WHEN {person}.statement_delivery = 'post' AND {person}.postal_address <> '' THEN 'post'\n"
            "                ELSE 'online' END")


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    document_number: str
    region_id: int
    statement_delivery: str
    email: str
    postal_address: str

    @classmethod
    def of(cls, person, *, channel: str | None = None) -> "PersonRow":
        """The row of a loaded person; `channel` in place of the person's choice (a resend)."""
        return cls(person.pk, person.name, person.document_number, person.region_id,
                   channel or person.statement_delivery, person.email, person.postal_address)

    @property
    def channel(self) -> str:
        """The chosen channel, online when the chosen one lacks its address (the twin of `channel_sql`)."""
        if self.statement_delivery == "email" and self.email:
            return "email"
        if self.statement_delivery == "post" and self.postal_address:
            return "post"
        return "online"


_MONEY = "::numeric(14, 2)::text"
_AMOUNTS = ("pension_employer", "pension_individual", "medical_employer", "medical_individual",
            "unemployment_employer", "unemployment_individual", "work_injury_employer")
_DETERMINED = [("pension", "employer"), ("pension", "individual"), ("medical", "employer"), ("medical", "individual"),
               ("unemployment", "employer"), ("unemployment", "individual"), ("work_injury", "employer")]

_GENERATE_SQL = """
WITH p AS (
    SELECT p.id, p.name, p.document_number, p.region_id, p.email, p.postal_address,
           {channel} AS channel
    FROM insured_insuredperson p
    WHERE p.id BETWEEN %(first)s AND %(last)s {region_filter}
      AND NOT EXISTS (SELECT 1 FROM statements_statement s
                      WHERE s.person_id = p.id AND s.year = %(year)s AND s.version >= %(version)s)
), lc AS (
    -- the person range named on the lines too: each partition answers from its (person_id, period) index
    SELECT l.* FROM contributions_contributionline l JOIN p ON p.id = l.person_id
    WHERE l.person_id BETWEEN %(first)s AND %(last)s AND l.period BETWEEN %(y0)s AND %(y11)s
), unpaid AS (
    SELECT c.id FROM contributions_charge c
    WHERE c.id IN (SELECT DISTINCT charge_id FROM lc) AND c.amount > 0
      AND NOT {line_charge_settled}
), months AS (
    -- `IN (SELECT ..)` is a hashed subplan: a join here was planned as a nested loop (the CTE's rows are
    -- not estimated), 12,000 lines x 600 charges a range
    SELECT lc.person_id, lc.period, lc.employer_id, 'l' AS source, sum(lc.base) AS base,
           {line_sums}, bool_and(lc.charge_id IS NULL OR NOT lc.charge_id IN (SELECT id FROM unpaid)) AS paid
    FROM lc
    GROUP BY lc.person_id, lc.period, lc.employer_id
    HAVING {on_the_roll}
    UNION ALL
    SELECT d.person_id, m.period, d.employer_id, 'd', m.base, {determined},
           {determined_charge_settled}
    FROM contributions_determinedmonth m
    JOIN contributions_determination d ON d.id = m.determination_id JOIN p ON p.id = d.person_id
    WHERE d.person_id BETWEEN %(first)s AND %(last)s AND {determined_counts} AND m.period BETWEEN %(y0)s AND %(y11)s
    UNION ALL
    -- issue 28: a month the person paid as a flexible worker (no employer; the pooled part where an
    -- employer's would stand)
    SELECT f.person_id, f.period, NULL::bigint, 'f', f.base, f.amount - f.pension_individual, f.pension_individual,
           {flexible_zeros}, {flexible_charge_settled}
    FROM contributions_selfpaidmonth f JOIN p ON p.id = f.person_id
    WHERE f.person_id BETWEEN %(first)s AND %(last)s AND f.period BETWEEN %(y0)s AND %(y11)s
          AND {flexible_counts}
), emp AS (
    SELECT person_id, employer_id, row_number() OVER (PARTITION BY person_id ORDER BY min(period), employer_id) AS n
    FROM months WHERE employer_id IS NOT NULL GROUP BY person_id, employer_id
), mj AS (
    SELECT m.person_id,
           json_agg(json_build_array(to_char(m.period, 'YYYY-MM'), e.n, m.base{money},
                                       json_build_array({month_amounts}), CASE WHEN m.paid THEN 1 ELSE 0 END,
                                       m.source) ORDER BY m.period, m.employer_id, m.source) AS months,
           json_build_array({total_amounts}) AS totals,
           count(DISTINCT m.period) FILTER (WHERE NOT m.paid) AS arrears_months,
           coalesce(sum({month_total}) FILTER (WHERE NOT m.paid), 0){money} AS arrears_amount
    FROM months m LEFT JOIN emp e USING (person_id, employer_id) GROUP BY m.person_id
), ej AS (
    SELECT e.person_id, json_agg(json_build_array(er.uscc, er.name) ORDER BY e.n) AS employers
    FROM emp e JOIN employers_employer er ON er.id = e.employer_id GROUP BY e.person_id
), ae AS (
    SELECT a.person_id, e.kind, e.amount, e.contribution_month,
           CASE WHEN e.kind = 'interest' THEN e.interest_year
                WHEN e.kind = 'correction' AND e.contribution_month IS NOT NULL
                THEN extract(year FROM e.contribution_month)::int
                ELSE extract(year FROM e.posted_on)::int END AS y
    FROM accounts_pensionaccount a JOIN p ON p.id = a.person_id JOIN accounts_accountentry e ON e.account_id = a.id
    WHERE a.person_id BETWEEN %(first)s AND %(last)s
), am AS (
    SELECT person_id,
           coalesce(sum(amount) FILTER (WHERE y < %(year)s), 0) AS opening,
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'credit'), 0) AS credits,
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'interest'), 0) AS interest,
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'transfer_in'), 0) AS transfers_in,
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'transfer_out'), 0) AS transfers_out,
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'payout'), 0) AS payouts,
           coalesce(sum(amount) FILTER (WHERE y = %(year)s AND kind = 'correction'), 0) AS corrections,
           coalesce(sum(amount) FILTER (WHERE y <= %(year)s), 0) AS closing
    FROM ae GROUP BY person_id
), acm AS (
    SELECT person_id, count(*) FILTER (WHERE contribution_month >= %(y0)s) AS in_year, count(*) AS total FROM (
        {credited_months}) c
    GROUP BY person_id
), rs AS (
    SELECT DISTINCT ON (r.person_id) r.person_id, r.state
    FROM insured_insurancerelationship r JOIN p ON p.id = r.person_id AND r.region_id = p.region_id
    ORDER BY r.person_id, r.opened_on DESC, r.id DESC
), ag AS (
    SELECT DISTINCT ON (o.region_id) o.region_id, o.name, o.address FROM agency_office o ORDER BY o.region_id, o.id
), pj AS (
    -- the range's estimates, parsed once (json -> key per row would parse the whole text per person)
    SELECT key::bigint AS person_id, value AS pension FROM json_each(%(pensions)s::json)
), coded AS (
    -- gen_random_uuid() in the select list: evaluated per row (in a FROM subquery it would be once)
    SELECT x.*, upper(substr(u, 1, 12) || substr(u, 14, 3) || substr(u, 18, 10)) AS code
    FROM (SELECT p.*, replace(gen_random_uuid()::text, '-', '') AS u FROM p) x
), snap AS (
    SELECT p.id AS person_id, p.region_id, p.channel, p.code, json_build_object(
        'v', 1, 'year', %(year)s, 'generated_on', %(today)s::text,
        'agency', json_build_object('name', coalesce(ag.name, rg.name || '社会保险经办机构'),
                                     'address', coalesce(ag.address, '')),
        'person', json_build_object(
            'name', p.name, 'status', coalesce(rs.state, ''), 'region', rg.province || rg.name || '（' || rg.code || '）',
            'document', {masked_document}),
        'employers', coalesce(ej.employers, '[]'::json), 'months', coalesce(mj.months, '[]'::json),
        'totals', coalesce(mj.totals, json_build_array({zero_amounts})),
        'months_in_year', coalesce(acm.in_year, 0), 'months_total', coalesce(acm.total, 0),
        'arrears', json_build_object('months', coalesce(mj.arrears_months, 0),
                                      'amount', coalesce(mj.arrears_amount, '0.00')),
        'account', json_build_object(
            'opening', coalesce(am.opening, 0){money}, 'credits', coalesce(am.credits, 0){money},
            'interest', coalesce(am.interest, 0){money}, 'transfers_in', coalesce(am.transfers_in, 0){money},
            'transfers_out', coalesce(am.transfers_out, 0){money}, 'payouts', coalesce(am.payouts, 0){money},
            'corrections', coalesce(am.corrections, 0){money}, 'closing', coalesce(am.closing, 0){money}),
        'pension', pj.pension,
        'channel', p.channel, 'code', p.code)::text AS snapshot
    FROM coded p JOIN agency_region rg ON rg.id = p.region_id
    LEFT JOIN ag ON ag.region_id = p.region_id LEFT JOIN rs ON rs.person_id = p.id
    LEFT JOIN mj ON mj.person_id = p.id LEFT JOIN ej ON ej.person_id = p.id
    LEFT JOIN am ON am.person_id = p.id LEFT JOIN acm ON acm.person_id = p.id
    LEFT JOIN pj ON pj.person_id = p.id
), ins AS (
    INSERT INTO statements_statement (person_id, year, region_id, run_id, snapshot, checksum, verification_code,
                                      channel, generated_at, version, supersedes_id)
    SELECT person_id, %(year)s, region_id, %(run)s, snapshot, encode(sha256(convert_to(snapshot, 'UTF8')), 'hex'),
           code, channel, now(), %(version)s, %(supersedes)s
    FROM snap ORDER BY person_id
    ON CONFLICT (person_id, year, version) DO NOTHING
    RETURNING id, person_id, channel
){deliveries}
"""

# A run's statements get their delivery by the chosen channel in the same statement: online ones
# are published at once, e-mails wait for the sender, letters for a print batch.
_DELIVERIES_SQL = """, dl AS (
    INSERT INTO statements_delivery (statement_id, channel, state, address, postal_code, attempts, next_attempt_at,
                                     error, sent_at, outcome_recorded_by, outcome_note, created_by, created_at)
    SELECT ins.id, ins.channel, CASE ins.channel WHEN 'online' THEN 'published' ELSE 'pending' END,
           CASE ins.channel WHEN 'email' THEN p.email WHEN 'post' THEN p.postal_address ELSE '' END,
           CASE WHEN ins.channel = 'post' THEN {postal_code} ELSE '' END,
           0, CASE WHEN ins.channel = 'email' THEN now() END, '', CASE WHEN ins.channel = 'online' THEN now() END,
           '', '', %(actor)s, now()
    FROM ins JOIN p ON p.id = ins.person_id
    RETURNING channel
)
SELECT (SELECT count(*) FROM ins), count(*) FILTER (WHERE channel = 'email'), count(*) FILTER (WHERE channel = 'post'),
       count(*) FILTER (WHERE channel = 'online')
FROM dl
"""
_NO_DELIVERIES_SQL = "\nSELECT (SELECT count(*) FROM ins), 0, 0, 0"


def _sql(*, region: bool, deliveries: bool) -> str:
    return _GENERATE_SQL.format(
        region_filter="AND p.region_id = %(region)s" if region else "",
        line_sums=", ".join(f"sum(lc.{c}) AS {c}" for c in _AMOUNTS),
        on_the_roll=month_on_the_roll("lc"),
        line_charge_settled=charge_settled("c.id"), determined_charge_settled=charge_settled("m.charge_id"),
        flexible_charge_settled=charge_settled("f.charge_id"), flexible_counts=self_paid_month_counts("f"),
        flexible_zeros=", ".join("0::numeric" for _ in _AMOUNTS[2:]),
        determined_counts=determined_month_counts("m", "d"), channel=channel_sql("p"),
        masked_document=mask_document_sql("p.document_number"),
        credited_months=credited_months(source="ae", person="person_id", month="contribution_month",
                                        amount="amount", where="contribution_month <= %(y11)s"),
        determined=", ".join(f"(m.amounts -> '{t}' ->> '{part}')::numeric" for t, part in _DETERMINED),
        money=_MONEY,
        month_amounts=", ".join(f"m.{c}{_MONEY}" for c in _AMOUNTS),
        total_amounts=", ".join(f"sum(m.{c}){_MONEY}" for c in _AMOUNTS),
        month_total=" + ".join(f"m.{c}" for c in _AMOUNTS),
        zero_amounts=", ".join("'0.00'" for _ in _AMOUNTS),
        deliveries=_DELIVERIES_SQL.format(postal_code=postal_code_sql("p.postal_address")) if deliveries
        else _NO_DELIVERIES_SQL,
    )


def pension_estimates_json(*, first_person_id: int, last_person_id: int, year: int, region_id: int | None,
                           as_of: date) -> str:
    """The pension estimate line of each person of the range who gets the year's statement now, as JSON text
    keyed by person id (the SQL puts each one's into its snapshot): the estimate at the statutory month,
    stopping paying now, with its inputs read for the whole range at once (pensions.estimate)."""
    in_range = InsuredPerson.objects.filter(pk__gte=first_person_id, pk__lte=last_person_id)
    if region_id is not None:
        in_range = in_range.filter(region_id=region_id)
    # the range's paid months of the year (and, the first time, of every year before) summed per region and
    # year (pensions.paid_years): the estimates then read one row a year; a reissue of an old year rewrites it
    if year < as_of.year:
        paid_years_through(person_ids=list(in_range.values_list("pk", flat=True)), year=year)
    persons = (InsuredPerson.objects.filter(pk__gte=first_person_id, pk__lte=last_person_id)
               .exclude(pk__in=Statement.objects.filter(year=year, person_id__gte=first_person_id,
                                                        person_id__lte=last_person_id).values("person_id"))
               .select_related("region").order_by("pk"))
    if region_id is not None:
        persons = persons.filter(region_id=region_id)
    found = statement_estimates(list(persons), as_of=as_of)
    return json.dumps({str(k): v for k, v in found.items() if v is not None}, ensure_ascii=False,
                      separators=(",", ":"))


@dataclass(frozen=True)
class Generated:
    statements: int
    email: int
    post: int
    online: int


def statements_generate_range(*, first_person_id: int, last_person_id: int, year: int, region_id: int | None,
                              run_id: int | None, generated_on: date, actor_label: str,
                              deliveries: bool = True, version: int = 1,
                              supersedes_id: int | None = None) -> Generated:
    """Writes the statement of `year` (with its delivery, unless `deliveries` is off) of every person
    with first <= id <= last (of the region) who has none yet; with `version` > 1, the new version of
    one person's statement that supersedes `supersedes_id` (statements/services/superseding.py).
    The caller holds the transaction."""
    params = {"version": version, "supersedes": supersedes_id, "first": first_person_id, "last": last_person_id, "year": year, "region": region_id,
              "run": run_id, "y0": date(year, 1, 1), "y11": date(year, 12, 1), "today": generated_on.isoformat(),
              "actor": actor_label,
              "pensions": pension_estimates_json(first_person_id=first_person_id, last_person_id=last_person_id,
                                                 year=year, region_id=region_id, as_of=generated_on)}
    with connection.cursor() as cursor:
        cursor.execute(_sql(region=region_id is not None, deliveries=deliveries), params)
        made, email, post, online = cursor.fetchone()
    return Generated(statements=made, email=email, post=post, online=online)


def persons_in_range(*, first_person_id: int, last_person_id: int, region_id: int | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM insured_insuredperson WHERE id BETWEEN %s AND %s"
                       + (" AND region_id = %s" if region_id is not None else ""),
                       [first_person_id, last_person_id] + ([region_id] if region_id is not None else []))
        return cursor.fetchone()[0]
