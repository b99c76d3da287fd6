"""The employer admin cannot skip the Art. 57 review: registration fields are read-only, employers
are not added here, and contact details change through employer_update (issue 8, defect 1)."""

import pytest
from django.utils import translation

from common.problems import Forbidden, NotFound, ValidationFailed
from employers.models import Employer
from employers.services.employers import employer_update
from tests.builders import clerk, logged_in, portal, user_of
from tests.employers.factories import EmployerFactory
from tests.ids import uscc

pytestmark = pytest.mark.django_db


def test_a_plain_clerk_cannot_add_a_registered_employer_with_a_number(shanghai):
    client = logged_in(clerk(shanghai))
    code = uscc(seed=91)
    form = {"uscc": code, "name": "跳过审核公司", "kind": "enterprise", "region": shanghai.pk,
            "established_on": "2026-01-01", "registration_status": "registered",
            "registration_number": "3101012026999999", "registered_on": "2026-01-02", "risk_class": 1,
            "risk_float_percent": "100", "contact_name": "某人"}
    assert client.get("/admin/employers/employer/add/").status_code == 403
    assert client.post("/admin/employers/employer/add/", form).status_code == 403
    assert not Employer.objects.filter(uscc=code).exists()


def test_a_plain_clerk_cannot_change_registration_fields_or_region(shanghai, beijing):
    employer = EmployerFactory(region=shanghai, name="原名公司", registration_number="3101012015000001",
                               contact_phone="021-1")
    user = user_of(clerk(shanghai))
    client = logged_in(user)
    page = client.get(f"/admin/employers/employer/{employer.pk}/change/")
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"contact_name", "contact_phone", "contact_email",
                                                          "address"}
    forged = {"uscc": uscc(seed=92), "name": "改名公司", "kind": "individual", "region": beijing.pk,
              "registration_status": "cancelled", "registration_number": "X1", "registered_on": "2020-01-01",
              "risk_class": 8, "contact_name": "新联系人", "contact_phone": "021-2", "contact_email": "",
              "address": ""}
    response = client.post(f"/admin/employers/employer/{employer.pk}/change/", forged)
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.name, employer.kind, employer.region, employer.registration_status,
            employer.registration_number, employer.risk_class) == (
        "原名公司", "enterprise", shanghai, "registered", "3101012015000001", 1)
    assert (employer.contact_name, employer.contact_phone) == ("新联系人", "021-2")
    update = employer.events.filter(pgh_label="update").get()  # the audit row, with who did it
    assert update.contact_phone == "021-2" and update.pgh_context.metadata["user"] == user.pk
    assert update.pgh_context.metadata["service"] == "employer_update"


def test_an_invalid_contact_is_shown_on_the_form_and_nothing_changes(shanghai):
    employer = EmployerFactory(region=shanghai, contact_phone="021-1")
    client = logged_in(clerk(shanghai))
    response = client.post(f"/admin/employers/employer/{employer.pk}/change/",
                           {"contact_name": "", "contact_phone": "0" * 31, "contact_email": "", "address": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    employer.refresh_from_db()
    assert employer.contact_phone == "021-1"


def test_employers_cannot_be_deleted_in_the_admin(shanghai):
    employer = EmployerFactory(region=shanghai)
    client = logged_in(clerk(shanghai))
    assert client.post(f"/admin/employers/employer/{employer.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Employer.objects.filter(pk=employer.pk).exists()


def test_employer_update_checks_fields_scope_and_permission(shanghai, beijing):
    employer = EmployerFactory(region=shanghai)
    desk = clerk(shanghai)
    with pytest.raises(ValidationFailed) as refused:
        employer_update(employer=employer, actor=desk, registration_number="X")
    assert refused.value.errors[0]["code"] == "not_changeable"
    with pytest.raises(ValidationFailed):
        employer_update(employer=employer, actor=desk, contact_email="not-an-address")
    outsider = clerk(beijing)
    with pytest.raises(NotFound):
        employer_update(employer=employer, actor=outsider, contact_phone="1")
    auditor = clerk(shanghai, ("auditor",))
    for actor in (auditor, portal(employer, client_id="c")):
        with pytest.raises(Forbidden):
            employer_update(employer=employer, actor=actor, contact_phone="1")
    updated = employer_update(employer=employer, actor=desk, contact_phone=" 021-3 ", address="黄浦路1号")
    assert (updated.contact_phone, updated.address) == ("021-3", "黄浦路1号")


def test_employer_update_gives_its_reasons_in_the_callers_language(shanghai):
    employer = EmployerFactory(region=shanghai)
    desk = clerk(shanghai)
    with translation.override("zh-hans"):
        for changes, field, message in (({"contact_email": "not-an-address"}, "contact_email", "不是有效的电子邮件地址。"),
                                        ({"contact_phone": "1" * 31}, "contact_phone", "最多 30 个字符。")):
            with pytest.raises(ValidationFailed) as refused:
                employer_update(employer=employer, actor=desk, **changes)
            assert [(e["field"], e["message"]) for e in refused.value.errors] == [(field, message)]
