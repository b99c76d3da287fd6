"""Issue 28: the payer of a money row is an employer or a person who insures themselves (Art. 10), never
both (a CHECK on charges, payments and allocations); a flexible worker's month (SelfPaidMonth). The
allocation trigger of 0003 now also refuses an allocation that crosses persons (IS DISTINCT FROM, so a
NULL payer on one side and a value on the other is a crossing too)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


def _check_sql(compare: str) -> str:
    """0003's function with the payer comparison `compare` (its body otherwise unchanged)."""
    from importlib import import_module

    old = import_module("contributions.migrations.0003_money_rules").CHECK
    head, _sep, _rest = old.partition("CREATE CONSTRAINT TRIGGER")
    return head.replace(
        "  IF NEW.employer_id <> target_employer OR NEW.employer_id <> source_employer THEN\n"
        "    RAISE EXCEPTION 'allocation % crosses employers', NEW.id USING ERRCODE = '23514';\n"
        "  END IF;\n", compare)


_PAYER_CHECK = _check_sql("""  IF NEW.employer_id IS DISTINCT FROM target_employer OR NEW.employer_id IS DISTINCT FROM source_employer
     OR NEW.person_id IS DISTINCT FROM (SELECT person_id FROM contributions_charge WHERE id = NEW.charge_id)
     OR NEW.person_id IS DISTINCT FROM COALESCE(
          (SELECT person_id FROM contributions_payment WHERE id = NEW.payment_id),
          (SELECT person_id FROM contributions_charge WHERE id = NEW.credit_id)) THEN
    RAISE EXCEPTION 'allocation % crosses payers', NEW.id USING ERRCODE = '23514';
  END IF;
""")


_EMPLOYER_CHECK = _check_sql("""  IF NEW.employer_id <> target_employer OR NEW.employer_id <> source_employer THEN
    RAISE EXCEPTION 'allocation % crosses employers', NEW.id USING ERRCODE = '23514';
  END IF;
""")


class Migration(migrations.Migration):

    dependencies = [
        ('agency', '0012_region_terms_to_their_apps'),
        ('contributions', '0009_payment_reversal'),
        ('employers', '0008_employerclient_scopes'),
        ('insured', '0014_relationship_event_flexible_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SelfPaidMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.DateField(verbose_name='period')),
                ('base', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='contribution base')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount')),
                ('pension_individual', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='credited to the individual account')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': "flexible worker's month",
                'verbose_name_plural': "flexible workers' months",
                'ordering': ['person', 'period'],
            },
        ),
        migrations.AddField(
            model_name='allocation',
            name='person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='self_allocations', to='insured.insuredperson', verbose_name='paid by the person'),
        ),
        migrations.AddField(
            model_name='charge',
            name='person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='self_charges', to='insured.insuredperson', verbose_name='owed by the person'),
        ),
        migrations.AddField(
            model_name='payment',
            name='person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='self_payments', to='insured.insuredperson', verbose_name='paid by the person'),
        ),
        migrations.AlterField(
            model_name='allocation',
            name='employer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='employers.employer', verbose_name='employer'),
        ),
        migrations.AlterField(
            model_name='charge',
            name='employer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='employers.employer', verbose_name='employer'),
        ),
        migrations.AlterField(
            model_name='charge',
            name='kind',
            field=models.CharField(choices=[('declared', 'declared'), ('provisional', 'provisional (Art. 62)'), ('provisional_reversal', 'provisional charge reversed'), ('determined', 'determined (Art. 58)'), ('late_fee', 'late fee (Art. 86)'), ('merger_out', 'moved to the successor on a merger'), ('merger_in', 'taken over from a merged employer'), ('self_paid', "flexible worker's month (Art. 10)")], max_length=30, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='payment',
            name='employer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='employers.employer', verbose_name='employer'),
        ),
        migrations.AddIndex(
            model_name='allocation',
            index=models.Index(condition=models.Q(('person__isnull', False)), fields=['person', 'effective_on'], name='allocation_person_day'),
        ),
        migrations.AddIndex(
            model_name='charge',
            index=models.Index(condition=models.Q(('person__isnull', False)), fields=['person', 'period'], name='charge_person_period'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('employer__isnull', False), ('person__isnull', True)), models.Q(('employer__isnull', True), ('person__isnull', False)), _connector='OR'), name='allocation_one_payer'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('employer__isnull', False), ('person__isnull', True)), models.Q(('employer__isnull', True), ('person__isnull', False)), _connector='OR'), name='charge_one_payer'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(('person__isnull', True), ('kind__in', ['self_paid', 'late_fee']), _connector='OR'), name='charge_person_kinds'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'self_paid'), _negated=True), ('person__isnull', False), _connector='OR'), name='charge_self_paid_by_person'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(condition=models.Q(('person__isnull', False)), fields=('person', 'bank_reference'), name='payment_person_reference_unique'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('employer__isnull', False), ('person__isnull', True)), models.Q(('employer__isnull', True), ('person__isnull', False)), _connector='OR'), name='payment_one_payer'),
        ),
        migrations.AddField(
            model_name='selfpaidmonth',
            name='charge',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='self_paid_month', to='contributions.charge', verbose_name='charge'),
        ),
        migrations.AddField(
            model_name='selfpaidmonth',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='self_paid_months', to='insured.insuredperson', verbose_name='person'),
        ),
        migrations.AddField(
            model_name='selfpaidmonth',
            name='region',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agency.region', verbose_name='region'),
        ),
        migrations.AddConstraint(
            model_name='selfpaidmonth',
            constraint=models.UniqueConstraint(fields=('person', 'period'), name='self_paid_month_once'),
        ),
        migrations.AddConstraint(
            model_name='selfpaidmonth',
            constraint=models.CheckConstraint(condition=models.Q(('period__day', 1)), name='self_paid_month_first_day'),
        ),
        migrations.AddConstraint(
            model_name='selfpaidmonth',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0), ('base__gt', 0), ('pension_individual__gte', 0), ('pension_individual__lte', models.F('amount'))), name='self_paid_month_amounts'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='selfpaidmonth',
            trigger=pgtrigger.compiler.Trigger(name='self_paid_months_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='bfca7ff74fe47d27a1165a1d326364a5e238b0c7', operation='UPDATE OR DELETE', pgid='pgtrigger_self_paid_months_append_only_634a9', table='contributions_selfpaidmonth', when='BEFORE')),
        ),
        migrations.RunSQL(_PAYER_CHECK, reverse_sql=_EMPLOYER_CHECK),
    ]
