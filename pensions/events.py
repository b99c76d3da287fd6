"""What happened to the pension's data: every PensionEvent is written here, in the transaction of the
change. One writer per kind, all through `_write`."""

from __future__ import annotations

from common.access import Viewer
from pensions.models import (
    AgeMonthsPolicy,
    BenefitParameter,
    DeemedService,
    Determination,
    LocalSupplement,
    PensionEvent,
    PensionEventKind,
)


def _write(*, kind: str, region_id: int, actor: Viewer, person_id: int | None = None, **details) -> PensionEvent:
    return PensionEvent.objects.create(kind=kind, region_id=region_id, person_id=person_id, actor=actor.label(),
                                       actor_user_id=actor.user_id,
                                       details={k: (v if v is None or isinstance(v, (int, bool, list, dict)) else str(v))
                                                for k, v in details.items()})


def benefit_parameter_entered(row: BenefitParameter, *, actor: Viewer, replaces: BenefitParameter | None) -> PensionEvent:
    return _write(kind=PensionEventKind.PARAMETER_ENTERED, region_id=row.region_id, actor=actor, row=row.pk,
                  year=row.year, benefit_base=row.benefit_base, transitional_percent=row.transitional_percent,
                  effective_from=row.effective_from, source=row.source,
                  replaces=replaces.pk if replaces else None,
                  previous_benefit_base=replaces.benefit_base if replaces else None)


def local_supplement_entered(row: LocalSupplement, *, actor: Viewer) -> PensionEvent:
    return _write(kind=PensionEventKind.SUPPLEMENT_ENTERED, region_id=row.region_id, actor=actor, row=row.pk,
                  year=row.year, name=row.name, monthly_amount=row.monthly_amount,
                  effective_from=row.effective_from, source=row.source)


def age_policy_entered(row: AgeMonthsPolicy, *, actor: Viewer) -> PensionEvent:
    return _write(kind=PensionEventKind.POLICY_ENTERED, region_id=row.region_id, actor=actor, row=row.pk,
                  rule=row.rule, rounding=row.rounding, effective_from=row.effective_from, source=row.source)


def deemed_service_recorded(row: DeemedService, *, actor: Viewer, replaces: DeemedService | None) -> PensionEvent:
    return _write(kind=PensionEventKind.DEEMED_RECORDED, region_id=row.region_id, person_id=row.person_id,
                  actor=actor, row=row.pk, months=row.months, voucher=row.voucher_id,
                  replaces=replaces.pk if replaces else None, previous_months=replaces.months if replaces else None)


def determination_proposed(row: Determination, *, actor: Viewer) -> PensionEvent:
    return _write(kind=PensionEventKind.DETERMINATION_PROPOSED, region_id=row.region_id, person_id=row.person_id,
                  actor=actor, row=row.pk, retirement_month=f"{row.retirement_month:%Y-%m}", total=row.total,
                  benefit=row.benefit_id, provisional=row.provisional)


def determination_approved(row: Determination, *, actor: Viewer, account: int | None,
                           relationships: list) -> PensionEvent:
    return _write(kind=PensionEventKind.DETERMINATION_APPROVED, region_id=row.region_id, person_id=row.person_id,
                  actor=actor, row=row.pk, total=row.total, proposed_by=row.proposed_by_label, account=account,
                  closed_balance=row.balance, relationships=relationships)


def determination_redetermined(row: Determination, *, actor: Viewer) -> PensionEvent:
    return _write(kind=PensionEventKind.REDETERMINED, region_id=row.region_id, person_id=row.person_id, actor=actor,
                  row=row.pk, previous=row.previous_id, benefit=row.benefit_id, total=row.total,
                  difference=row.difference, months_owed=row.months_owed, amount_owed=row.amount_owed)


def determination_letter_sent(row: Determination, *, actor: Viewer, channel: str) -> PensionEvent:
    return _write(kind=PensionEventKind.LETTER_SENT, region_id=row.region_id, person_id=row.person_id, actor=actor,
                  row=row.pk, channel=channel)
