"""The person services' own checks, at the service (found by mutation testing: these rules were
only exercised over HTTP, outside the insured tests): every field a clerk's update may change is
checked, a second registration of a document number names the first, a bad number names its rule."""

from __future__ import annotations

import pytest

from common.access import Kind, Viewer
from common.problems import Duplicate, ValidationFailed
from insured.services.persons import person_register, person_update
from tests.agency.factories import OfficeFactory, clerk_user
from tests.ids import resident_id
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _clerk(region) -> Viewer:
    office = OfficeFactory(region=region)
    return Viewer(Kind.CLERK, user_id=clerk_user(office).pk, region_id=region.pk, office_id=office.pk)


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"name": "  "}, "name", "required"),
    ({"statement_delivery": "fax"}, "statement_delivery", "invalid_choice"),
    ({"hukou_type": "nomad"}, "hukou_type", "invalid_choice"),
    ({"hukou_region_code": "31010"}, "hukou_region_code", "invalid"),
    ({"hukou_region_code": "31010a"}, "hukou_region_code", "invalid"),
    ({"nationality": "cn"}, "nationality", "invalid"),
    ({"nationality": "CHN1"}, "nationality", "invalid"),
    ({"email": "not-an-address"}, "email", "invalid"),
])
def test_an_update_names_the_field_it_refuses_and_changes_nothing(changes, field, code):
    person = PersonFactory(name="王五", email="wang@example.cn")
    with pytest.raises(ValidationFailed) as refused:
        person_update(person=person, actor=_clerk(person.region), **changes)
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [(field, code)]
    person.refresh_from_db()
    assert (person.name, person.email, person.nationality) == ("王五", "wang@example.cn", "CHN")


def test_an_update_within_the_rules_is_kept():
    person = PersonFactory()
    updated = person_update(person=person, actor=_clerk(person.region), name="王 六", hukou_region_code="310104",
                            hukou_type="rural", nationality="deu", email="liu@example.cn",
                            statement_delivery="email")
    person.refresh_from_db()
    assert (person.name, person.hukou_region_code, person.hukou_type, person.nationality, person.email,
            person.statement_delivery) == ("王 六", "310104", "rural", "DEU", "liu@example.cn", "email")
    assert updated.pk == person.pk


def test_a_second_registration_names_the_person_already_registered():
    first = PersonFactory()
    with pytest.raises(Duplicate) as again:
        person_register(actor=_clerk(first.region), region=first.region, document_type="resident_id",
                        document_number=first.document_number.lower(), name="另一人")
    assert again.value.extra == {"existing": f"/api/v1/agency/persons/{first.pk}", "existing_id": first.pk}
    assert [(e["field"], e["code"]) for e in again.value.errors] == [("document_number", "duplicate")]


def test_a_wrong_check_digit_names_the_field_the_rule_and_the_expected_digit():
    good = resident_id(seq=123)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    region = PersonFactory().region
    with pytest.raises(ValidationFailed) as refused:
        person_register(actor=_clerk(region), region=region, document_type="resident_id", document_number=wrong,
                        name="校验")
    (error,) = refused.value.errors
    assert error["field"] == "document_number" and error["expected"] == good[-1]
    assert error["code"] != "required"
