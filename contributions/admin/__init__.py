from contributions.admin import payments  # noqa: F401
