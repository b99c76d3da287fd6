"""Issue 29 item 4: read replicas. config.routers.ReplicaRouter sends the reads marked with
common.replicas.replica_reads() (the admin's lists, the statement snapshot reads) to `replica` when one
is configured, and everything else, every write and every read inside a transaction to the primary."""

import pytest
from django.conf import settings as django_settings
from django.db import connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common import hot_paths, replicas
from common.access import Viewer
from common.replicas import primary_reads, replica_reads
from insured.models import InsuredPerson
from tests.agency.factories import OfficeFactory, clerk_user
from tests.insured.factories import PersonFactory


@pytest.fixture
def replica_set(settings):
    settings.DATABASES = {**django_settings.DATABASES, "replica": {"NAME": "stands-in"}}
    return settings


def test_without_a_replica_every_read_is_the_primary():
    assert "replica" not in django_settings.DATABASES
    with replica_reads():
        assert router.db_for_read(InsuredPerson) == "default"
    assert router.db_for_write(InsuredPerson) == "default"


def test_marked_reads_go_to_the_replica_and_nothing_else(replica_set):
    assert router.db_for_read(InsuredPerson) == "default"  # not marked
    with replica_reads():
        assert router.db_for_read(InsuredPerson) == "replica"
        assert router.db_for_write(InsuredPerson) == "default"  # a write never
        with primary_reads():  # a fallback inside a marked block
            assert router.db_for_read(InsuredPerson) == "default"
        assert router.db_for_read(InsuredPerson) == "replica"
    assert router.db_for_read(InsuredPerson) == "default"
    assert router.allow_migrate("replica", "insured") is False
    assert router.allow_migrate("default", "insured") is True


def test_a_read_inside_a_transaction_stays_on_the_primary(replica_set, monkeypatch):
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    with replica_reads():
        assert router.db_for_read(InsuredPerson) == "default"  # it may be a service's lock-check-write


def test_a_compiled_query_is_routed_on_every_call(replica_set, monkeypatch):
    """Compiled once, but run where the router says at each call (never pinned to the first alias)."""
    aliases = []
    monkeypatch.setattr(hot_paths, "fetch_prepared", lambda alias, sql, params: aliases.append(alias) or [])
    query = hot_paths.CompiledQuery(lambda _v, pk: InsuredPerson.objects.filter(pk=pk).values("id"), types=(int,))
    query.values(Viewer.system(), 1)
    with replica_reads():
        query.values(Viewer.system(), 1)
    query.values(Viewer.system(), 1)
    assert aliases == ["default", "replica", "default"]


@pytest.fixture
def read_only_replica(settings):
    """A second connection to the test database, read-only as a hot standby is: a write sent there fails."""
    connections.settings["replica"] = {**connections["default"].settings_dict,
                                       "OPTIONS": {**connections["default"].settings_dict["OPTIONS"],
                                                   "options": "-c default_transaction_read_only=on"}}
    settings.DATABASES = {**django_settings.DATABASES, "replica": connections.settings["replica"]}
    replica = connections["replica"]
    for guarded in ("connect", "temporary_connection", "ensure_connection", "cursor", "chunked_cursor"):
        replica.__dict__.pop(guarded, None)  # the test case's guard against unlisted aliases: this one is ours
    replica.connect()  # connected now: the test case's guard only stops a connection being opened later
    yield replica
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


@pytest.mark.django_db(transaction=True)
def test_the_admin_list_reads_the_replica_and_its_writes_the_primary(read_only_replica):
    office = OfficeFactory()
    person = PersonFactory(region=office.region)
    user = clerk_user(office, groups=("clerk", "supervisor"))
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(read_only_replica) as on_replica:
        page = client.get("/admin/insured/insuredperson/")
    assert page.status_code == 200 and f"/admin/insured/insuredperson/{person.pk}/change/" in page.content.decode()
    assert any('"insured_insuredperson"' in q["sql"] for q in on_replica.captured_queries)
    assert not any("common_session" in q["sql"] for q in on_replica.captured_queries)  # the session: primary

    with CaptureQueriesContext(read_only_replica) as on_replica:  # a change form is a write's page: primary
        assert client.get(f"/admin/insured/insuredperson/{person.pk}/change/").status_code == 200
    assert on_replica.captured_queries == []


def test_the_sticky_mark_keeps_a_writing_session_on_the_primary(replica_set, rf):
    request = rf.get("/admin/")
    request.session = {}
    assert not replicas.sticky_primary(request)
    replicas.sticky_primary_mark(request)
    assert replicas.sticky_primary(request)


@pytest.mark.django_db(transaction=True)
def test_statement_verification_falls_back_to_the_primary(read_only_replica, monkeypatch):
    """A snapshot the replica does not hold yet (replay lag) is read from the primary."""
    from common.problems import NotFound
    from statements import selectors

    with CaptureQueriesContext(read_only_replica) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        with pytest.raises(NotFound):
            selectors.statement_verify(code="0" * 25)
    assert sum('"statements_statement"' in q["sql"] for q in on_replica.captured_queries) == 1
    assert sum('"statements_statement"' in q["sql"] for q in on_primary.captured_queries) == 1
