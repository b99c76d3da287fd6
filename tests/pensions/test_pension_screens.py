"""The pension's data entered through the services (parameters ahead of time, deemed years from a voucher,
each with its event), the estimate over the API (the person's own), on the person's file in the admin and
on the person's own page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agency.deadlines import today_in_shanghai
from common.problems import ApplicationError, Forbidden
from insured.models import OriginalRetirementAge as Age
from insured.models import PersonLogin
from pensions.models import BenefitParameter, DeemedService, PensionEvent, PensionEventKind
from pensions.services.parameters import benefit_parameter_enter
from tests.agency.factories import clerk_user
from tests.builders import clerk
from tests.pensions import factories as f
from tests.pensions.test_estimate import _deemed
from tests.transfers.factories import region

pytestmark = pytest.mark.django_db


@pytest.fixture
def man(city):
    person = f.person(city, born=date(1968, 9, 10), sex="M", category=Age.MEN_60)
    employer = f.employer(city)
    f.paid(person, employer, date(2024, 1, 1), date(2024, 12, 1), base="6000.00", credit="480.00")
    f.paid(person, employer, date(2025, 1, 1), date(2025, 12, 1), base="9000.00", credit="720.00")
    f.wage(city, 2024, "8000.00")
    f.wage(city, 2025, "9000.00")
    f.benefit(city, 2029, "10000.00", "1.20")
    f.supplement(city, 2029, "地方补贴", "50.00")
    _deemed(person, 180)
    return person


def _enter(actor, city, **over):
    fields = {"region": city, "year": 2028, "benefit_base": D("10500.00"), "transitional_percent": D("1.20"),
              "source": "杭人社发〔2027〕1号", "published_on": today_in_shanghai(),
              "effective_from": today_in_shanghai() + timedelta(days=30), "actor": actor, **over}
    return benefit_parameter_enter(**fields)


def test_a_supervisor_enters_next_years_benefit_base_ahead_and_the_event_names_what_it_replaces(city):
    first = f.benefit(city, 2027, "10000.00")
    row = _enter(clerk(city, groups=("supervisor",)), city)
    assert row.entered_by and row.source == "杭人社发〔2027〕1号"
    event = PensionEvent.objects.get(kind=PensionEventKind.PARAMETER_ENTERED)
    assert event.details["replaces"] == first.pk and event.details["previous_benefit_base"] == "10000.00"


def test_a_clerk_without_the_permission_is_refused_and_none_backdates(city):
    with pytest.raises(Forbidden):
        _enter(clerk(city), city)
    with pytest.raises(ApplicationError) as refused:
        _enter(clerk(city, groups=("supervisor",)), city, effective_from=today_in_shanghai() - timedelta(days=1))
    assert refused.value.type_slug == "pension-parameter-backdated"
    assert refused.value.errors[0]["field"] == "effective_from"
    with pytest.raises(ApplicationError) as refused:
        _enter(clerk(city, groups=("supervisor",)), city, source=" ")
    assert refused.value.errors[0]["field"] == "source"
    assert not BenefitParameter.objects.exists()


def test_another_regions_supervisor_cannot_enter_this_regions_values(city):
    other = region("320100", "南京市", "Jiangsu")
    with pytest.raises(ApplicationError) as refused:
        _enter(clerk(other, groups=("supervisor",)), city)
    assert refused.value.status == 404


def test_deemed_years_are_recorded_with_a_voucher_and_a_later_record_replaces_the_earlier(man):
    _deemed(man, 120)
    assert list(DeemedService.objects.filter(person=man).values_list("months", flat=True)) == [120, 180]
    event = PensionEvent.objects.filter(kind=PensionEventKind.DEEMED_RECORDED).first()
    assert event.details["months"] == 120 and event.details["previous_months"] == 180


def _person_client(person) -> Client:
    user = User.objects.create_user(person.document_number, password="a-long-test-pass")
    PersonLogin.objects.create(user=user, person=person)
    client = Client()
    client.force_login(user)
    return client


def test_the_person_reads_their_estimate_over_the_api(man, city):
    body = _person_client(man).get("/api/v1/me/pension-estimate").json()
    statutory = next(p for p in body["points"] if p["key"] == "statutory")
    assert statutory["month"] == "2029-09" and statutory["age_years"] == 61
    stop = statutory["scenarios"][0]
    assert stop["basis"] == "stop" and stop["total"] == "3327.84" and stop["index"] == "0.8750"
    basic = next(p for p in stop["parts"] if p["key"] == "basic")
    assert basic["amount"] == "1593.75"
    assert {i["key"]: i["source"] for i in basic["inputs"]}["benefit_base"] == f.SOURCE
    earliest = next(p for p in body["points"] if p["key"] == "earliest")
    assert [m["key"] for m in earliest["scenarios"][0]["missing"]] == [f"benefit_base:{city.code}:2028"]


def test_a_clerk_has_no_me_estimate_and_another_person_sees_only_their_own(man, city):
    other = f.person(city, born=date(1990, 1, 1), sex="F", category=Age.WOMEN_55, seq=40)
    body = _person_client(other).get("/api/v1/me/pension-estimate").json()
    assert body["balance"] == "0.00"
    staff = Client()
    staff.force_login(clerk_user(city.offices.first()))
    assert staff.get("/api/v1/me/pension-estimate").status_code == 403


def test_a_person_without_a_category_gets_a_problem_naming_it(city):
    person = f.person(city, born=date(1990, 1, 1), sex="F", category="", seq=41)
    response = _person_client(person).get("/api/v1/me/pension-estimate")
    assert response.status_code == 409 and response.json()["type"].endswith("/pension-category-missing")


def _staff(city, groups=("clerk",)) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(clerk_user(city.offices.first(), groups=groups))
    return client


def test_the_estimate_is_a_panel_on_the_persons_file_for_the_regions_clerks_only(man, city):
    page = _staff(city).get(reverse("admin:insured_insuredperson_file", args=[man.pk])).content.decode()
    assert "养老金测算" in page and "3327.84" in page and "1593.75" in page and f.SOURCE in page
    other = region("320100", "南京市", "Jiangsu")
    assert _staff(other).get(reverse("admin:insured_insuredperson_file", args=[man.pk])).status_code == 404


def test_a_clerk_records_deemed_years_on_the_service_form(man, city):
    client = _staff(city)
    url = reverse("admin:pensions_deemedservice_add")
    voucher = SimpleUploadedFile("档案.pdf", b"%PDF-1.4 file", "application/pdf")
    response = client.post(url, {"document_number": man.document_number, "months": "96", "note": "档案认定",
                                 "voucher_file": voucher})
    assert response.status_code == 302
    assert DeemedService.objects.filter(person=man).first().months == 96
    refused = client.post(url, {"document_number": man.document_number, "months": "700", "voucher_file":
                                SimpleUploadedFile("a.pdf", b"%PDF", "application/pdf")})
    assert refused.status_code == 200 and "600" in refused.content.decode()


def test_the_benefit_base_list_shows_what_changes_and_only_holders_of_the_permission_add(city):
    f.benefit(city, 2027, "10000.00")
    f.benefit(city, 2028, "10500.00")
    supervisor = _staff(city, groups=("supervisor",))
    listed = supervisor.get(reverse("admin:pensions_benefitparameter_changelist")).content.decode()
    assert "10000.00" in listed and "+500.00" in listed and "+5.0%" in listed
    assert _staff(city).get(reverse("admin:pensions_benefitparameter_add")).status_code == 403
    response = supervisor.post(reverse("admin:pensions_benefitparameter_add"), {
        "region": city.pk, "year": "2029", "benefit_base": "11000.00", "transitional_percent": "1.2",
        "source": "杭人社发〔2028〕2号", "published_on": today_in_shanghai().isoformat(),
        "effective_from": (today_in_shanghai() + timedelta(days=10)).isoformat()})
    assert response.status_code == 302
    assert BenefitParameter.objects.filter(year=2029, benefit_base=D("11000.00")).exists()
    backdated = supervisor.post(reverse("admin:pensions_benefitparameter_add"), {
        "region": city.pk, "year": "2030", "benefit_base": "11500.00", "source": "x",
        "published_on": "2026-01-01", "effective_from": "2026-01-01"})
    assert backdated.status_code == 200 and not BenefitParameter.objects.filter(year=2030).exists()


def test_the_persons_own_page_shows_the_estimate_in_chinese(man):
    page = _person_client(man).get("/me/pension/").content.decode()
    assert "养老金测算" in page and "3327.84" in page and "基础养老金" in page and "2029年9月" in page


def test_the_divisor_table_is_seeded_with_its_source():
    from pensions.models import Divisor

    table = {d.age: d.months for d in Divisor.objects.all()}
    assert len(table) == 31 and (table[40], table[50], table[55], table[60], table[70]) == (233, 195, 170, 139, 56)
    assert all("国发〔2005〕38号" in d.source for d in Divisor.objects.all())
