"""Review deadlines filed before descriptions were stored as a template with parameters
(agency.Deadline.subject_text_data) held an English sentence; give them the same description as
new ones, rendered in the reader's language. The label becomes the names and codes searched by."""

from django.db import migrations

KIND_MSGIDS = {"new": "new registration", "change": "change of registration",
               "cancellation": "cancellation of registration"}


def describe(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("agency", "Deadline")
    Application = apps.get_model("employers", "RegistrationApplication")
    content_type = ContentType.objects.filter(app_label="employers", model="registrationapplication").first()
    if content_type is None:
        return
    pending = Deadline.objects.filter(subject_type=content_type, subject_text_data__isnull=True)
    applications = Application.objects.in_bulk({d.subject_id for d in pending.only("subject_id")})
    for deadline in pending.iterator():
        application = applications.get(deadline.subject_id)
        if application is None:
            continue
        deadline.subject_label = f"{application.name} {application.uscc}"[:200]
        deadline.subject_text_data = {
            "template": "%(kind)s: %(name)s (%(uscc)s)", "dates": [], "translated": ["kind"],
            "params": {"kind": KIND_MSGIDS.get(application.kind, application.kind), "name": application.name,
                       "uscc": application.uscc}}
        deadline.save(update_fields=["subject_label", "subject_text_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0005_labels_translated"),
        ("agency", "0005_labels_translated"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(describe, migrations.RunPython.noop)]
