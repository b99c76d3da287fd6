"""A person's file: found by number, masked number and name, or name; one page with identity,
relationships, employments, events with their decisions and vouchers; buttons that call the
staffing services; sections that later apps register; all within the clerk's region."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.safestring import mark_safe

from common.panels import Panel
from insured.models import Decision, InsuredPerson, RelationshipEvent, StaffReduction
from insured.person_file import person_file_panels
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

ID = resident_id(region="310101", born=date(1988, 3, 9), seq=451)  # ends in a check character
FIND = "/admin/insured/insuredperson/find/"


@pytest.fixture
def world():
    home, away = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    OfficeFactory(region=home)
    OfficeFactory(region=away)
    portal = Portal(EmployerFactory(region=home, name="第一公司"))
    portal.post("/api/v1/employer/enrolments", {"document_number": ID, "name": "陈明", "start_date": date(2026, 1, 5),
                                                "monthly_wage": "12000.00"})
    body = {"document_number": ID, "last_day": "2026-06-30", "reason": "resignation",
            "documents": [SimpleUploadedFile("离职证明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")]}
    response = portal.api.post("/api/v1/employer/separations", body, format="multipart")
    assert response.status_code == 201, response.content
    reviewer = clerk_user(home.offices.first(), groups=("reviewer",), username="li")
    reviewer.first_name, reviewer.last_name = "娜", "李"
    reviewer.save()
    client = Client()
    client.force_login(reviewer)
    person = InsuredPerson.objects.get(document_number=ID)
    return {"home": home, "away": away, "portal": portal, "client": client, "person": person, "reviewer": reviewer,
            "file": reverse("admin:insured_insuredperson_file", args=[person.pk])}


def test_an_exact_number_opens_the_file_also_with_a_lower_case_x(world):
    response = world["client"].get(FIND, {"q": ID})
    assert response.status_code == 302 and response["Location"] == world["file"]
    with_x = next(n for n in (resident_id(seq=s, born=date(1990, 1, 1)) for s in range(1, 999)) if n.endswith("X"))
    x_person = PersonFactory(region=world["home"], document_number=with_x)
    response = world["client"].get(FIND, {"q": with_x.lower()})
    assert response.status_code == 302 and response["Location"].endswith(f"/{x_person.pk}/file/")


def test_a_masked_number_with_the_name_opens_the_file(world):
    masked = ID[:6] + "*" * 8 + ID[-4:]
    response = world["client"].get(FIND, {"q": f"{masked} 陈明"})
    assert response.status_code == 302 and response["Location"] == world["file"]
    alone = world["client"].get(FIND, {"q": masked})
    assert alone.status_code == 200 and alone.context["found"].how == "needs-name"
    wrong_name = world["client"].get(FIND, {"q": f"{masked} 陈明明"})
    assert wrong_name.context["found"].persons == []


def test_a_name_lists_exact_matches_first(world):
    PersonFactory(region=world["home"], name="陈明明")
    PersonFactory(region=world["home"], name="小陈明")
    found = world["client"].get(FIND, {"q": "陈明"})
    assert found.status_code == 200
    names = [p.name for p in found.context["found"].persons]
    assert names[0] == "陈明" and set(names[1:]) == {"陈明明", "小陈明"}
    assert ID not in found.content.decode()  # the list shows masked numbers


def test_another_regions_person_is_neither_found_nor_shown(world):
    theirs = PersonFactory(region=world["away"], name="外区人")
    assert world["client"].get(FIND, {"q": theirs.document_number}).context["found"].persons == []
    assert world["client"].get(FIND, {"q": "外区人"}).context["found"].persons == []
    assert world["client"].get(reverse("admin:insured_insuredperson_file", args=[theirs.pk])).status_code == 404


def test_the_file_shows_the_whole_record(world):
    page = world["client"].get(world["file"]).content.decode()
    for section in ("identity", "relationships", "pending", "employments", "events", "documents"):
        assert f'id="panel-{section}"' in page
    assert ID in page  # the full number on the person's own page
    assert "第一公司" in page and "12000.00" in page
    assert "离职证明.pdf" in page and reverse("admin:agency_document_download",
                                               args=[world["person"].relationship_events.get(
                                                   kind="staff_reduction").documents.get().pk]) in page
    events = page[page.index('id="panel-events"'):page.index('id="panel-documents"')]
    assert events.count("第一公司") >= 3  # the portal's events name the employer as who acted
    assert "client:" not in page and "user:" not in page  # actors by name, never internal codes


def test_confirming_a_reduction_from_the_file_calls_the_service_and_records_the_decision(world):
    reduction = StaffReduction.objects.get()
    response = world["client"].post(world["file"] + "act/", {"action": "confirm_reduction", "item": reduction.pk})
    assert response.status_code == 302
    reduction.refresh_from_db()
    assert reduction.state == Decision.CONFIRMED and reduction.decided_by == world["reviewer"]
    decision = RelationshipEvent.objects.get(decides=reduction.request_event)
    assert decision.channel == "admin" and decision.decision == Decision.CONFIRMED
    page = world["client"].get(world["file"]).content.decode()
    assert 'id="panel-pending"' not in page  # nothing waits any more
    decision_row = page[page.index('class="decision-row"'):]
    assert "李娜" in decision_row[:decision_row.index("</tr>")]  # the decision under its request, by name


def test_rejecting_needs_a_note(world):
    reduction = StaffReduction.objects.get()
    world["client"].post(world["file"] + "act/", {"action": "reject_reduction", "item": reduction.pk})
    reduction.refresh_from_db()
    assert reduction.state == Decision.PENDING
    world["client"].post(world["file"] + "act/", {"action": "reject_reduction", "item": reduction.pk,
                                                  "note": "劳动合同未解除"})
    reduction.refresh_from_db()
    assert reduction.state == Decision.REJECTED and reduction.decision_note == "劳动合同未解除"


def test_a_clerk_without_the_review_permission_has_no_buttons(world):
    auditor = clerk_user(world["home"].offices.first(), groups=("auditor",))
    client = Client()
    client.force_login(auditor)
    page = client.get(world["file"]).content.decode()
    assert 'value="confirm_reduction"' not in page
    reduction = StaffReduction.objects.get()
    response = client.post(world["file"] + "act/", {"action": "confirm_reduction", "item": reduction.pk})
    assert response.status_code == 404
    reduction.refresh_from_db()
    assert reduction.state == Decision.PENDING


def test_later_apps_add_sections_which_are_escaped_and_permission_gated(world):
    person_file_panels.register(Panel("account", "个人账户", lambda request, person, viewer: mark_safe(
        f"<p id='balance'>{person.name}: 1234.56</p>"), order=200))
    person_file_panels.register(Panel("raw", "未转义", lambda request, person, viewer: "<script>x</script>",
                                      order=201))
    person_file_panels.register(Panel("secret", "需要权限", lambda r, p, v: "hidden", order=202,
                                      permission="insured.view_personlogin"))
    person_file_panels.register(Panel("nothing", "无内容", lambda r, p, v: None, order=203))
    try:
        page = world["client"].get(world["file"]).content.decode()
    finally:
        for key in ("account", "raw", "secret", "nothing"):
            person_file_panels.unregister(key)
    assert "<p id='balance'>陈明: 1234.56</p>" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert 'id="panel-secret"' not in page and 'id="panel-nothing"' not in page
    assert page.index('id="panel-documents"') < page.index('id="panel-account"')
