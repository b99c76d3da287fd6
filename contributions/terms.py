"""A region's contribution settings, read in one place with the defaults of the contract."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.access import Viewer
from common.hot_paths import CompiledQuery
from contributions.fees import DEFAULT_DAILY_RATE
from contributions.models import RegionContributionSettings

PRINCIPAL_FIRST = "principal_first"
OLDEST_FIRST = "oldest_first"


@dataclass(frozen=True)
class Terms:
    declaration_day: int = 10
    payment_day: int = 15
    allocation_order: str = PRINCIPAL_FIRST
    late_fee_daily_rate: Decimal = DEFAULT_DAILY_RATE

    def day_in(self, period: date, day: int) -> date:
        """Day `day` of the period's month, its last day when shorter (twin of contributions.sql.day_in_month)."""
        return period.replace(day=min(day, calendar.monthrange(period.year, period.month)[1]))

    def due_on(self, period: date) -> date:
        """The period's own payment day (its original due day)."""
        return self.day_in(period, self.payment_day)

    def declare_by(self, period: date) -> date:
        return self.day_in(period, self.declaration_day)


_region_terms = CompiledQuery(
    lambda _viewer, region_id: RegionContributionSettings.objects.filter(region_id=region_id).values(
        "declaration_day", "payment_day", "allocation_order", "late_fee_daily_rate"), types=(int,))


def terms_for(region_id: int) -> Terms:
    """The region's terms; read on every arrears request, so compiled once (common.hot_paths)."""
    rows = _region_terms.values(Viewer.system(), int(region_id))
    if not rows:
        return Terms()
    row = rows[0]
    return Terms(declaration_day=row["declaration_day"], payment_day=row["payment_day"],
                 allocation_order=row["allocation_order"] or PRINCIPAL_FIRST,
                 late_fee_daily_rate=row["late_fee_daily_rate"])


class DeterminationRule(models.TextChoices):
    """A clerk reviews the months the agency determined for a late enrolment within the region's
    staffing review days (registered with insured.terms.rule_terms)."""

    LATE_ENROLMENT_DETERMINATION = "late_enrolment_determination", _("late enrolment: determined contributions (Art. 58)")

