"""The pooled fund's 12% is computed in SQL for the benchmark's baseline and in Python for a transfer:
both give the same amount to the fen (bench/transfer_bench.py checks the figures agree on its ledger)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transfers.amounts import RegionMonths, pooled_amount_sql

pytestmark = pytest.mark.django_db


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bases=st.decimals(min_value=D("0.00"), max_value=D("99999999.99"), places=2))
def test_the_pooled_amount_is_the_same_in_sql_and_in_python(bases):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pooled_amount_sql('%(bases)s::numeric')}", {"bases": bases})
        assert cursor.fetchone()[0] == RegionMonths(pooled_bases=bases).pooled_amount
