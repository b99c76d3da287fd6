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
