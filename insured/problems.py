"""The problem types of the staff roll and insurance relationships: registered from the app's AppConfig.ready() (common.problems)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# slug -> (title, what it means); published at /problems/<slug>.
INSURED_PROBLEM_TYPES = {
    "name-mismatch": (_("Name does not match"),
                      _("The name differs from the person registered under this number.")),
    "already-enrolled": (_("Already on your staff"), _("The person already has an open employment with you.")),
    "open-employment": (_("Open employment elsewhere"),
                        _("The person is on another employer's roll; that employer must reduce staff first.")),
    "duplicate-reduction": (_("Staff reduction already pending"),
                            _("A reduction for this person awaits confirmation.")),
    "not-enrollable": (_("Not enrollable with these details"),
                       _("A portal's enrolment refused for the records of others (the number registered under "
                         "another name, the person on another employer's roll or their record closed): one answer "
                         "whatever the reason, so that no employer learns about another's records. The agency's "
                         "counter tells the person what their record needs.")),
    "activation-refused": (_("Activation refused"),
                           _("The document number and code do not match a valid activation letter, or an account "
                             "with this number exists; ask at the counter.")),
    "relationship-closed": (_("Relationship not open"),
                            _("The person's insurance relationship cannot take this change.")),
}
