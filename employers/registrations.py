"""What the registration services and their readers share, outside the services: the tracking
token's hash (the API checks a token against it) and the review deadline's item."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext_noop

from common.display import message_data
from employers.models import ApplicationKind, RegistrationApplication


def tracking_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The kinds' labels as msgids, so a stored description is translated when it is read.
KIND_MSGIDS = {ApplicationKind.NEW: gettext_noop("new registration"),
               ApplicationKind.CHANGE: gettext_noop("change of registration"),
               ApplicationKind.CANCELLATION: gettext_noop("cancellation of registration")}


def registration_deadline_item(application: RegistrationApplication) -> dict:
    """The review deadline's search label and its description in the reader's language."""
    return {"label": f"{application.name} {application.uscc}",
            "text": message_data(gettext_noop("%(kind)s: %(name)s (%(uscc)s)"), translated=("kind",),
                                 kind=KIND_MSGIDS[application.kind], name=application.name, uscc=application.uscc)}
