"""The national months divisor table (计发月数) of the individual-account part, ages 40 to 70, from the
attachment of State Council 2005 No. 38, with its source: seeded by migration 0002, and again by the tests
after a transactional test's flush (tests/conftest.py). Entered as transcribed by several independent sources
(shared/domain.md); a correction is a new row with its own effective date, never an edit."""

from __future__ import annotations

from datetime import date

DIVISOR_SOURCE = "国务院关于完善企业职工基本养老保险制度的决定（国发〔2005〕38号）附件《个人账户养老金计发月数表》"
DIVISOR_PUBLISHED_ON = date(2005, 12, 3)
DIVISOR_EFFECTIVE_FROM = date(2006, 1, 1)
DIVISORS = {40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 208, 48: 204, 49: 199, 50: 195,
            51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158, 58: 152, 59: 145, 60: 139, 61: 132,
            62: 125, 63: 117, 64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65, 70: 56}


def divisors_load(apps) -> None:
    Divisor = apps.get_model("pensions", "Divisor")
    Divisor.objects.bulk_create([Divisor(age=age, months=months, source=DIVISOR_SOURCE,
                                         published_on=DIVISOR_PUBLISHED_ON, effective_from=DIVISOR_EFFECTIVE_FROM,
                                         entered_by="migration")
                                 for age, months in DIVISORS.items()], ignore_conflicts=True)
