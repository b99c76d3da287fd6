"""One language per answer: a problem's title, detail and field messages all in the caller's
language; official documents (statements, certificates, letters, notices) in Chinese with Chinese
dates whatever the request asks."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from common.display import official_date
from tests.builders import person_client
from tests.employers.factories import EmployerFactory
from tests.employers.portal import Portal
from tests.transfers.factories import months_between, mover, paid_months, region

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def _chinese_throughout(problem: dict) -> None:
    assert CJK.search(problem["title"]) and CJK.search(problem["detail"]), problem
    for error in problem.get("errors", []):
        assert CJK.search(error["message"]), error


def test_payments_arrears_and_verify_answer_in_chinese_to_a_chinese_caller():
    portal = Portal(EmployerFactory())
    portal.api.credentials(HTTP_AUTHORIZATION=portal.api._credentials["HTTP_AUTHORIZATION"], **ZH)
    _chinese_throughout(portal.api.get("/api/v1/employer/arrears", {"on": "2026-13-40"}).json())
    _chinese_throughout(portal.api.get("/api/v1/employer/payments/999999").json())
    _chinese_throughout(Client().get("/api/v1/statements/verify", {"code": "12"}, **ZH).json())
    _chinese_throughout(Client().get("/api/v1/statements/verify", {"code": "A" * 20}, **ZH).json())
    english = Client().get("/api/v1/statements/verify", {"code": "12"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert not CJK.search(english["title"] + english["detail"])


def test_the_certificate_is_chinese_with_a_chinese_date_when_asked_in_english(monkeypatch):
    shanghai, beijing = region("310101", "黄浦区", "上海市"), region("110105", "朝阳区", "北京市")
    m = mover(shanghai, beijing, enrol_new=False)
    paid_months(m.person, m.old_employer, months_between(date(2025, 1, 1), date(2025, 6, 1)))
    printed = {}

    def capture(**kwargs):
        printed.update(kwargs)
        return b"%PDF-1.4\n%%EOF\n"

    monkeypatch.setattr("transfers.documents.notice_pdf", capture)
    response = person_client(m.person).get("/api/v1/me/contribution-certificate?region=310101&as=pdf",
                                       HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    fields = dict(printed["fields"])
    assert CJK.search(fields["参保关系状态"]), fields  # the state's label, in Chinese
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", fields["出具日期"]), fields


def test_official_dates_read_the_chinese_way():
    assert official_date(date(2026, 12, 7)) == "2026年12月7日"
    assert official_date("2026-01-05") == "2026年1月5日"
    with translation.override("en"):
        assert official_date(date(2026, 12, 7)) == "2026年12月7日"


def test_an_invalid_token_is_called_invalid_not_missing():
    missing = Client().get("/api/v1/employer", HTTP_ACCEPT_LANGUAGE="en").json()
    invalid = Client().get("/api/v1/employer", HTTP_AUTHORIZATION="Bearer not-a-token",
                           HTTP_ACCEPT_LANGUAGE="en").json()
    assert invalid["status"] == 401 and "not valid" in invalid["detail"] and invalid["detail"] != missing["detail"]
    chinese = Client().get("/api/v1/employer", HTTP_AUTHORIZATION="Bearer not-a-token", **ZH).json()
    assert "访问令牌无效" in chinese["detail"]


def test_the_statement_and_ledger_refusals_answer_a_chinese_clerk_in_chinese():
    """These services used to refuse in English whatever the clerk's language."""
    from accounts.services.ledger import account_correction_post
    from statements.services.delivery import delivery_outcome_record, statement_resend
    from statements.services.runs import statement_run_start
    from tests.builders import clerk

    shanghai = region("310101", "黄浦区", "上海市")
    supervisor = clerk(shanghai, groups=("clerk", "supervisor"))
    refusals = []
    with translation.override("zh-hans"):
        for call in (lambda: delivery_outcome_record(delivery_id=1, outcome="lost", note="", actor=supervisor),
                     lambda: delivery_outcome_record(delivery_id=999999, outcome="sent", note="", actor=supervisor),
                     lambda: statement_resend(statement_id=1, channel="fax", actor=supervisor),
                     lambda: statement_resend(statement_id=999999, channel="post", actor=supervisor),
                     lambda: statement_run_start(year=date.today().year, region=shanghai, actor=supervisor),
                     lambda: account_correction_post(account=None, amount=0, reason="", actor=supervisor)):
            with pytest.raises(Exception) as refused:
                call()
            refusals.append(str(getattr(refused.value, "detail", "")) + " ".join(
                str(e["message"]) for e in getattr(refused.value, "errors", None) or []))
    assert all(CJK.search(text) for text in refusals), refusals
