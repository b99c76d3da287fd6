"""A clerk sees only their office's region in every admin list, search, detail page, choice and export."""

import pytest
from django.test import Client

from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import logged_in
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    home, other = RegionFactory(code="310101", name="黄浦区"), RegionFactory(code="110105", name="朝阳区")
    client = logged_in(clerk_user(OfficeFactory(region=home)))
    return {
        "client": client,
        "mine": PersonFactory(region=home, name="本区张三"),
        "theirs": PersonFactory(region=other, name="外区张三"),
        "my_employer": EmployerFactory(region=home, name="本区公司"),
        "their_employer": EmployerFactory(region=other, name="外区公司"),
    }


def test_person_list_shows_only_the_clerks_region_with_masked_numbers(world):
    page = world["client"].get("/admin/insured/insuredperson/").content.decode()
    assert "本区张三" in page and "外区张三" not in page
    assert world["mine"].document_number not in page  # masked in the list
    assert world["mine"].document_number[:6] + "********" in page


def test_search_by_exact_document_number_stays_in_region(world):
    client = world["client"]
    found = client.get("/admin/insured/insuredperson/", {"q": world["mine"].document_number.lower()})
    assert "本区张三" in found.content.decode()
    hidden = client.get("/admin/insured/insuredperson/", {"q": world["theirs"].document_number})
    assert "外区张三" not in hidden.content.decode()


def test_name_search_stays_in_region(world):
    page = world["client"].get("/admin/insured/insuredperson/", {"q": "张三"}).content.decode()
    assert "本区张三" in page and "外区张三" not in page


def test_detail_page_of_another_region_is_not_shown(world):
    client = world["client"]
    assert client.get(f"/admin/insured/insuredperson/{world['mine'].pk}/change/").status_code == 200
    response = client.get(f"/admin/insured/insuredperson/{world['theirs'].pk}/change/")
    assert response.status_code == 302  # the admin redirects away from objects outside the queryset
    assert "外区张三" not in client.get(response.url, follow=True).content.decode()


def test_employer_list_filter_and_search(world):
    client = world["client"]
    page = client.get("/admin/employers/employer/").content.decode()
    assert "本区公司" in page and "外区公司" not in page
    assert "朝阳区" not in page  # the region filter lists only regions the clerk can see
    assert "外区公司" not in client.get("/admin/employers/employer/", {"q": world["their_employer"].uscc}).content.decode()


def test_export_contains_only_the_clerks_region(world):
    client = world["client"]
    ids = [world["mine"].pk, world["theirs"].pk]
    response = client.post("/admin/insured/insuredperson/",
                           {"action": "export_csv", "_selected_action": ids, "select_across": "1"})
    body = b"".join(response.streaming_content).decode()
    assert "本区张三" in body and "外区张三" not in body
    assert world["mine"].document_number not in body


def test_region_choices_on_the_person_form_are_scoped(world):
    page = world["client"].get("/admin/insured/insuredperson/add/").content.decode()
    assert "黄浦区" in page and "朝阳区" not in page


def test_staff_user_without_an_office_sees_nothing(world):
    from django.contrib.auth.models import Group

    from tests.agency.factories import UserFactory

    user = UserFactory(username="lost", is_staff=True)
    user.groups.add(Group.objects.get(name="clerk"))
    client = Client()
    client.force_login(user)
    page = client.get("/admin/insured/insuredperson/").content.decode()
    assert "张三" not in page
