"""Clerks' screens of the insured app, one module per topic (Django's admin autodiscovery imports this package)."""

from insured.admin import access_log, apps, persons, staffing  # noqa: F401
