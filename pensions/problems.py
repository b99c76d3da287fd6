"""The problem types of pensions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PENSION_PROBLEM_TYPES = {
    "pension-category-missing": (
        _("Retirement-age category not recorded"),
        _("The estimate needs the person's original retirement-age category (men 60, women 55 or 50); a clerk "
          "records it on the person.")),
    "pension-parameter-backdated": (
        _("A clerk enters values ahead"),
        _("A clerk enters a pension parameter with an effective date from today on; a value in force in the past "
          "is corrected by the administrator.")),
}
