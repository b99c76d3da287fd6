"""Clerks file a declaration from a CSV file in the admin (the same service), read declarations of
their own region with translated totals, and run the roll check."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agency.models import AverageWage
from contributions.models import Declaration
from insured.models import Employment
from tests.agency.factories import OfficeFactory, RegionFactory
from tests.builders import clerk, logged_in
from tests.employers.factories import EmployerFactory
from tests.insured.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    region = RegionFactory(code="310101", name="黄浦区")
    OfficeFactory(region=region)
    AverageWage.objects.create(region=region, year=2026, monthly_wage=D("10000.00"), effective_from=date(2026, 1, 1))
    employer = EmployerFactory(region=region)
    people = [PersonFactory(region=region) for _ in range(2)]
    for p in people:
        Employment.objects.create(person=p, employer=employer, start_date=date(2026, 1, 1), monthly_wage=D("8000"))
    Employment.objects.update(created_at=timezone.make_aware(datetime(2026, 1, 1, 9, 0)))
    return region, employer, people


def login(region, groups=("clerk",)):
    return logged_in(clerk(region, groups), HTTP_ACCEPT_LANGUAGE="zh-hans")


def upload(client, employer, people, period="2026-10", header="证件号码,姓名,工资"):
    text = header + "\n" + "".join(f"{p.document_number},{p.name},8000.00\n" for p in people)
    return client.post("/admin/contributions/declaration/add/", {
        "employer": employer.pk, "period_text": period,
        "csv_file": SimpleUploadedFile("roll.csv", ("\ufeff" + text).encode(), content_type="text/csv")})


def test_clerk_files_a_csv_declaration_and_reads_it_in_chinese(setup):
    region, employer, people = setup
    client = login(region)
    response = upload(client, employer, people)
    assert response.status_code == 302, response.content.decode()[:3000]
    declaration = Declaration.objects.get()
    assert (declaration.source, declaration.rows, declaration.late) == ("admin", 2, True)
    page = client.get(f"/admin/contributions/declaration/{declaration.pk}/change/").content.decode()
    assert "基本养老保险" in page or "养老" in page
    assert "pension" not in page and "user:" not in page
    listing = client.get("/admin/contributions/declaration/").content.decode()
    assert employer.name in listing


def test_refused_declaration_shows_every_row_and_stores_nothing(setup):
    region, employer, people = setup
    client = login(region)
    response = upload(client, employer, people[:1])
    assert response.status_code == 200
    page = response.content.decode()
    assert "缺少申报行" in page and people[1].document_number in page
    assert not Declaration.objects.exists()


def test_other_regions_clerk_and_a_clerk_without_permission_cannot_file(setup):
    region, employer, people = setup
    far = RegionFactory(code="310104")
    OfficeFactory(region=far)
    response = upload(login(far), employer, people)
    assert response.status_code == 200 and not Declaration.objects.exists()  # the employer is not a choice
    response = upload(login(region, groups=("auditor",)), employer, people)
    assert response.status_code == 403 and not Declaration.objects.exists()


def test_roll_check_lists_undeclared_person_months_of_the_clerks_region(setup):
    region, employer, people = setup
    client = login(region)
    upload(client, employer, people, period="2026-02")
    page = client.get("/admin/contributions/declaration/roll-check/",
                      {"employer": employer.pk, "since": "2026-01", "until": "2026-02"}).content.decode()
    assert page.count("<td>2026-01</td>") == 2 and "<td>2026-02</td>" not in page
    assert people[0].name in page and people[0].document_number not in page  # masked
    far = RegionFactory(code="310104")
    OfficeFactory(region=far)
    page = login(far).get("/admin/contributions/declaration/roll-check/",
                          {"employer": employer.pk, "since": "2026-01"}).content.decode()
    assert people[0].name not in page


def test_the_declaration_page_names_employer_month_and_filing_lists_each_person_and_the_totals(setup, monkeypatch):
    region, employer, people = setup
    client = login(region)
    assert upload(client, employer, people).status_code == 302
    declaration = Declaration.objects.get()
    page = client.get(f"/admin/contributions/declaration/{declaration.pk}/change/").content.decode()
    assert f"{employer.name} · 2026年10月 · 本月首次申报" in page
    assert f"{employer.pk} 2026-10 #1" not in page.split("<h2>", 1)[-1][:200]  # not headed by internal ids
    assert "逐人明细" in page and "2 人" in page
    for person in people:
        assert person.name in page
    assert "16000.00" in page  # the wages of both lines, in the totals row
    assert 'class="state-overdue">逾期<' in page and "icon-yes.svg" not in page  # a word, not a green tick

    # Paged: one line a page, the second person on page two.
    monkeypatch.setattr("contributions.admin.declarations.LINES_PER_PAGE", 1)
    first = client.get(f"/admin/contributions/declaration/{declaration.pk}/change/").content.decode()
    second = client.get(f"/admin/contributions/declaration/{declaration.pk}/change/?lines=2").content.decode()
    names = sorted(p.name for p in people)
    assert "第 1 页，共 2 页" in first and names[0] in first.split("declaration-lines")[1]
    assert names[1] in second.split("declaration-lines")[1] and names[0] not in second.split("declaration-lines")[1]
    assert "16000.00" in second  # the totals are of every line, not of the page


def test_the_declarations_breadcrumb_names_it_in_words_and_its_lines_head_the_persons_name(setup):
    region, employer, people = setup
    client = login(region)
    assert upload(client, employer, people).status_code == 302
    declaration = Declaration.objects.get()
    page = client.get(f"/admin/contributions/declaration/{declaration.pk}/change/").content.decode()
    breadcrumbs = page.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]
    assert f"{employer.name} · 2026年10月 · 本月首次申报" in breadcrumbs
    assert str(declaration) not in breadcrumbs  # "<employer id> 2026-10 #1", the internal id
    lines = page.split('id="declaration-lines"', 1)[1]
    headers = [h.split(">", 1)[1].split("<", 1)[0] for h in lines.split("</thead>")[0].split('<th scope="col"')[1:]]
    assert headers[0] == "姓名" and "名称" not in headers  # a person's name, not a thing's
