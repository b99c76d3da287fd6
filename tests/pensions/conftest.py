import pytest

from tests.transfers.factories import region


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """The letter's task runs inside the on_commit callback (no broker, no worker in tests)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def city():
    """The region most pension tests live in (a file that needs another defines its own `city`)."""
    return region("330100", "杭州市", "Zhejiang")
