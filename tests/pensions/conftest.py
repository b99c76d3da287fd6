import pytest


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """The letter's task runs inside the on_commit callback (no broker, no worker in tests)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
