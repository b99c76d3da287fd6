"""The person services' own checks, at the service (found by mutation testing: these rules were
only exercised over HTTP, outside the insured tests): every field a clerk's update may change is
checked, a second registration of a document number names the first, a bad number names its rule."""

from __future__ import annotations

import pytest
from django.utils import translation

from common.problems import Duplicate, ValidationFailed
from insured.models import InsuredPerson
from insured.services.persons import person_register, person_update
from tests.builders import clerk
from tests.ids import resident_id
from tests.insured.factories import PersonFactory
from tests.problems import refused_in_chinese

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("changes", "field", "code", "message"), [
    ({"name": "  "}, "name", "required", "姓名为必填项。"),
    ({"statement_delivery": "fax"}, "statement_delivery", "invalid_choice", "可选值：post, email, online。"),
    ({"hukou_type": "nomad"}, "hukou_type", "invalid_choice", "可选值：urban, rural, none。"),
    ({"hukou_region_code": "31010"}, "hukou_region_code", "invalid", "行政区划代码为 6 位数字。"),
    ({"hukou_region_code": "31010a"}, "hukou_region_code", "invalid", "行政区划代码为 6 位数字。"),
    ({"nationality": "cn"}, "nationality", "invalid", "应为 ISO 3166-1 三位字母代码，例如 CHN。"),
    ({"nationality": "CHN1"}, "nationality", "invalid", "应为 ISO 3166-1 三位字母代码，例如 CHN。"),
    ({"email": "not-an-address"}, "email", "invalid", "不是有效的电子邮件地址。"),
    ({"document_number": "110101199001011234"}, "document_number", "not_changeable", "document_number 不能在此修改。"),
    ({"name": "王\u200b六"}, "name", "invalid_character",
     "含有控制字符或不可见的格式字符（U+200B ZERO WIDTH SPACE）；请去掉后重新输入。"),
])
def test_an_update_names_the_field_it_refuses_and_changes_nothing(changes, field, code, message):
    """A clerk (or a portal) reading Chinese gets the reason in Chinese (found by mutation testing:
    several of these reasons were English whatever the caller's language)."""
    person = PersonFactory(name="王五", email="wang@example.cn")
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        person_update(person=person, actor=clerk(person.region), **changes)
    assert refused.value.errors == [{"field": field, "code": code, "message": message}]
    assert refused.value.detail == message
    person.refresh_from_db()
    assert (person.name, person.email, person.nationality) == ("王五", "wang@example.cn", "CHN")


def test_an_update_within_the_rules_is_kept():
    person = PersonFactory()
    desk = clerk(person.region)
    updated = person_update(person=person, actor=desk, name="王 六", hukou_region_code="310104",
                            hukou_type="rural", nationality="deu", email="liu@example.cn",
                            statement_delivery="email")
    person.refresh_from_db()
    assert (person.name, person.hukou_region_code, person.hukou_type, person.nationality, person.email,
            person.statement_delivery) == ("王 六", "310104", "rural", "DEU", "liu@example.cn", "email")
    assert updated.pk == person.pk
    # The person's history names the service and the clerk who made the change (issue 21).
    change = person.events.filter(pgh_label="update").get()
    assert (change.name, change.pgh_context.metadata["service"], change.pgh_context.metadata["actor"]) == (
        "王 六", "person_update", desk.label())


def test_a_channel_is_checked_against_the_address_and_e_mail_already_on_file():
    """The statement channel's address may be on file already: a person receiving statements by
    post cannot clear the address, and one with an e-mail on file switches to e-mail without giving
    it again (issue 21: only changes giving both were tested)."""
    person = PersonFactory(email="wang@example.cn", postal_address="上海市黄浦区中山东一路 1 号",
                           statement_delivery="post")
    desk = clerk(person.region)
    assert refused_in_chinese(lambda: person_update(person=person, actor=desk, postal_address=" ")) == (
        400, "validation-error", "邮寄对账单需要通信地址。", [("postal_address", "required", "邮寄对账单需要通信地址。")])
    person_update(person=person, actor=desk, statement_delivery="email")
    person.refresh_from_db()
    assert (person.statement_delivery, person.email) == ("email", "wang@example.cn")
    assert refused_in_chinese(lambda: person_update(person=person, actor=desk, email="")) == (
        400, "validation-error", "以电子邮件发送对账单需要电子邮件地址。",
        [("email", "required", "以电子邮件发送对账单需要电子邮件地址。")])
    person.refresh_from_db()
    assert (person.statement_delivery, person.email, person.postal_address) == (
        "email", "wang@example.cn", "上海市黄浦区中山东一路 1 号")


