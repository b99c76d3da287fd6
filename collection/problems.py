"""The problem types of collection (registered in CollectionConfig.ready()): the collector's feed,
suspense and reversals, payment orders."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

COLLECTION_PROBLEM_TYPES = {
    # The feed (collection.feeds.FeedRefused).
    "collector-file-refused": (
        _("Collector's file refused"),
        _("The file or batch has faults, each listed in `errors` with its row (the line of "
          "the file), field and code (at most 1,000; `total_errors` counts them all); "
          "nothing was stored.")),
    # Suspense (collection.suspense).
    "suspense-four-eyes": (
        _("Second approval by another clerk"),
        _("The clerk who proposed an assignment above the region's four-eyes sum may not approve it; "
          "another clerk must.")),
    "suspense-not-assignable": (
        _("Not money to assign"),
        _("A reversal the collector sent for money no longer here waits for a clerk to settle it with the "
          "payer; it is returned, never assigned to an employer.")),
    # Payment orders (collection.orders).
    "no-collection-account": (
        _("No collection account"),
        _("The employer's region has no open collection account to pay to; a superuser enters one "
          "(Admin → Collection accounts).")),
    "nothing-to-pay": (
        _("Nothing to pay"),
        _("The employer has no open charge (or none in the periods asked for): there is nothing to order.")),
}
