from contributions.admin import declarations, payments  # noqa: F401
