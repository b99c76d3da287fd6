"""The problem types of suspensions and transfers (registered in TransfersConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TRANSFER_PROBLEM_TYPES = {
    "relationship-not-active": (
        _("Relationship not active"), _("The relationship is already suspended or ended in that region.")),
    "duplicate-suspension": (
        _("Suspension already under review"), _("An application to suspend this relationship awaits a clerk's decision.")),
    "not-enrolled": (
        _("Not enrolled in the new region"), _("A transfer is filed once the person is enrolled in the new region.")),
    "already-transferred": (_("Already transferred"), _("The relationship in that region was transferred before.")),
    "relationship-not-suspended": (
        _("Relationship not suspended"), _("Only a suspended relationship is transferred.")),
    "duplicate-transfer": (
        _("Transfer already under way"), _("A transfer of this relationship is open; follow it instead.")),
    "funds-not-recorded": (_("Funds not recorded"), _("Record the funds received before completing.")),
    "funds-differ": (
        _("Funds differ from the form"),
        _("The funds received differ from those announced; resolve the difference first.")),
    "external-region": (
        _("Region outside this system"), _("That side of the transfer is another agency's; record its documents instead.")),
    "document-not-issued": (_("Document not issued yet"), _("The step that issues it is not done yet.")),
}
