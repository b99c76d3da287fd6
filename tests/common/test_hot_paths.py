"""The hand-written SQL of the hot paths gives what the ORM gives, and stays visible to query logs."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.access import Kind, Viewer
from common.hot_paths import insert_or_nothing, insert_rows
from insured.models import InsuredPerson
from insured.selectors.persons import LOOKUP_FIELDS, person_find_by_document, person_lookup_rows
from insured.services.persons import person_new
from tests.agency.factories import RegionFactory
from tests.ids import resident_id
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    return RegionFactory(code="310101"), RegionFactory(code="110105")


def _orm(viewer, number):
    return list(person_find_by_document(viewer, number).values(*LOOKUP_FIELDS))


def test_compiled_lookup_returns_what_the_scoped_orm_query_returns_for_every_viewer(regions):
    shanghai, beijing = regions
    here, there = PersonFactory(region=shanghai), PersonFactory(region=beijing)
    viewers = [Viewer(Kind.CLERK, user_id=1, region_id=shanghai.pk, office_id=1),
               Viewer(Kind.CLERK, user_id=2, region_id=beijing.pk, office_id=2),
               Viewer(Kind.SUPERUSER, user_id=3), Viewer(Kind.NOBODY)]
    for viewer in viewers:
        for person in (here, there):
            for number in (person.document_number, person.document_number.lower(), "110101199001011237"):
                assert person_lookup_rows(viewer, number) == _orm(viewer, number), (viewer, number)
    # and the scoping shows: each clerk finds only their region's person
    assert [r["id"] for r in person_lookup_rows(viewers[0], here.document_number)] == [here.pk]
    assert person_lookup_rows(viewers[0], there.document_number) == []


def test_prepared_reads_are_seen_by_query_capture(regions):
    person = PersonFactory(region=regions[0])
    with CaptureQueriesContext(connection) as captured:
        person_lookup_rows(Viewer(Kind.SUPERUSER, user_id=1), person.document_number)
    assert len(captured.captured_queries) == 1
    assert "prepared" in captured.captured_queries[0]["sql"]


def test_insert_rows_sets_primary_keys_in_order_and_saves_every_field(regions):
    first = person_new(document_type="resident_id", document_number=resident_id(seq=201), name=" 张三 ",
                       region=regions[0], email="a@example.org")
    second = person_new(document_type="resident_id", document_number=resident_id(seq=202), name="李四",
                        region=regions[0])
    insert_rows(first, second)
    assert first.pk is not None and second.pk == first.pk + 1
    stored = InsuredPerson.objects.get(pk=first.pk)
    assert (stored.name, stored.email, stored.birth_date, stored.region_id) == \
        ("张三", "a@example.org", first.birth_date, regions[0].pk)
    assert stored.created_at is not None  # auto_now_add filled in as save() would


def test_insert_or_nothing_leaves_an_existing_row_alone(regions):
    existing = PersonFactory(region=regions[0], name="原名")
    again = person_new(document_type="resident_id", document_number=existing.document_number, name="别名",
                       region=regions[1])
    assert insert_or_nothing(again, conflict=("document_number",)) is False
    assert again.pk is None
    assert InsuredPerson.objects.get(document_number=existing.document_number).name == "原名"
    fresh = person_new(document_type="resident_id", document_number=resident_id(seq=203), name="新人",
                       region=regions[0])
    assert insert_or_nothing(fresh, conflict=("document_number",)) is True
    assert InsuredPerson.objects.filter(pk=fresh.pk).exists()


def test_unknown_user_id_in_a_session_is_nobody():
    from insured.auth import user_with_viewer_rows

    assert user_with_viewer_rows(User.objects.count() + 1000) is None


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused_like_select_for_update():
    from django.db.transaction import TransactionManagementError

    from insured.selectors.persons import person_lock_by_document

    with pytest.raises(TransactionManagementError):
        person_lock_by_document("310101199005171235")


def test_errors_of_prepared_reads_are_djangos_own():
    from django.db import ProgrammingError

    from common.hot_paths import fetch_prepared

    with pytest.raises(ProgrammingError):
        fetch_prepared("default", "SELECT no_such_column FROM insured_insuredperson", [])
