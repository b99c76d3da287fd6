"""The clerks' workbench in Chinese: suspensions and transfers decided on their pages, each region its step."""

from __future__ import annotations

from datetime import date

import pytest

from insured.models import InsuranceRelationship, RelationshipState
from tests.builders import clerk, logged_in, person_viewer
from tests.common import admin_walk
from tests.transfers.factories import mover, region
from transfers.models import Suspension, Transfer, TransferState
from transfers.services.suspensions import suspension_apply
from transfers.services.transfers import transfer_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved():
    old, new = region("310101", "黄浦区", "上海市"), region("110105", "朝阳区", "北京市")
    m = mover(old, new)
    transfer = transfer_apply(from_region=old, actor=clerk(new), channel="admin", person=m.person)
    return m, transfer


def step(client, transfer, **data):
    return client.post(f"/admin/transfers/transfer/{transfer.pk}/step/", data, follow=True,
                       HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_each_region_decides_its_step_on_the_step_page(moved):
    m, transfer = moved
    old_clerk, new_clerk = logged_in(clerk(m.old)), logged_in(clerk(m.new))
    refused = step(old_clerk, transfer, op="accept")  # step 1 is the new region's
    assert "其他地区" in refused.content.decode() and Transfer.objects.get().state == TransferState.APPLIED
    page = step(new_clerk, transfer, op="accept")
    assert "本步骤已登记" in page.content.decode() and Transfer.objects.get().state == TransferState.ACCEPTED
    again = step(new_clerk, transfer, op="accept")
    assert "不能再标记为“已受理”" in again.content.decode()  # decided once
    assert logged_in(clerk(m.new)).get(f"/admin/transfers/transfer/{transfer.pk}/letter.pdf").content \
        .startswith(b"%PDF")
    step(old_clerk, transfer, op="out")
    assert Transfer.objects.get().state == TransferState.TRANSFERRED_OUT
    step(new_clerk, transfer, op="funds", account_amount="0.00", pooled_amount="0.00", bank_reference="BK",
         received_on=date.today().isoformat())
    done = step(new_clerk, transfer, op="complete")
    assert Transfer.objects.get().state == TransferState.COMPLETED, done.content.decode()[:2000]


def test_transfer_steps_appear_in_the_deadlines_review_queue(moved):
    m, transfer = moved
    page = logged_in(clerk(m.new)).get("/admin/agency/deadline/?rule=transfer_acceptance",
                                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert m.person.name in page and "转移第一步" in page
    other = logged_in(clerk(region("440106", "天河区", "广东省"))).get("/admin/transfers/transfer/")
    assert m.person.name not in other.content.decode()  # a third region sees nothing of it


def test_a_clerk_approves_a_suspension_from_the_list(moved):
    m, _transfer = moved
    InsuranceRelationship.objects.filter(person=m.person, region=m.new).update(state=RelationshipState.ACTIVE)
    from insured.models import Employment

    Employment.objects.filter(person=m.person, end_date__isnull=True).update(end_date=date(2026, 10, 31))
    suspension = suspension_apply(region=m.new, reason="study_abroad", actor=person_viewer(m.person), channel="api")
    client = logged_in(clerk(m.new))
    client.post("/admin/transfers/suspension/", {"action": "approve_selected", "_selected_action": [suspension.pk]})
    assert Suspension.objects.get().state == "confirmed"


def test_the_transfer_pages_read_in_chinese(moved):
    m, transfer = moved
    client = logged_in(clerk(m.new))
    from tests.common.test_admin_chinese import data_values

    walk = admin_walk.admin_walk(client, start="/admin/transfers/", data_values=data_values(), max_per_view=2,
                                 extra_urls=[f"/admin/transfers/transfer/{transfer.pk}/step/",
                                             f"/admin/transfers/transfer/{transfer.pk}/change/",
                                             "/admin/transfers/suspension/", "/admin/transfers/temporaryaccount/"])
    opened = [url for url, status in walk.visited.items() if status == 200]
    assert f"/admin/transfers/transfer/{transfer.pk}/step/" in opened
    walk.findings = [f for f in walk.findings if f.url.startswith("/admin/transfers/")]  # the pages of this app
    assert not walk.findings, admin_walk.report(walk)


def test_a_transfer_just_applied_for_shows_what_is_known_not_a_wall_of_dashes(moved):
    m, transfer = moved
    client = logged_in(clerk(m.new))
    page = client.get(f"/admin/transfers/transfer/{transfer.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200 and m.person.name in html
    for later in ("field-received_on", "field-bank_reference", "field-completed_on", "field-pooled_amount"):
        assert later not in html, later  # filled in by later steps: not shown empty
    assert "field-state" in html and "field-step_link" in html