def test_a_second_registration_names_the_person_already_registered():
    first = PersonFactory()
    with pytest.raises(Duplicate) as again:
        person_register(actor=clerk(first.region), region=first.region, document_type="resident_id",
                        document_number=first.document_number.lower(), name="另一人")
    assert again.value.extra == {"existing": f"/api/v1/agency/persons/{first.pk}", "existing_id": first.pk}
    assert again.value.errors == [{"field": "document_number", "code": "duplicate", "message": "Already registered."}]
    assert again.value.detail == "A person with this document number is already registered."


def test_a_wrong_check_digit_names_the_field_the_rule_and_the_expected_digit():
    good = resident_id(seq=123)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    region = PersonFactory().region
    with pytest.raises(ValidationFailed) as refused:
        person_register(actor=clerk(region), region=region, document_type="resident_id", document_number=wrong,
                        name="校验")
    (error,) = refused.value.errors
    assert error["field"] == "document_number" and error["expected"] == good[-1]
    assert error["code"] == "check_character"


def test_a_number_of_the_wrong_length_names_no_expected_digit():
    region = PersonFactory().region
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        person_register(actor=clerk(region), region=region, document_type="resident_id",
                        document_number=resident_id(seq=124)[:-2], name="短号")
    (error,) = refused.value.errors
    assert set(error) == {"field", "code", "message"}
    assert (error["field"], error["code"], error["message"]) == (
        "document_number", "format", "居民身份证号码为 17 位数字加 1 位数字或 X。")
    assert error["message"] == refused.value.detail


_MEN_60 = "男性原退休年龄为60周岁；女性为55周岁（干部岗位）或50周岁（工人岗位）。"


@pytest.mark.parametrize(("sex", "category", "code", "message"), [
    ("F", "women_55", None, None), ("F", "women_50", None, None), ("M", "men_60", None, None),
    ("M", "women_55", "sex_mismatch", _MEN_60), ("F", "men_60", "sex_mismatch", _MEN_60),
    ("F", "women_60", "invalid_choice", "可选值：men_60, women_55, women_50。"),
])
def test_the_original_retirement_age_follows_the_sex(sex, category, code, message):
    """The category a person's new retirement age is reckoned from (refunds/retirement.py) is
    checked where a clerk records it (found by mutation testing: only the refund tests set it)."""
    person = PersonFactory(sex=sex)
    if code is None:
        person_update(person=person, actor=clerk(person.region), original_retirement_age=category)
        person.refresh_from_db()
        assert person.original_retirement_age == category
        return
    assert refused_in_chinese(lambda: person_update(
        person=person, actor=clerk(person.region), original_retirement_age=category)) == (
        400, "validation-error", message, [("original_retirement_age", code, message)])
    person.refresh_from_db()
    assert person.original_retirement_age == ""


def test_a_registration_with_only_the_required_fields_takes_the_defaults():
    region = PersonFactory().region
    person = person_register(actor=clerk(region), region=region, document_type="resident_id",
                             document_number=resident_id(seq=125), name="默认")
    person.refresh_from_db()
    assert (person.nationality, person.hukou_region_code, person.hukou_type, person.statement_delivery,
            person.original_retirement_age, person.phone, person.email, person.postal_address) == (
        "CHN", "", "urban", "online", "", "", "", "")


def test_a_birth_date_given_with_an_id_number_must_be_the_numbers():
    """The resident ID number carries the birth date: the same date given again is accepted, another
    is refused on the field, naming the number's date (found by mutation testing)."""
    from datetime import date

    region = PersonFactory().region
    number = resident_id(seq=126)
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        person_register(actor=clerk(region), region=region, document_type="resident_id", document_number=number,
                        name="生日", birth_date=date(born.year - 1, born.month, 1))
    (error,) = refused.value.errors
    assert (error["field"], error["code"]) == ("birth_date", "mismatch")
    assert error["message"] == f"证件号码显示的出生日期为 {born}。"
    person = person_register(actor=clerk(region), region=region, document_type="resident_id",
                             document_number=number, name="生日", birth_date=born)
    assert person.birth_date == born


