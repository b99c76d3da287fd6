"""Clerks' screens of the employers app, one module per topic (Django's admin autodiscovery imports this package)."""

from employers.admin import employers, registrations  # noqa: F401
