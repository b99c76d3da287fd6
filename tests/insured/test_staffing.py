"""Add staff, reduce staff, confirm, add again: the path the source texts describe."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from agency.models import Deadline
from insured.models import (
    Decision,
    Employment,
    InsuranceRelationship,
    InsuredPerson,
    RelationshipEvent,
    RelationshipState,
    StaffingTerms,
    StaffReduction,
)
from insured.services.staffing import staff_reduction_confirm
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user, terms_set
from tests.builders import clerk, logged_in, person_client
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id

pytestmark = pytest.mark.django_db

ID = resident_id(region="310101", born=date(1988, 3, 9), seq=451)


@pytest.fixture
def first(shanghai):
    return Portal(EmployerFactory(region=shanghai, name="第一公司"))


@pytest.fixture
def second(shanghai):
    return Portal(EmployerFactory(region=shanghai, name="第二公司"))


def enrol(portal, start=date(2026, 1, 5), name="陈明", number=ID, key=None):
    return portal.post("/api/v1/employer/enrolments", {"document_number": number, "name": name,
                                                       "start_date": start, "monthly_wage": "12000.00"}, key=key)


def separate(portal, last_day=date(2026, 6, 30), reason="resignation", number=ID, key=None):
    return portal.post("/api/v1/employer/separations",
                       {"document_number": number, "last_day": last_day, "reason": reason}, key=key)


def clerk_confirms(region, reduction_id):
    client = logged_in(clerk_user(region.offices.first(), groups=("reviewer",)))
    return client.post("/admin/insured/staffreduction/",
                       {"action": "confirm_selected", "_selected_action": [reduction_id]}, follow=True)


def test_the_whole_path_add_reduce_confirm_add_again(first, second, shanghai):
    response = enrol(first)
    assert response.status_code == 201, response.json()
    assert response.json()["decision"] == "effective"
    person = InsuredPerson.objects.get(document_number=ID)
    relationship = InsuranceRelationship.objects.get(person=person)
    assert relationship.state == RelationshipState.ACTIVE and relationship.region == shanghai

    staff = first.get("/api/v1/employer/staff").json()["results"]
    assert [s["name"] for s in staff] == ["陈明"]
    assert staff[0]["document_number"] == ID[:6] + "********" + ID[-4:]

    reduction = separate(first)
    assert reduction.status_code == 201, reduction.json()
    assert reduction.json()["state"] == "pending"
    assert reduction.json()["due_on"] is not None
    assert Employment.objects.get(person=person).end_date is None  # nothing changes before confirmation

    page = clerk_confirms(shanghai, reduction.json()["id"]).content.decode()
    assert "confirmed" in page.lower()
    employment = Employment.objects.get(person=person)
    assert employment.end_date == date(2026, 6, 30)
    relationship.refresh_from_db()
    assert relationship.state == RelationshipState.SUSPENDED  # suspended, not ended: the account is kept
    assert Deadline.objects.get(subject_id=reduction.json()["id"]).state == "met"
    assert first.get("/api/v1/employer/staff").json()["results"] == []

    again = enrol(second, start=date(2026, 7, 1))
    assert again.status_code == 201, again.json()
    relationship.refresh_from_db()
    assert relationship.state == RelationshipState.ACTIVE  # resumed: same region, no transfer
    assert InsuranceRelationship.objects.filter(person=person).count() == 1
    kinds = list(RelationshipEvent.objects.filter(person=person).order_by("id").values_list("kind", "decision"))
    assert kinds == [("relationship_opened", "effective"), ("enrolment", "effective"),
                     ("staff_reduction", "pending"), ("suspension", "effective"),
                     ("staff_reduction", "confirmed"), ("resumption", "effective"), ("enrolment", "effective")]
    first_events = first.get("/api/v1/employer/events").json()["results"]
    assert {e["employer_uscc"] for e in first_events} == {first.employer.uscc}


def test_enrolment_while_employed_elsewhere_is_a_409_that_names_no_other_employer(first, second):
    enrol(first)
    response = enrol(second)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-enrollable"  # the reason: tests/insured/test_no_existence_oracle
    assert "第一公司" not in response.content.decode()
    assert Employment.objects.count() == 1


def test_enrolment_with_another_name_for_a_known_person_is_a_409(first, second):
    enrol(first)
    separate(first)
    response = enrol(second, name="陈明明")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-enrollable"


def test_enrolment_filed_more_than_30_days_after_the_start_is_flagged_late(first):
    response = enrol(first, start=date.today() - timedelta(days=45))
    assert response.json()["late"] is True
    assert Employment.objects.get().enrolled_late


def test_person_in_another_region_keeps_the_old_relationship_suspended(first):
    beijing = RegionFactory(code="110105", name="朝阳区")
    OfficeFactory(region=beijing)
    enrol(Portal(EmployerFactory(region=beijing)), start=date(2025, 1, 1))
    beijing_employment = Employment.objects.get()
    beijing_employment.end_date = date(2025, 12, 31)  # ended there (test shortcut, not the API path)
    beijing_employment.save()
    assert enrol(first, start=date(2026, 1, 5)).status_code == 201
    states = dict(InsuranceRelationship.objects.values_list("region__code", "state"))
    assert states == {"110105": "suspended", "310101": "active"}


def test_separation_for_a_person_not_on_the_callers_staff_is_a_404(first, second):
    enrol(first)
    response = separate(second)
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "document_number"


def test_last_day_before_the_start_is_a_400(first):
    enrol(first, start=date(2026, 3, 1))
    response = separate(first, last_day=date(2026, 2, 28))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "last_day"


def test_a_retried_separation_replays_and_a_duplicate_without_key_is_a_409(first):
    enrol(first)
    one = separate(first, key="hr-42")
    two = separate(first, key="hr-42")
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json() == two.json()
    assert two["Idempotent-Replayed"] == "true"
    three = separate(first)
    assert three.status_code == 409
    assert three.json()["type"] == "/problems/duplicate-reduction"
    assert StaffReduction.objects.count() == 1


def test_a_retried_enrolment_with_the_same_key_enrols_once(first):
    assert enrol(first, key="enrol-1").status_code == 201
    assert enrol(first, key="enrol-1").status_code == 201
    assert Employment.objects.count() == 1
    assert RelationshipEvent.objects.filter(kind="enrolment").count() == 1


def test_wrong_check_character_is_a_400_with_the_expected_character(first):
    bad = ID[:17] + ("1" if ID[17] != "1" else "2")
    response = enrol(first, number=bad)
    assert response.status_code == 400
    assert response.json()["errors"][0]["expected"] == ID[17]


def test_death_marks_the_relationship_for_the_heirs_refund(first, shanghai):
    enrol(first)
    reduction_id = separate(first, reason="death").json()["id"]
    clerk_confirms(shanghai, reduction_id)
    assert InsuranceRelationship.objects.get().state == RelationshipState.AWAITING_REFUND


def test_region_without_confirmation_reduces_at_once(first, shanghai):
    terms_set(shanghai, StaffingTerms, reduction_needs_confirmation=False)
    enrol(first)
    body = separate(first).json()
    assert body["state"] == "effective" and body["due_on"] is None
    assert InsuranceRelationship.objects.get().state == RelationshipState.SUSPENDED


def test_region_that_confirms_enrolments_enrols_only_after_the_clerk(first, shanghai):
    terms_set(shanghai, StaffingTerms, enrolment_needs_confirmation=True)
    body = enrol(first).json()
    assert body["decision"] == "pending" and not Employment.objects.exists()
    client = logged_in(clerk_user(shanghai.offices.first(), groups=("reviewer",)))
    client.post("/admin/insured/relationshipevent/",
                {"action": "confirm_enrolments", "_selected_action": [body["id"]]})
    assert Employment.objects.get().employer == first.employer


def test_a_person_reads_their_own_events(first):
    enrol(first)
    person = InsuredPerson.objects.get()
    client = person_client(person)
    kinds = [e["kind"] for e in client.get("/api/v1/me/events").json()["results"]]
    assert sorted(kinds) == ["enrolment", "relationship_opened"]


def test_staff_filter_by_start_month(first):
    enrol(first, start=date(2026, 2, 3))
    assert len(first.get("/api/v1/employer/staff", {"start_month": "2026-02"}).json()["results"]) == 1
    assert first.get("/api/v1/employer/staff", {"start_month": "2026-03"}).json()["results"] == []
    assert first.get("/api/v1/employer/staff", {"start_month": "2026-13"}).status_code == 400


def test_events_cannot_be_rewritten():
    from django.db import transaction
    from django.db.utils import ProgrammingError

    region = RegionFactory()
    OfficeFactory(region=region)
    portal = Portal(EmployerFactory(region=region))
    enrol(portal)
    with pytest.raises(ProgrammingError), transaction.atomic():
        RelationshipEvent.objects.update(note="rewritten")


def test_confirming_twice_confirms_once(first, shanghai):
    from common.problems import Conflict

    enrol(first)
    reduction = StaffReduction.objects.get(pk=separate(first).json()["id"])
    desk = clerk(shanghai)
    staff_reduction_confirm(reduction=reduction, actor=desk, channel="admin")
    with pytest.raises(Conflict):
        staff_reduction_confirm(reduction=reduction, actor=desk, channel="admin")
    assert RelationshipEvent.objects.filter(decision=Decision.CONFIRMED).count() == 1
    assert Decimal(Employment.objects.get().monthly_wage) == Decimal("12000.00")


def test_bulk_confirm_reports_each_item_once(first, second, shanghai):
    other = resident_id(region="310101", born=date(1990, 7, 1), seq=12)
    enrol(first)
    enrol(second, number=other, name="李娜")
    done = separate(first).json()["id"]
    fresh = separate(second, number=other).json()["id"]
    clerk_confirms(shanghai, done)

    client = logged_in(clerk_user(shanghai.offices.first(), groups=("reviewer",)))
    response = client.post("/admin/insured/staffreduction/",
                           {"action": "confirm_selected", "_selected_action": [done, fresh]}, follow=True)
    notes = [str(m) for m in response.context["messages"]]
    assert notes[0] == "1 staff reduction(s) confirmed."
    assert len(notes) == 2 and "was already confirmed" in notes[1] and "李娜" not in notes[1]
    assert StaffReduction.objects.get(pk=fresh).state == Decision.CONFIRMED


def _media_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _separate_with_document(portal, number=ID, kinds=("separation_certificate",)):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return portal.api.post("/api/v1/employer/separations", {
        "document_number": number, "last_day": "2026-06-30", "reason": "resignation",
        "documents": [SimpleUploadedFile("离职证明.pdf", b"%PDF-1.4 separation", content_type="application/pdf")],
        "document_kinds": list(kinds)}, format="multipart")


def test_a_refused_separation_with_documents_leaves_no_file_on_disk(first, second, settings):
    enrol(first)
    response = _separate_with_document(second)  # not on the second employer's staff
    assert response.status_code == 404, response.json()
    assert _media_files(settings) == []
    response = _separate_with_document(first, kinds=("no_such_kind",))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "document_kinds[0]"
    assert _media_files(settings) == []
    from agency.models import Document

    assert not Document.objects.exists()


def test_an_accepted_separation_keeps_its_documents(first, settings):
    import hashlib

    enrol(first)
    response = _separate_with_document(first)
    assert response.status_code == 201, response.json()
    request = StaffReduction.objects.get().request_event
    [document] = request.documents.all()
    assert document.sha256 == hashlib.sha256(b"%PDF-1.4 separation").hexdigest()
    assert _media_files(settings) == [Path(document.file.path)]