@pytest.mark.parametrize(("given", "missing"), [({"sex": "F"}, "birth_date"), ({"birth_date": "1990-04-01"}, "sex"),
                                                ({}, "birth_date")])
def test_a_passport_needs_the_birth_date_and_the_sex_the_number_cannot_give(given, missing):
    """Only a resident ID number carries the birth date and sex; for a passport each is asked for
    and the one missing is named (found by mutation testing)."""
    from datetime import date

    if "birth_date" in given:
        given = {**given, "birth_date": date.fromisoformat(given["birth_date"])}
    region = PersonFactory().region
    assert refused_in_chinese(lambda: person_register(
        actor=clerk(region), region=region, document_type="passport", document_number="E12345670",
        name="Anna Müller", nationality="DEU", **given)) == (
        400, "validation-error", "此类证件须填写此项。", [(missing, "required", "此类证件须填写此项。")])


def test_a_clerk_registers_and_changes_persons_of_their_own_region_only():
    from common.problems import NotFound
    from tests.agency.factories import RegionFactory

    person = PersonFactory(name="王五")
    elsewhere = RegionFactory()
    with pytest.raises(ValidationFailed) as refused:
        person_register(actor=clerk(elsewhere), region=person.region, document_type="resident_id",
                        document_number=resident_id(seq=127), name="外区")
    assert refused.value.errors == [{"field": "region_code", "code": "unknown_region",
                                     "message": "Not a region you serve."}]
    with pytest.raises(NotFound) as refused:
        person_update(person=person, actor=clerk(elsewhere), name="王六")
    assert refused.value.detail == "No such person is visible to you."
    person.refresh_from_db()
    assert person.name == "王五"


@pytest.mark.parametrize(("changes", "refused_on", "message"), [
    ({"statement_delivery": "post"}, "postal_address", "Statements by post need a postal address."),
    ({"statement_delivery": "post", "postal_address": "  "}, "postal_address",
     "Statements by post need a postal address."),
    ({"statement_delivery": "email", "email": ""}, "email", "Statements by e-mail need an e-mail address."),
    ({"statement_delivery": "post", "postal_address": "上海市黄浦区\n中山东一路 1 号"}, None, None),
    ({"statement_delivery": "online", "email": ""}, None, None),
])
def test_a_statement_channel_needs_its_address(changes, refused_on, message):
    person = PersonFactory(email="", postal_address="", statement_delivery="online")
    if refused_on is None:
        person_update(person=person, actor=clerk(person.region), **changes)
        person.refresh_from_db()
        assert {field: getattr(person, field) for field in changes} == changes  # the address keeps its lines
        return
    with pytest.raises(ValidationFailed) as refused:
        person_update(person=person, actor=clerk(person.region), **changes)
    assert refused.value.errors == [{"field": refused_on, "code": "required", "message": message}]
    person.refresh_from_db()
    assert person.statement_delivery == "online"


def test_a_birth_date_in_the_future_is_refused_on_the_field_it_came_from():
    """From a resident ID number the date is the number's, so the number is at fault; for a passport,
    the birth date given (found by mutation testing: the field was asserted nowhere)."""
    from datetime import date, timedelta

    from agency.deadlines import today_in_shanghai

    region = PersonFactory().region
    tomorrow = today_in_shanghai() + timedelta(days=1)
    unborn = resident_id(born=date(tomorrow.year + 1, 1, 1), seq=128)
    for arguments, field in (({"document_type": "resident_id", "document_number": unborn}, "document_number"),
                             ({"document_type": "passport", "document_number": "E12345671", "birth_date": tomorrow,
                               "sex": "F"}, "birth_date")):
        with pytest.raises(ValidationFailed) as refused:
            person_register(actor=clerk(region), region=region, name="未来", **arguments)
        assert refused.value.errors == [{"field": field, "code": "future",
                                         "message": "A date of birth cannot be in the future."}]


