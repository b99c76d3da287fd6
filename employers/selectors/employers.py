from __future__ import annotations

from django.db import router
from django.db.models import QuerySet

from agency.models import Region
from common.access import Viewer, scope
from common.hot_paths import fetch_instances
from employers.models import Employer


def employers_visible(viewer: Viewer) -> QuerySet[Employer]:
    return scope(Employer.objects.select_related("region"), viewer)


def employer_with_region(pk: int) -> Employer:
    """The employer and its region (whose settings decide reviews), in one prepared statement.

    Every portal write starts here; `select_related("region").get()` cost more to build than to run.
    Raises Employer.DoesNotExist like get().
    """
    found = fetch_instances(router.db_for_read(Employer), [(Employer, "e"), (Region, "r")],
                            f"JOIN {Region._meta.db_table} r ON r.id = e.region_id", "e.id = %s", [pk])
    if found is None:
        raise Employer.DoesNotExist(f"no employer {pk}")
    employer, region = found
    Employer._meta.get_field("region").set_cached_value(employer, region)
    return employer
