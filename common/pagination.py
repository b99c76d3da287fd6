from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Cursor pagination on every list: stable under inserts, no COUNT(*)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response_schema(self, schema):
        """The envelope as answered: `next` and `previous` are always there (null at either end)."""
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["next", "previous", "results"]
        for name in ("next", "previous"):
            envelope["properties"][name]["description"] = (
                f"Absolute URL of the {name} page, or null; follow it as is (the cursor is opaque).")
            envelope["properties"][name]["example"] = "http://127.0.0.1:8000/api/v1/employer/staff?cursor=cD0yMDI1"
        return envelope