@pytest.mark.django_db(transaction=True)
def test_a_registration_racing_an_uncommitted_one_waits_for_it_and_names_it():
    """Two clerks register the same number at once: the second's look-up cannot see the first's row
    yet, so its insert waits for the first to commit and then names that person (issue 21: the
    fallback after the insert found nothing to insert was reached by no test)."""
    from django.db import transaction

    from tests.agency.factories import OfficeFactory, RegionFactory
    from tests.concurrency import started_until_it_waits

    region = RegionFactory()
    OfficeFactory(region=region)
    desk = clerk(region)
    number = resident_id(seq=131)
    with transaction.atomic():  # committed only once the second registration waits for this row's lock
        first = PersonFactory(region=region, document_number=number, name="先到")
        outcome = started_until_it_waits(lambda: person_register(
            actor=desk, region=region, document_type="resident_id", document_number=number, name="后到"))
    refused = outcome()
    assert isinstance(refused, Duplicate), refused
    assert refused.extra == {"existing": f"/api/v1/agency/persons/{first.pk}", "existing_id": first.pk}
    assert refused.errors == [{"field": "document_number", "code": "duplicate", "message": "Already registered."}]
    assert list(InsuredPerson.objects.filter(document_number=number).values_list("name", flat=True)) == ["先到"]


def test_a_registration_keeps_every_field_it_is_given():
    """person_new builds the whole record (issue 21, ahead of the mutation run: only the defaults were asserted)."""
    from datetime import date

    region = PersonFactory().region
    person = person_register(actor=clerk(region), region=region, document_type="passport", document_number="E12345672",
                             name=" Anna Müller ", birth_date=date(1980, 5, 17), sex="F", nationality="deu",
                             hukou_region_code="310104", hukou_type="none", phone="021-55550000",
                             email="anna@example.de", postal_address="上海市黄浦区\n中山东一路 1 号",
                             statement_delivery="post", original_retirement_age="women_55")
    person.refresh_from_db()
    assert (person.document_type, person.document_number, person.name, person.birth_date, person.sex) == (
        "passport", "E12345672", "Anna Müller", date(1980, 5, 17), "F")
    assert (person.region, person.nationality, person.hukou_region_code, person.hukou_type) == (
        region, "DEU", "310104", "none")
    assert (person.phone, person.email, person.postal_address, person.statement_delivery,
            person.original_retirement_age) == (
        "021-55550000", "anna@example.de", "上海市黄浦区\n中山东一路 1 号", "post", "women_55")


@pytest.mark.parametrize(("given", "field", "code", "message"), [
    ({"name": "  "}, "name", "required", "A name is required."),
    ({"statement_delivery": "post"}, "postal_address", "required", "Statements by post need a postal address."),
    ({"statement_delivery": "post", "postal_address": " \n "}, "postal_address", "required",
     "Statements by post need a postal address."),
    ({"statement_delivery": "email", "email": "  "}, "email", "required", "Statements by e-mail need an e-mail address."),
    ({"original_retirement_age": "men_60"}, "original_retirement_age", "sex_mismatch",
     "Men have the original age 60; women 55 (cadre posts) or 50 (worker posts)."),
    ({"name": "Anna\u200bMüller"}, "name", "invalid_character",
     "Contains a control or invisible formatting character (U+200B ZERO WIDTH SPACE); type the text again without it."),
    ({"postal_address": "上海市\u200b黄浦区"}, "postal_address", "invalid_character",
     "Contains a control or invisible formatting character (U+200B ZERO WIDTH SPACE); type the text again without it."),
    ({"statement_delivery": "email", "email": "anna@example.de"}, None, None, None),
    ({"statement_delivery": "online"}, None, None, None),
    ({"sex": "M", "original_retirement_age": "men_60"}, None, None, None),
])
def test_a_registration_names_the_field_it_refuses(given, field, code, message):
    from datetime import date

    region = PersonFactory().region
    arguments = {"document_type": "passport", "document_number": "E12345673", "name": "Anna Müller",
                 "birth_date": date(1980, 5, 17), "sex": "F", "nationality": "DEU", **given}
    if field is None:
        person = person_register(actor=clerk(region), region=region, **arguments)
        person.refresh_from_db()
        assert {key: getattr(person, key) for key in given} == given
        return
    with pytest.raises(ValidationFailed) as refused:
        person_register(actor=clerk(region), region=region, **arguments)
    assert refused.value.errors == [{"field": field, "code": code, "message": message}]
    assert not InsuredPerson.objects.filter(document_number="E12345673").exists()
