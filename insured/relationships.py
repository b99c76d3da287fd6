"""The insurance relationship's state machine (参保关系), the domain's core: written once here.

Four apps move a relationship (staffing, suspensions, transfers, refunds); each does it through
`relationship_move`, inside its own service entry point, on a row it has locked. The table says
which move may follow which state and which RelationshipEvent each writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy

from common.access import Viewer
from common.services import Machine, Step, transition
from insured import events
from insured.models import InsuranceRelationship, RelationshipState

R = RelationshipState

RELATIONSHIP = Machine(gettext_lazy("insurance relationship"), {
    R.ACTIVE: {
        # taken off an employer's roll, or enrolled in another region (kept until transferred)
        "suspend": Step(R.SUSPENDED, events.relationship_suspended),
        # a suspension the person applied for: its decision event records it
        "suspend_on_application": Step(R.SUSPENDED),
        # the person died: the account waits for the heirs' refund
        "await_refund": Step(R.AWAITING_REFUND, events.relationship_suspended),
        "close": Step(R.CLOSED, events.relationship_cancelled),
        # issue 28: the person pays for themselves from a month on (the months an employer insures them
        # stay the employer's), or stops; the relationship stays active either way
        "flexible_start": Step(R.ACTIVE, events.relationship_flexible_started),
        "flexible_stop": Step(R.ACTIVE, events.relationship_flexible_stopped),
        # the pension was determined and approved (pensions): the account is closed into it
        "retire": Step(R.PENSION, events.relationship_retired),
    },
    R.SUSPENDED: {
        "resume": Step(R.ACTIVE, events.relationship_resumed),
        "flexible_start": Step(R.ACTIVE, events.relationship_flexible_started),
        "transfer_out": Step(R.TRANSFERRED, events.relationship_transferred),
        "close": Step(R.CLOSED, events.relationship_cancelled),
        "retire": Step(R.PENSION, events.relationship_retired),
    },
    R.AWAITING_REFUND: {
        "close": Step(R.CLOSED, events.relationship_cancelled),
    },
}, states=RelationshipState, subject_arg="relationship",
    actions={"suspend": gettext_lazy("suspended"), "suspend_on_application": gettext_lazy("suspended"),
             "await_refund": gettext_lazy("held for the heirs' refund"), "close": gettext_lazy("cancelled"),
             "resume": gettext_lazy("resumed"), "transfer_out": gettext_lazy("transferred"),
             "flexible_start": gettext_lazy("paying as a flexible worker"),
             "flexible_stop": gettext_lazy("no longer paying as a flexible worker"),
             "retire": gettext_lazy("moved to receiving a pension")})


def relationship_move(relationship: InsuranceRelationship, action: str, *, on: date, actor: Viewer,
                      **event_details: Any) -> Any:
    """Move a relationship the caller has locked (select_for_update) by `action` from `on`; returns
    the RelationshipEvent written (None for a move whose decision event is written by its caller)."""
    relationship.state_since = on
    return transition(RELATIONSHIP, relationship, action, actor=actor, fields=["state_since"], on=on,
                      **event_details)
