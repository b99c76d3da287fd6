"""The problem types of pensions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.problems import ApplicationError

PENSION_PROBLEM_TYPES = {
    "pension-category-missing": (
        _("Retirement-age category not recorded"),
        _("The estimate needs the person's original retirement-age category (men 60, women 55 or 50); a clerk "
          "records it on the person.")),
    "pension-parameter-backdated": (
        _("A clerk enters values ahead"),
        _("A clerk enters a pension parameter with an effective date from today on; a value in force in the past "
          "is corrected by the administrator.")),
    "pension-before-retirement": (
        _("Not yet at the retirement month"),
        _("A pension is determined from the statutory retirement month on, never before.")),
    "pension-below-minimum": (
        _("Below the minimum years"),
        _("The months counted do not reach the minimum for a monthly pension: the person may keep paying, or "
          "apply for the lump-sum refund of the individual account (Order No. 13 of 2011).")),
    "pension-consolidate-first": (
        _("Records to consolidate first"),
        _("The person has a temporary account or a relationship in another region: the records are consolidated "
          "in one region before the pension is determined; `regions` lists them.")),
    "pension-parameter-missing": (
        _("A parameter of the formula is missing"),
        _("A figure the determination needs is not entered (`missing` names it); it is never guessed.")),
    "pension-already-determined": (
        _("Already determined"),
        _("A person's pension is determined once at retirement; a change is a redetermination.")),
    "pension-four-eyes": (
        _("A second clerk approves"),
        _("The clerk who proposed a determination may not approve it.")),
}


def refused(slug: str, detail: str, *, rule: str, status: int = 409, **extra) -> ApplicationError:
    return ApplicationError(detail, status=status, type_slug=slug, rule=rule, **extra)
