from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Cursor pagination on every list: stable under inserts, no COUNT(*)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
