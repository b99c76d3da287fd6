import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import Client

from insured.models import InsuredPerson
from tests.agency.factories import OfficeFactory, clerk_user
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_bulk_update_is_captured_by_the_trigger():
    person = PersonFactory(name="旧名")
    InsuredPerson.objects.filter(pk=person.pk).update(name="新名")  # no save(), no signal
    events = person.events.order_by("pgh_id").values_list("pgh_label", "name")
    assert list(events) == [("insert", "旧名"), ("update", "新名")]


def test_history_rows_cannot_be_altered():
    person = PersonFactory()
    event_table = person.events.model._meta.db_table
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {event_table} SET name = 'forged'")


def test_an_admin_edit_records_the_acting_clerk():
    person = PersonFactory()
    user = clerk_user(OfficeFactory(region=person.region))
    client = Client()
    client.force_login(user)
    page = client.get(f"/admin/insured/insuredperson/{person.pk}/change/")
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k != "id"}
    data.update(name="改过的名字")
    assert client.post(f"/admin/insured/insuredperson/{person.pk}/change/", data).status_code == 302
    event = person.events.filter(pgh_label="update").get()
    assert event.pgh_context.metadata["user"] == user.pk
