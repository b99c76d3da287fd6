"""Persons in the admin are registered and changed through person_register / person_update
(issue 8, defect 1): the same checks as the API, the identity and region read-only on change."""

from datetime import date

import pytest

from common.problems import Forbidden, NotFound, ValidationFailed
from insured.models import InsuredPerson
from insured.services.persons import person_register, person_update
from tests.builders import clerk, logged_in
from tests.ids import resident_id
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

ID = resident_id(region="310101", born=date(1992, 8, 15), seq=20)  # even sequence: female


def entry(region, **overrides):
    form = {"document_type": "resident_id", "document_number": ID.lower(), "name": " 林晓 ", "birth_date": "",
            "sex": "", "nationality": "CHN", "region": region.pk, "hukou_region_code": "", "hukou_type": "urban",
            "phone": "", "email": "", "postal_address": "", "statement_delivery": "online"}
    form.update(overrides)
    return form


def test_the_admin_registers_through_the_service(shanghai):
    response = logged_in(clerk(shanghai)).post("/admin/insured/insuredperson/add/", entry(shanghai))
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = InsuredPerson.objects.get()
    assert (person.document_number, person.name, person.birth_date, person.sex) == (
        ID.upper(), "林晓", date(1992, 8, 15), "F")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"document_number": ID[:17] + ("1" if ID[17] != "1" else "2")}, "document_number"),
    ({"statement_delivery": "post"}, "postal_address"),
    ({"statement_delivery": "email"}, "email"),
])
def test_the_admin_shows_the_services_refusal_on_the_form(shanghai, overrides, field):
    response = logged_in(clerk(shanghai)).post("/admin/insured/insuredperson/add/", entry(shanghai, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not InsuredPerson.objects.exists()


def test_a_duplicate_is_refused_on_the_form(shanghai):
    PersonFactory(region=shanghai, document_number=ID, name="林晓")
    response = logged_in(clerk(shanghai)).post("/admin/insured/insuredperson/add/", entry(shanghai))
    assert response.status_code == 200 and "document_number" in response.context["adminform"].form.errors
    assert InsuredPerson.objects.count() == 1


def test_a_clerk_cannot_register_into_another_region(shanghai, beijing):
    response = logged_in(clerk(shanghai)).post("/admin/insured/insuredperson/add/", entry(beijing))
    assert response.status_code == 200 and not InsuredPerson.objects.exists()
    with pytest.raises(ValidationFailed):
        person_register(actor=clerk(shanghai),
                        region=beijing, document_type="resident_id", document_number=ID, name="林晓")


def test_on_change_identity_and_region_are_read_only(shanghai, beijing):
    person = PersonFactory(region=shanghai, document_number=ID, name="林晓", sex="F", birth_date=date(1992, 8, 15))
    client = logged_in(clerk(shanghai))
    form = client.get(f"/admin/insured/insuredperson/{person.pk}/change/").context["adminform"].form
    assert "document_number" not in form.fields and "region" not in form.fields
    response = client.post(f"/admin/insured/insuredperson/{person.pk}/change/", {
        "document_number": resident_id(seq=31), "region": beijing.pk, "sex": "M", "name": "林晓",
        "nationality": "CHN", "hukou_region_code": "", "hukou_type": "urban", "phone": "13800000000",
        "email": "", "postal_address": "", "statement_delivery": "online"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.document_number, person.region, person.sex, person.phone) == (ID, shanghai, "F", "13800000000")


def test_person_update_checks_fields_scope_permission_and_channels(shanghai, beijing):
    person = PersonFactory(region=shanghai)
    desk = clerk(shanghai)
    with pytest.raises(ValidationFailed):
        person_update(person=person, actor=desk, document_number=ID)
    with pytest.raises(ValidationFailed) as refused:
        person_update(person=person, actor=desk, statement_delivery="email")
    assert refused.value.errors[0]["field"] == "email"
    with pytest.raises(NotFound):
        person_update(person=person, actor=clerk(beijing), phone="1")
    with pytest.raises(Forbidden):
        person_update(person=person, actor=clerk(shanghai, ("auditor",)), phone="1")
    updated = person_update(person=person, actor=desk, email="lin@example.cn", statement_delivery="email")
    assert (updated.email, updated.statement_delivery) == ("lin@example.cn", "email")
