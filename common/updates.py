"""Partial updates written once: the tail every `<thing>_update` service shares.

The service checks and normalises the values; `model_update` sets those that differ on the row
the service has locked, saves only them, and leaves the values before the change in the row's
history (pghistory) with the service and the actor in its context. Nothing changed: no write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pghistory
from django.db import models

from common.access import Viewer


def model_update(instance: models.Model, values: Mapping[str, Any], *, service: str, actor: Viewer) -> list[str]:
    """Set and save the fields of `values` that differ from `instance`'s; returns their names."""
    changed = [field for field, value in values.items() if getattr(instance, field) != value]
    if changed:
        for field in changed:
            setattr(instance, field, values[field])
        with pghistory.context(service=service, actor=actor.label()):
            instance.save(update_fields=changed)
    return changed
