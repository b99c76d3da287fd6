"""The hand-written SQL of the hot paths gives what the ORM gives, and stays visible to query logs."""

import dataclasses
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from common.access import Kind, Viewer
from common.hot_paths import CompiledQuery, insert_or_nothing, insert_rows
from employers.models import Employer
from employers.selectors.employers import employer_with_region
from insured.models import InsuredPerson
from insured.rules import person_new
from insured.selectors.persons import LOOKUP_FIELDS, person_find_by_document, person_lookup_rows
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.employers.factories import EmployerFactory
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


# --- the compiled queries: the viewer's fields come from the dataclass; JOINs from select_related() ---

VIEWER_ID_FIELDS = [f for f in dataclasses.fields(Viewer) if f.name != "kind"]


@pytest.mark.parametrize("field", VIEWER_ID_FIELDS, ids=lambda f: f.name)
def test_every_viewer_field_is_bound_per_call_never_frozen_at_the_first_callers_value(regions, field):
    """A query that depends on any field of Viewer (as scope() may, when a field is added) answers each
    viewer with its own value. Fails for a field the compiled query would not bind per call."""
    text = "str" in str(field.type)
    column = "name" if text else "id"
    query = CompiledQuery(lambda viewer, number: InsuredPerson.objects.filter(
        **{column: getattr(viewer, field.name)}, document_number=number).values("id"))
    a, b = PersonFactory(region=regions[0]), PersonFactory(region=regions[0])

    def viewer(person):
        return Viewer(Kind.CLERK, **{field.name: person.name if text else person.pk})

    assert query.values(viewer(a), a.document_number) == [{"id": a.pk}]  # compiled here
    assert query.values(viewer(b), b.document_number) == [{"id": b.pk}]
    assert query.values(viewer(b), a.document_number) == []


def test_a_parameter_derived_from_the_viewer_is_refused_when_compiled(regions):
    person = PersonFactory(region=regions[0])
    derived = CompiledQuery(lambda viewer, number: InsuredPerson.objects.filter(
        region_id=abs(viewer.region_id),
        document_number=number).values("id"))
    with pytest.raises(ValueError, match="depends on the viewer"):
        derived.values(Viewer(Kind.CLERK, region_id=regions[0].pk), person.document_number)


def test_employer_with_region_is_one_statement_with_the_region_cached(regions):
    employer = EmployerFactory(region=regions[0])
    with CaptureQueriesContext(connection) as captured:
        found = employer_with_region(employer.pk)
        assert (found.pk, found.uscc, found.region.code) == (employer.pk, employer.uscc, "310101")
    assert len(captured.captured_queries) == 1
    with pytest.raises(Employer.DoesNotExist):
        employer_with_region(employer.pk + 1000)


def test_the_session_user_loads_with_office_and_person_login_in_one_statement(regions):
    from insured.auth import user_with_viewer_rows
    from insured.models import PersonLogin

    clerk = clerk_user(OfficeFactory(region=regions[0]))
    person_user = User.objects.create_user("p-1", password="pw-for-tests-1")
    login = PersonLogin.objects.create(user=person_user, person=PersonFactory(region=regions[0]))
    plain = User.objects.create_user("plain", password="pw-for-tests-1")
    with CaptureQueriesContext(connection) as captured:
        loaded_clerk, loaded_person, loaded_plain = (user_with_viewer_rows(u.pk) for u in (clerk, person_user,
                                                                                          plain))
        assert loaded_clerk.clerk_profile.office.region_id == regions[0].pk
        assert getattr(loaded_clerk, "person_login", None) is None
        assert loaded_person.person_login.person_id == login.person_id
        assert getattr(loaded_person, "clerk_profile", None) is None
        assert getattr(loaded_plain, "clerk_profile", None) is None and getattr(loaded_plain, "person_login",
                                                                                  None) is None
    assert len(captured.captured_queries) == 3


def test_a_portal_token_loads_with_its_application_and_client_in_one_statement(regions):
    from employers.oauth import EmployerClientValidator
    from employers.services.clients import employer_client_issue

    employer = EmployerFactory(region=regions[0])
    client, _secret = employer_client_issue(employer=employer, actor=Viewer.system())
    token = AccessToken.objects.create(application=client.application, token="bench-token-1", scope="read",
                                       expires=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as captured:
        loaded = EmployerClientValidator()._load_access_token("bench-token-1")
        assert loaded.pk == token.pk
        assert loaded.application.employer_client.employer_id == employer.pk
    assert len(captured.captured_queries) == 1
    assert EmployerClientValidator()._load_access_token("no-such-token") is None


@pytest.mark.django_db
def test_fetch_prepared_prepares_its_statement_on_the_connection():
    """psycopg prepares on `prepare=True` only when the connection has a prepare_threshold (settings: Django's
    default None left every "prepared" hot path parsed and planned on every call)."""
    from common.hot_paths import fetch_prepared

    marker = "SELECT %s::int AS prepared_marker_20261207"
    assert fetch_prepared("default", marker, [7]) == [(7,)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%prepared_marker_20261207%"])
        assert cursor.fetchone()[0] == 1
