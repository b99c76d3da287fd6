"""Reads for the clerk's file pages (insured/person_file.py, insured/employer_panels.py): finding a
person at the counter and the sections of a person's file, each scoped with `scope()`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Length

from agency.models import Document
from common.access import Viewer, scope
from insured.models import (
    Decision,
    Employment,
    EventKind,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipEvent,
    StaffReduction,
)
from insured.selectors.persons import persons_visible

MASKED_NUMBER = re.compile(r"^([0-9A-Z]{2,6})\*{2,}([0-9A-Z]{0,4})$")
FULL_NUMBER = re.compile(r"^[0-9A-Z]{8,30}$")


@dataclass
class PersonSearch:
    """What a search found: `how` is "number" (exact document number), "masked" (masked number
    plus exact name), "name" (exact names first, then names containing the term) or "needs-name"
    (a masked number alone matches too many people to show)."""

    how: str
    persons: list = field(default_factory=list)


def person_search(viewer: Viewer, query: str, *, limit: int = 50) -> PersonSearch:
    """Find persons at the counter, in the viewer's scope. The query holds a document number, or
    a masked number (`310101********0042`, as printed on letters and lists) with the name, or a
    name. A number found exactly is the only result; names matching exactly come first."""
    tokens = query.replace("＊", "*").replace("×", "*").split()
    number = masked = None
    names = []
    for token in tokens:
        upper = token.upper()
        if MASKED_NUMBER.match(upper):
            masked = upper
        elif FULL_NUMBER.match(upper) and any(ch.isdigit() for ch in upper):
            number = upper
        else:
            names.append(token)
    name = " ".join(names)
    visible = persons_visible(viewer)
    if number:
        return PersonSearch("number", list(visible.filter(document_number=number)[:1]))
    if masked:
        if not name:
            return PersonSearch("needs-name")
        head, tail = MASKED_NUMBER.match(masked).groups()
        found = (visible.filter(name=name, document_number__startswith=head, document_number__endswith=tail)
                 .annotate(number_length=Length("document_number")).filter(number_length=len(masked)))
        return PersonSearch("masked", list(found.order_by("id")[:limit]))
    if not name:
        return PersonSearch("name")
    exact = list(visible.filter(name=name).order_by("id")[:limit])
    more = list(visible.filter(name__icontains=name).exclude(name=name).order_by("name", "id")[:limit - len(exact)]) \
        if len(exact) < limit else []
    return PersonSearch("name", exact + more)


def person_relationships(viewer: Viewer, person: InsuredPerson) -> QuerySet[InsuranceRelationship]:
    return scope(InsuranceRelationship.objects.filter(person=person).select_related("region"), viewer)


def person_employments(viewer: Viewer, person: InsuredPerson) -> QuerySet[Employment]:
    return scope(Employment.objects.filter(person=person).select_related("employer"), viewer)


def person_events(viewer: Viewer, person: InsuredPerson) -> QuerySet[RelationshipEvent]:
    """The person's requests and effective changes, newest first, each with the decisions on it."""
    decisions = scope(RelationshipEvent.objects.select_related("actor_user__person_login"), viewer) \
        .order_by("recorded_at", "id")
    return (scope(RelationshipEvent.objects.filter(person=person, decides__isnull=True), viewer)
            .select_related("employer", "region", "actor_user__person_login")
            .prefetch_related(Prefetch("decisions", queryset=decisions), "documents")
            .order_by("-recorded_at", "-id"))


def person_pending_enrolments(viewer: Viewer, person: InsuredPerson) -> QuerySet[RelationshipEvent]:
    return scope(RelationshipEvent.objects.filter(person=person, kind=EventKind.ENROLMENT, decision=Decision.PENDING,
                                                  decisions__isnull=True), viewer).select_related("employer")


def person_pending_reductions(viewer: Viewer, person: InsuredPerson) -> QuerySet[StaffReduction]:
    return scope(StaffReduction.objects.filter(person=person, state=Decision.PENDING), viewer) \
        .select_related("employer", "employment")


def person_documents(viewer: Viewer, person: InsuredPerson) -> QuerySet[Document]:
    """Vouchers filed with the person's relationship events."""
    return scope(Document.objects.filter(relationship_events__person=person), viewer).distinct() \
        .order_by("-uploaded_at", "-id")


def employer_current_staff(viewer: Viewer, employer_id: int) -> QuerySet[Employment]:
    return scope(Employment.objects.filter(employer_id=employer_id, end_date__isnull=True)
                 .select_related("person"), viewer).order_by("-start_date", "-id")


def employer_recent_events(viewer: Viewer, employer_id: int) -> QuerySet[RelationshipEvent]:
    return scope(RelationshipEvent.objects.filter(employer_id=employer_id)
                 .select_related("person", "actor_user__person_login"), viewer).order_by("-id")
