from __future__ import annotations

from django.db.models import QuerySet

from common.access import Viewer, scope
from common.hot_paths import CompiledQuery
from employers.models import Employer


def employers_visible(viewer: Viewer) -> QuerySet[Employer]:
    return scope(Employer.objects.select_related("region"), viewer)


def employer_with_region(pk: int) -> Employer:
    """The employer and its region (whose settings decide reviews), in one prepared statement.

    Every portal write starts here; `select_related("region").get()` cost more to build than to run,
    so its SQL is compiled once. Raises Employer.DoesNotExist like get().
    """
    found = _with_region.instances(Viewer.system(), int(pk))
    if not found:
        raise Employer.DoesNotExist(f"no employer {pk}")
    return found[0]


_with_region = CompiledQuery(lambda _viewer, pk: Employer.objects.select_related("region").filter(pk=pk),
                             types=(int,))
