"""Clerks' screens of collection: the region's collection accounts (reference data)."""

from __future__ import annotations

from django.contrib import admin

from collection.models import CollectionAccount
from common.admin import ReferenceDataAdminMixin, ScopedAdminMixin


@admin.register(CollectionAccount)
class CollectionAccountAdmin(ReferenceDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("account_number", "bank_name", "account_name", "region", "opened_on", "closed_on")
    list_filter = ("region",)
    search_fields = ("account_number", "account_name")


# The counter's payment orders (issue 22, item 1) have their own module; importing it registers them.
from collection import orders_admin  # noqa: E402, F401
