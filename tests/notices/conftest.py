import pytest

from notices import sms


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """SMS through the locmem backend, its outbox empty at the start of each test."""
    settings.SMS_BACKEND = "notices.sms.locmem"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
