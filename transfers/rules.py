"""The transfer's rules that the services, the admin and the API read alike (No. 66): which step is open and
whose it is, the kind of transfer between two regions, and when Art. 6's temporary account applies."""

from __future__ import annotations

from datetime import date

from agency.models import Province, Region
from insured.models import InsuredPerson, Sex
from transfers.models import Transfer, TransferKind, TransferState
from transfers.terms import TransferRule

S = TransferState
TEMPORARY_ACCOUNT_RULE = "国办发〔2009〕66号 第六条"  # State Council General Office 2009 No. 66, Art. 6
TEMPORARY_ACCOUNT_AGE = {Sex.MALE: 50, Sex.FEMALE: 40}
# The rule of each state's open step (None: no step of ours is open); the admin and the API show its due date.
STEP_RULE = {S.APPLIED: TransferRule.TRANSFER_ACCEPTANCE, S.ACCEPTED: TransferRule.TRANSFER_OUT,
             S.TRANSFERRED_OUT: TransferRule.TRANSFER_COMPLETION}


def step_number(transfer: Transfer) -> int | None:
    return {S.APPLIED: 1, S.ACCEPTED: 2, S.TRANSFERRED_OUT: 3}.get(transfer.state)


def step_region(transfer: Transfer) -> Region | None:
    """The region whose clerks decide the open step: the new, the old, the new. A step on an external
    region's side is recorded by our side's clerks when its document comes back."""
    if transfer.state == S.APPLIED:
        return transfer.from_region if transfer.to_region.external else transfer.to_region
    if transfer.state == S.ACCEPTED:
        return transfer.to_region if transfer.from_region.external else transfer.from_region
    if transfer.state == S.TRANSFERRED_OUT:
        return transfer.to_region
    return None


def transfer_kind(from_region: Region, to_region: Region) -> str:
    """Records only within one pooling area or between regions of a province with provincial pooling."""
    if from_region.pooling_area and from_region.pooling_area == to_region.pooling_area:
        return TransferKind.RECORDS_ONLY
    if (from_region.province == to_region.province
            and Province.objects.filter(name=from_region.province, provincial_pooling=True).exists()):
        return TransferKind.RECORDS_ONLY
    return TransferKind.FUNDS


def temporary_account_applies(person: InsuredPerson, to_region: Region, on: date) -> bool:
    """No. 66, Art. 6: a man of 50 or more, a woman of 40 or more, whose household registration is not in
    the new region, keeps the relationship in the old region; the new region opens a temporary account."""
    age = on.year - person.birth_date.year - ((on.month, on.day) < (person.birth_date.month, person.birth_date.day))
    threshold = TEMPORARY_ACCOUNT_AGE.get(person.sex)
    return threshold is not None and age >= threshold and person.hukou_region_code != to_region.code
