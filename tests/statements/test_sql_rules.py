"""The statement rules that run both in SQL (the run's one statement per range, statements/snapshot.py)
and in Python (a single statement, a resend): the channel and the postal code give the same answer."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statements.snapshot import PersonRow, channel_sql, postal_code_of, postal_code_sql

pytestmark = pytest.mark.django_db

# Addresses with postal codes, runs of digits of other lengths, full-width and other scripts' digits.
address_parts = st.one_of(st.text(alphabet="0123456789", min_size=1, max_size=8),
                          st.text(alphabet="０１２３４５６７８９٣", min_size=1, max_size=7),
                          st.sampled_from(["上海市黄浦区", "中山东一路", "号", " ", "-", "Room "]),
                          st.text(max_size=4))
addresses = st.lists(address_parts, max_size=6).map(lambda parts: "".join(parts).replace("\x00", ""))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sampled_from(["email", "post", "online"]), email=st.sampled_from(["", "a@example.com"]),
       address=addresses)
def test_channel_and_postal_code_are_the_same_in_sql_and_in_python(chosen, email, address):
    row = PersonRow(1, "张伟", "110105194912310021", 1, chosen, email, address)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {channel_sql('p')}, {postal_code_sql('p.postal_address')} FROM "
                       "(SELECT %(chosen)s::text AS statement_delivery, %(email)s::text AS email, "
                       "%(address)s::text AS postal_address) p", {"chosen": chosen, "email": email, "address": address})
        assert cursor.fetchone() == (row.channel, postal_code_of(address))


# A month of the person's year: filed, filed and lowered by a correction, filed and taken off the roll
# by one, filed at a second employer, determined (Art. 58) at the second employer, or determined and
# not confirmed (no month).
MONTH_STORIES = ("filed", "lowered", "off", "second", "determined", "pending")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stories=st.lists(st.tuples(st.integers(1, 12), st.sampled_from(MONTH_STORIES)), min_size=1, max_size=6,
                        unique_by=lambda story: story[0]),
       paid_months=st.integers(0, 6))
def test_a_persons_months_are_the_same_in_the_statement_sql_and_in_the_orm(stories, paid_months):
    """The statement composes contributions.sql (month_on_the_roll, charge_settled, determined_month_counts);
    the person's own read (contributions.selectors.lines.person_months) is their ORM twin."""
    import json
    from datetime import date
    from decimal import Decimal as D

    from common.access import Viewer
    from contributions.models import AMOUNT_COLUMNS
    from contributions.selectors.lines import person_months
    from statements.snapshot import statements_generate_range
    from tests.contributions.factories import EmploymentFactory
    from tests.contributions.reads import determined, file
    from tests.employers.factories import EmployerFactory
    from tests.insured.factories import PersonFactory
    from tests.statements.world import BASE, YEAR, month_total, pay

    employer = EmployerFactory()
    second = EmployerFactory(region=employer.region)
    person = PersonFactory(region=employer.region)
    for month, story in sorted(stories):
        period = date(YEAR, month, 1)
        if story in ("filed", "lowered", "off"):
            file(employer, period, {person: BASE})
            if story != "filed":
                file(employer, period, {person: -BASE if story == "off" else D("-500.00")})
        elif story == "second":
            file(second, period, {person: D("3000.00")})
        else:
            employment = EmploymentFactory(employer=second, person=person, start_date=period,
                                           end_date=period.replace(day=28), enrolled_late=True)
            determined(second, person, period, "4000.00", confirmed=story == "determined", employment=employment)
    if paid_months:
        pay(employer, month_total() * paid_months)
        pay(second, month_total(D("4000.00")) * paid_months)
    statements_generate_range(first_person_id=person.pk, last_person_id=person.pk, year=YEAR, region_id=None,
                              run_id=None, generated_on=date(YEAR + 1, 1, 5), actor_label="tests", deliveries=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM statements_statement WHERE person_id = %s AND year = %s", [person.pk, YEAR])
        snap = json.loads(cursor.fetchone()[0])
    employers = [uscc for uscc, _name in snap["employers"]]
    in_sql = [(period, employers[e - 1], D(base), [D(a) for a in figures], bool(paid), source)
              for period, e, base, figures, paid, source in snap["months"]]
    in_orm = sorted(person_months(Viewer.system(), person_id=person.pk, limit=100, date_from=date(YEAR, 1, 1),
                                  date_to=date(YEAR, 12, 1)), key=lambda m: (m.period, m.employer_id, m.source))
    assert in_sql == [(f"{m.period:%Y-%m}", m.employer_uscc, m.figures.base, [m.figures.amounts[c] for c in AMOUNT_COLUMNS],
                       m.paid, "d" if m.source == "determined" else "l") for m in in_orm]
    assert {month for month, story in stories if story not in ("off", "pending")} == \
        {int(period[5:]) for period, *_rest in in_sql}
