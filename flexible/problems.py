"""This app's problem types (registered in FlexibleConfig.ready())."""

from django.utils.translation import gettext_lazy as _

FLEXIBLE_PROBLEM_TYPES = {
    "flexible-not-allowed": (
        _("Enrolment as a flexible worker refused"),
        _("The region's rules do not allow this person to enrol as a flexible worker there (for example, "
          "the household registration must be in the region).")),
    "flexible-enrolled": (
        _("Already enrolled as a flexible worker"),
        _("The person has an enrolment as a flexible worker already; change its base, stop or resume it.")),
    "flexible-base-window": (
        _("Base already changed this year"),
        _("The region allows the base to be changed a limited number of times a year.")),
    "flexible-no-average-wage": (
        _("No average wage for the region"),
        _("The region's average wage for the year is not entered: the allowed bases cannot be computed.")),
}
