"""A person's choice of how they get their monthly notice and alerts (none, e-mail, SMS)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.access import Viewer
from common.problems import ValidationFailed
from common.services import PERSON, entry, row_lock
from insured.models import InsuredPerson
from notices import events
from notices.models import NoticeChannel, NoticePreference
from notices.problems import NO_ADDRESS


def notice_preference_set(*, channel: str, actor: Viewer) -> NoticePreference:
    """The calling person's channel; e-mail needs an e-mail address on the record, SMS a phone number."""
    person = row_lock(InsuredPerson.objects.all(), actor.person_id, actor=actor, missing=_("No such person."))
    if channel not in NoticeChannel.values:
        raise ValidationFailed.field("channel", "invalid_choice", _("One of: %(choices)s.")
                                     % {"choices": ", ".join(NoticeChannel.values)})
    if (channel == NoticeChannel.EMAIL and not person.email) or (channel == NoticeChannel.SMS and not person.phone):
        message = (_("Your record holds no e-mail address; ask the agency to record one.")
                   if channel == NoticeChannel.EMAIL else
                   _("Your record holds no phone number; ask the agency to record one."))
        error = ValidationFailed.field("channel", "no_address", message)
        error.type_slug = NO_ADDRESS
        raise error
    preference, _created = NoticePreference.objects.select_for_update().get_or_create(person=person)
    before = preference.channel if not _created else NoticeChannel.NONE
    if before != channel or _created:
        preference.channel = channel
        preference.save(update_fields=["channel", "updated_at"])
        events.notice_preference_changed(person, actor=actor, before=before, after=channel)
    return preference


notice_preference_set = entry(notice_preference_set, callers=PERSON)
