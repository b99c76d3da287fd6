"""Problems in the caller's language (issue 10, item 8): Accept-Language zh-CN gives the title, the
detail and the field messages in Chinese; `type` and `code` stay the same, in English."""

import json
import re
from datetime import date

import pytest
from rest_framework.test import APIClient

from tests.agency.factories import OfficeFactory, RegionFactory
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.ids import resident_id

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.fixture
def portal():
    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region)
    return Portal(EmployerFactory(region=region))


def enrol(portal, body, **headers):
    return portal.api.post("/api/v1/employer/enrolments", data=json.dumps(body), content_type="application/json",
                           **headers)


def test_field_errors_in_chinese_with_the_same_type_and_codes(portal):
    body = {"document_number": resident_id(seq=12)[:-1] + "0", "name": "陈明", "start_date": "2026-01-05",
            "monthly_wage": "9000.00", "sex": "X"}
    english, chinese = enrol(portal, body).json(), enrol(portal, body, **ZH).json()
    assert chinese["type"] == english["type"] == "/problems/validation-error"
    assert chinese["title"] == "输入无效" and english["title"] == "Invalid input"
    assert CHINESE.search(chinese["detail"]) and not CHINESE.search(english["detail"])
    assert [(e["field"], e["code"]) for e in chinese["errors"]] == [(e["field"], e["code"]) for e in english["errors"]]
    assert all(CHINESE.search(e["message"]) for e in chinese["errors"])


def test_an_invalid_choice_lists_the_valid_values(portal):
    body = {"document_number": resident_id(seq=13), "name": "陈明", "start_date": "2026-01-05",
            "monthly_wage": "9000.00", "sex": "X", "document_type": "driving_licence"}
    errors = {e["field"]: e for e in enrol(portal, body).json()["errors"]}
    assert errors["sex"]["code"] == "invalid_choice"
    assert errors["sex"]["message"] == '"X" is not a valid choice; one of: M, F.'
    assert "resident_id" in errors["document_type"]["message"] and "passport" in errors["document_type"]["message"]
    chinese = {e["field"]: e for e in enrol(portal, body, **ZH).json()["errors"]}
    assert chinese["sex"]["message"] == "“X”不是有效的选项；可选值：M, F。"


def test_domain_errors_from_the_services_are_in_chinese(portal):
    number = resident_id(region="310101", born=date(1990, 1, 1), seq=77)
    response = portal.api.post("/api/v1/employer/separations",
                               data=json.dumps({"document_number": number, "last_day": "2026-01-31",
                                                "reason": "resignation"}), content_type="application/json", **ZH)
    problem = response.json()
    assert (response.status_code, problem["type"]) == (404, "/problems/not-found")
    assert problem["title"] == "未找到"
    assert problem["detail"] == "本单位职工名册中没有此证件号码的人员。"
    assert problem["errors"][0]["code"] == "not_on_staff"


def test_malformed_json_is_a_short_message_in_the_callers_language():
    response = APIClient().post("/api/v1/registrations", data='{"kind": "new", ', content_type="application/json",
                                **ZH)
    problem = response.json()
    assert problem["type"] == "/problems/malformed-request"
    assert (problem["title"], problem["detail"]) == ("请求格式错误", "请求体不是有效的 JSON。")
