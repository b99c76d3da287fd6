from __future__ import annotations

from django.db.models import QuerySet

from agency.access import Viewer, scope
from employers.models import Employer, EmployerClient


def employers_visible(viewer: Viewer) -> QuerySet[Employer]:
    return scope(Employer.objects.select_related("region"), viewer)


def employer_clients_visible(viewer: Viewer) -> QuerySet[EmployerClient]:
    return scope(EmployerClient.objects.select_related("employer", "application"), viewer)
