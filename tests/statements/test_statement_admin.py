"""The clerks' statement screens: their region's statements only, every opening logged, and the
periodic check that resumes runs and catches what a dead sender left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from common.tasks import outboxes_retry
from insured.models import RecordAccess
from statements.models import Delivery, DeliveryState, PrintBatch, Statement, StatementEvent, StatementEventKind
from statements.tasks import statement_runs_check
from tests.agency.factories import OfficeFactory, clerk_user
from tests.builders import logged_in, person_viewer
from tests.insured.factories import PersonFactory
from tests.statements.world import build, emails_send, run_year

pytestmark = pytest.mark.django_db


def test_a_clerk_lists_and_prints_their_regions_statements_only():
    w = build()
    elsewhere = PersonFactory()
    run_year()
    mine = Statement.objects.get(person=w.person)
    theirs = Statement.objects.get(person=elsewhere)
    clerk = logged_in(clerk_user(OfficeFactory(region=w.person.region)))

    listing = clerk.get("/admin/statements/statement/")
    assert listing.status_code == 200
    assert f"/admin/statements/statement/{mine.pk}/change/" in listing.content.decode()
    assert f"/admin/statements/statement/{theirs.pk}/change/" not in listing.content.decode()

    assert clerk.get(f"/admin/statements/statement/{mine.pk}/pdf/")["Content-Type"] == "application/pdf"
    refused = clerk.get(f"/admin/statements/statement/{theirs.pk}/pdf/")
    assert refused.status_code == 302  # back to the list with the reason, nothing rendered
    assert clerk.get(f"/admin/statements/statement/{theirs.pk}/change/").status_code in (302, 404)
    assert not RecordAccess.objects.filter(person=elsewhere).exists()
    assert RecordAccess.objects.filter(person=w.person, kind="statement_printed").count() == 1


def _insured_since(person, year):
    """The person's relationship opened in `year` (statements cover the years from then on)."""
    from datetime import date

    from insured.models import InsuranceRelationship

    InsuranceRelationship.objects.create(person=person, region=person.region, state="active",
                                         opened_on=date(year, 1, 1), state_since=date(year, 1, 1))


def test_the_counter_prints_an_earlier_year_on_demand():
    w = build()
    _insured_since(w.person, 2020)
    clerk = logged_in(clerk_user(OfficeFactory(region=w.person.region)))
    response = clerk.get(f"/admin/statements/statement/counter/{w.person.pk}/", {"year": 2024})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert Statement.objects.get(person=w.person, year=2024).run is None
    other = PersonFactory()
    assert clerk.get(f"/admin/statements/statement/counter/{other.pk}/", {"year": 2024}).status_code == 302
    assert not Statement.objects.filter(person=other).exists()


def test_the_periodic_check_marks_a_dead_senders_messages_and_batches_requested_letters(settings):
    w = build(delivery="email")
    run_year(send=False)
    letter_person = PersonFactory(region=w.person.region, statement_delivery="post",
                                  postal_address="200002 上海市黄浦区福州路2号")
    # A letter asked for outside the run (at the API), and an e-mail a dead sender left `sending`.
    from statements.services.requests import statement_request

    _insured_since(letter_person, 2020)
    statement_request(year=2024, actor=person_viewer(letter_person))
    Delivery.objects.filter(channel="email").update(state=DeliveryState.SENDING,
                                                    sending_at=timezone.now() - timedelta(hours=1))
    statement_runs_check()
    outboxes_retry()  # the one outbox's beat marks what the dead sender left
    assert Delivery.objects.get(channel="email").state == DeliveryState.UNCERTAIN
    letter = Delivery.objects.get(statement__person=letter_person, statement__year=2024)
    assert letter.state == DeliveryState.BATCHED and PrintBatch.objects.filter(pk=letter.batch_id).exists()
    assert emails_send().claimed == 0  # the uncertain one is not resent


def test_the_statement_events_list_shows_the_regions_trail_and_finds_a_person():
    w = build()
    clerk_user_here = clerk_user(OfficeFactory(region=w.person.region))
    clerk = logged_in(clerk_user_here)
    _insured_since(w.person, 2020)
    assert clerk.get(f"/admin/statements/statement/counter/{w.person.pk}/", {"year": 2024}).status_code == 200
    elsewhere = PersonFactory()
    _insured_since(elsewhere, 2020)
    other_clerk = logged_in(clerk_user(OfficeFactory(region=elsewhere.region)))
    other_clerk.get(f"/admin/statements/statement/counter/{elsewhere.pk}/", {"year": 2024})
    printed = StatementEvent.objects.get(kind=StatementEventKind.PRINTED, statement__person=w.person)
    theirs = StatementEvent.objects.get(kind=StatementEventKind.PRINTED, statement__person=elsewhere)

    listing = clerk.get("/admin/statements/statementevent/").content.decode()
    assert f"/admin/statements/statementevent/{printed.pk}/change/" in listing
    assert f"/admin/statements/statementevent/{theirs.pk}/change/" not in listing
    found = clerk.get("/admin/statements/statementevent/", {"q": w.person.document_number}).content.decode()
    assert f"/admin/statements/statementevent/{printed.pk}/change/" in found
    assert clerk.get(f"/admin/statements/statementevent/{theirs.pk}/change/").status_code in (302, 404)
    page = clerk.get(f"/admin/statements/statementevent/{printed.pk}/change/")
    assert page.status_code == 200 and clerk_user_here.username in page.content.decode()
    assert f"{timezone.localtime(printed.at):%Y-%m-%d %H:%M}" in page.content.decode().split("</title>")[0]
    run_year()
    started = StatementEvent.objects.get(kind=StatementEventKind.RUN_STARTED)
    page = clerk.get(f"/admin/statements/statementevent/{started.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    # The facts with the clerk's labels, not the JSON keys.
    shown = page.content.decode()
    assert f"人数：{started.detail['persons']}" in shown and f"区段数：{started.detail['ranges']}" in shown
    assert "persons" not in shown and "ranges" not in shown
