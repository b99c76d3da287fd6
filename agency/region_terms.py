"""Moving a region's settings from agency.Region to the app that owns them, keeping every value and
its history (the migrations of issue 21 item 7 call these; each app's terms model is one row per
region, one-to-one to Region, tracked by pghistory as Region was).

`fields` maps the terms model's field to the Region field it takes over.
"""

from __future__ import annotations


def region_terms_copy(apps, schema_editor, *, app_label: str, model_name: str, fields: dict[str, str]) -> None:
    """One terms row per region with the region's current values, then the region's history of those
    values (each change, as pghistory recorded it on agency_regionevent) in the terms' own history."""
    Region = apps.get_model("agency", "Region")
    Terms = apps.get_model(app_label, model_name)
    Terms.objects.bulk_create([Terms(region_id=region.pk, **{new: getattr(region, old) for new, old in fields.items()})
                               for region in Region.objects.order_by("pk")])
    events = apps.get_model(app_label, f"{model_name}Event")._meta.db_table
    terms = Terms._meta.db_table
    new_columns = ", ".join(f'"{new}"' for new in fields)
    old_columns = ", ".join(f'e."{old}"' for old in fields.values())
    taken = ", ".join(f'"{old}"' for old in fields.values())
    # Only the region events that changed these values (or created or deleted the region): the
    # others changed another setting and say nothing about these terms.
    schema_editor.execute(f"""
        INSERT INTO "{events}" (pgh_created_at, pgh_label, pgh_context_id, pgh_obj_id, id, region_id, {new_columns})
        SELECT pgh_created_at, pgh_label, pgh_context_id, terms_id, terms_id, region_id, {taken}
          FROM (SELECT e.*, t.id AS terms_id, e.pgh_obj_id AS region_id,
                       LAG(ROW({old_columns})) OVER (PARTITION BY e.pgh_obj_id ORDER BY e.pgh_id) AS before
                  FROM agency_regionevent e JOIN "{terms}" t ON t.region_id = e.pgh_obj_id) h
         WHERE before IS NULL OR pgh_label <> 'update' OR before IS DISTINCT FROM ROW({taken})
         ORDER BY pgh_id""")


def region_terms_copy_back(apps, schema_editor, *, app_label: str, model_name: str, fields: dict[str, str]) -> None:
    """Backwards: the regions get their terms' current values again (a region without a row keeps
    the defaults the re-added fields have)."""
    Region = apps.get_model("agency", "Region")
    for terms in apps.get_model(app_label, model_name).objects.all():
        Region.objects.filter(pk=terms.region_id).update(**{old: getattr(terms, new) for new, old in fields.items()})
