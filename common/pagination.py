from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from common.problems import ValidationFailed


class Cursor(CursorPagination):
    """Cursor pagination on every list: stable under inserts, no COUNT(*)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """`page_size` is 1 to 200 as documented; anything else is a 400 naming it."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= self.max_page_size):
            raise ValidationFailed.field(self.page_size_query_param, "invalid",
                                         _("Give a page size from 1 to %(max)d.") % {"max": self.max_page_size})
        return int(value)

    def decode_cursor(self, request):
        """A cursor not made by us is the caller's mistake: a 400 naming `cursor`, not a 404."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationFailed.field("cursor", "invalid",
                                         _("This cursor is not one we gave; follow `next` or `previous` as is."))

    def get_paginated_response_schema(self, schema):
        """The envelope as answered: `next` and `previous` are always there (null at either end)."""
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["next", "previous", "results"]
        for name in ("next", "previous"):
            envelope["properties"][name]["description"] = (
                f"Absolute URL of the {name} page, or null; follow it as is (the cursor is opaque).")
            envelope["properties"][name]["example"] = "http://127.0.0.1:8000/api/v1/employer/staff?cursor=cD0yMDI1"
        return envelope
