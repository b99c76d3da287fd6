from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.access import Viewer, scope
from common.hot_paths import CompiledQuery
from employers.hooks import CancellationBlocker
from insured.models import Employment, InsuredPerson


def persons_visible(viewer: Viewer) -> QuerySet[InsuredPerson]:
    return scope(InsuredPerson.objects.select_related("region"), viewer)


def person_find_by_document(viewer: Viewer, document_number: str) -> QuerySet[InsuredPerson]:
    """Exact lookup; a lower-case x is accepted as the stored upper-case X."""
    return persons_visible(viewer).filter(document_number=document_number.strip().upper())


LOOKUP_FIELDS = ("id", "document_type", "document_number", "name", "sex", "birth_date", "region__code")
# A document number is unique: the lookup finds one person or none.
LOOKUP_QUERY = _lookup = CompiledQuery(lambda viewer, number: person_find_by_document(viewer, number).values(*LOOKUP_FIELDS)[:1])


def person_lookup_rows(viewer: Viewer, document_number: str) -> list[dict]:
    """`person_find_by_document` as values, with its SQL compiled once per kind of viewer."""
    return _lookup.values(viewer, document_number.strip().upper())


def person_lock_by_document(document_number: str) -> InsuredPerson | None:
    """The person with this (normalised) number, locked FOR UPDATE until the transaction ends.
    Unscoped: the services that call it decide what the caller may do with the person."""
    found = _person_lock.instances(Viewer.system(), document_number)
    return found[0] if found else None


_person_lock = CompiledQuery(lambda _viewer, number: InsuredPerson.objects.select_for_update()
                             .filter(document_number=number))


def employer_open_staff_blocker(employer_id: int) -> CancellationBlocker | None:
    """Registered with employers.hooks: an employer with staff on its roll cannot be cancelled."""
    count = Employment.objects.filter(employer_id=employer_id, end_date__isnull=True).count()
    if not count:
        return None
    return CancellationBlocker(
        code="open_employments", count=count, label=_("open employments (must be 0 to approve)"),
        message=_("The employer still has %(count)d person(s) on its roll (open employment); its staff must be "
                  "reduced before the registration can be cancelled.") % {"count": count})
