"""Staff-reduction and enrolment confirmation deadlines filed before descriptions were stored as a
template with parameters (agency.Deadline.subject_text_data) held an English sentence; give them
the same description as new ones, rendered in the reader's language."""

from django.db import migrations


def _masked(number: str) -> str:  # common.identifiers.mask_document, frozen here
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 2, 0)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def describe(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("agency", "Deadline")
    subjects = {
        "staffreduction": (apps.get_model("insured", "StaffReduction"), "last_day",
                           "%(person)s leaves %(employer)s on %(date)s"),
        "relationshipevent": (apps.get_model("insured", "RelationshipEvent"), "effective_date",
                              "enrolment of %(person)s at %(employer)s from %(date)s"),
    }
    for model_name, (model, date_field, template) in subjects.items():
        content_type = ContentType.objects.filter(app_label="insured", model=model_name).first()
        if content_type is None:
            continue
        pending = Deadline.objects.filter(subject_type=content_type, subject_text_data__isnull=True)
        items = model.objects.select_related("person", "employer").in_bulk(
            {d.subject_id for d in pending.only("subject_id")})
        for deadline in pending.iterator():
            item = items.get(deadline.subject_id)
            if item is None or item.employer is None:
                continue
            masked = _masked(item.person.document_number)
            deadline.subject_label = f"{item.person.name} {masked} {item.employer.name}"[:200]
            deadline.subject_text_data = {
                "template": template, "dates": ["date"], "translated": [],
                "params": {"person": f"{item.person.name} ({masked})", "employer": item.employer.name,
                           "date": getattr(item, date_field).isoformat()}}
            deadline.save(update_fields=["subject_label", "subject_text_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("insured", "0006_labels_translated"),
        ("agency", "0005_labels_translated"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(describe, migrations.RunPython.noop)]
