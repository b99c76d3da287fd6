"""Every model change ships with its migration, or a fresh machine's schema would differ from the code."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits 1 when a migration is missing
        pytest.fail(f"missing migration (exit {exit_.code}):\n{out.getvalue()}")


# Issue 21 item 7: each app's terms of a region moved out of agency.Region into a model of its own.
BEFORE_TERMS = [("agency", "0011_security_event_records_purged"), ("employers", "0006_deadline_texts"),
                ("insured", "0011_record_access_kinds"), ("transfers", "0001_suspensions_transfers"),
                ("refunds", "0001_initial")]
AFTER_TERMS = [("agency", "0012_region_terms_to_their_apps")]


def _migrate(targets):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_moving_the_region_terms_to_their_apps_keeps_every_regions_values_and_their_history():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE_TERMS)
        Region = old.get_model("agency", "Region")
        local = Region.objects.create(
            code="320102", name="玄武区", province="江苏省", registration_review_days=20, review_in_working_days=True,
            enrolment_needs_confirmation=True, reduction_needs_confirmation=False, reduction_review_days=12,
            reduction_review_in_working_days=False, suspension_review_days=30, suspension_review_in_working_days=False,
            refund_audit_days=25, refund_liquidation_days=9, refund_payout_days=8, refund_in_working_days=False)
        plain = Region.objects.create(code="320104", name="秦淮区", province="江苏省")
        Region.objects.filter(pk=local.pk).update(refund_payout_days=6)  # a change the history keeps
        Region.objects.filter(pk=local.pk).update(name="玄武")  # a change of something else: not the refunds' history

        new = _migrate(AFTER_TERMS)

        def terms(app, model, region):
            row = new.get_model(app, model).objects.get(region_id=region.pk)
            return {f.name: getattr(row, f.name) for f in row._meta.concrete_fields if f.name not in ("id", "region")}

        assert terms("employers", "RegistrationTerms", local) == {"review_days": 20, "review_in_working_days": True}
        assert terms("insured", "StaffingTerms", local) == {
            "enrolment_needs_confirmation": True, "reduction_needs_confirmation": False, "reduction_review_days": 12,
            "reduction_review_in_working_days": False}
        assert terms("transfers", "SuspensionTerms", local) == {"review_days": 30, "review_in_working_days": False}
        assert terms("refunds", "RefundTerms", local) == {"audit_days": 25, "liquidation_days": 9, "payout_days": 6,
                                                          "in_working_days": False}
        # A region that kept the defaults has them in every app's row.
        assert terms("employers", "RegistrationTerms", plain) == {"review_days": 15, "review_in_working_days": False}
        assert terms("refunds", "RefundTerms", plain) == {"audit_days": 15, "liquidation_days": 10, "payout_days": 10,
                                                          "in_working_days": True}
        assert not any(f.name.startswith(("refund_", "registration_", "suspension_", "reduction_"))
                       for f in new.get_model("agency", "Region")._meta.fields)
        # The refund terms' history: the region's creation and the change of the payout days, each
        # with the day it was made (the migration's own insert comes after).
        history = list(new.get_model("refunds", "RefundTermsEvent").objects.filter(region_id=local.pk)
                       .order_by("pgh_created_at", "pgh_id").values_list("pgh_label", "payout_days"))
        assert history == [("insert", 8), ("update", 6), ("insert", 6)]

        back = _migrate(BEFORE_TERMS).get_model("agency", "Region").objects.get(pk=local.pk)  # and back again
        assert (back.registration_review_days, back.enrolment_needs_confirmation, back.suspension_review_days,
                back.refund_payout_days, back.refund_in_working_days) == (20, True, 30, 6, False)
    finally:
        _migrate(latest)
