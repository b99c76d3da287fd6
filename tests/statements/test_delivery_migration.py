"""Migration statements/0004 puts the deliveries on the one outbox's fields and keeps every row: a row that
was being sent, one given up, one uncertain and one sent read the same afterwards, and the outbox finds
them where they are (it claims none of them again)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.insured.factories import PersonFactory

BEFORE = [("statements", "0003_statement_versions_and_reissue_sweep")]
AFTER = [("statements", "0004_delivery_on_the_one_outbox")]


def _migrate(targets):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_delivery_is_kept_and_lands_on_the_outbox_fields():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE)
        person = PersonFactory()
        Statement, Delivery = old.get_model("statements", "Statement"), old.get_model("statements", "Delivery")
        since = timezone.now() - timedelta(minutes=3)
        rows = {}
        for n, (state, extra) in enumerate([
                ("sending", {"sending_since": since, "attempts": 1}),
                ("failed", {"attempts": 5, "last_error": "550 mailbox unavailable"}),
                ("uncertain", {"sending_since": since, "attempts": 1}),
                ("sent", {"attempts": 1, "sent_at": since})]):
            statement = Statement.objects.create(person_id=person.pk, year=2020 + n, region_id=person.region_id,
                                                 snapshot="{}", checksum="0" * 64, verification_code=f"CODE{n}",
                                                 channel="email")
            rows[state] = Delivery.objects.create(statement=statement, channel="email", state=state,
                                                  address="a@example.cn", created_by="system", **extra).pk

        new = _migrate(AFTER).get_model("statements", "Delivery")
        kept = {state: new.objects.get(pk=pk) for state, pk in rows.items()}
        assert new.objects.count() == 4
        assert {state: row.state for state, row in kept.items()} == {s: s for s in rows}
        assert kept["sending"].sending_at == since and kept["sending"].uncertain_at is None
        assert kept["failed"].error == "550 mailbox unavailable" and kept["failed"].failed_at is not None
        assert kept["uncertain"].uncertain_at is not None and kept["uncertain"].sending_at == since
        assert kept["sent"].sent_at == since and kept["sent"].attempts == 1
    finally:
        _migrate(latest)

    from common.access import Viewer
    from common.outbox import outbox_send_due, outbox_state_q
    from statements.models import Delivery as Now
    from statements.queue import EMAILS

    assert outbox_send_due(name=EMAILS, actor=Viewer.system()).claimed == 0  # none of them goes again
    assert set(Now.objects.filter(outbox_state_q("uncertain")).values_list("pk", flat=True)) == {rows["uncertain"]}
    assert set(Now.objects.filter(outbox_state_q("failed")).values_list("pk", flat=True)) == {rows["failed"]}
    assert set(Now.objects.filter(outbox_state_q("sending")).values_list("pk", flat=True)) == {rows["sending"]}
