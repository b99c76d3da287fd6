"""Contributions' sections on the clerks' file pages (common.panels), registered from
ContributionsConfig.ready(): a person's contribution history on the person's file, and an
employer's declarations, open charges, today's arrears and latest payments on the employer's file.
Every read goes through `scope()` with the clerk's viewer, so a clerk sees only what their region
holds (a person's months at another region's employer are not shown)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from agency.deadlines import today_in_shanghai
from common.access import scope
from common.display import actor_text
from contributions.models import Declaration, Payment
from contributions.selectors.lines import person_months
from contributions.selectors.payments import arrears_of, open_charges

PERMISSION = "contributions.view_charge"
MONTHS_SHOWN = 24
MONTHS_ALL = 1200  # a working life is some 540 months: "all" is every month, with a bound
DECLARATIONS_SHOWN = 12
CHARGES_SHOWN = 24
PAYMENTS_SHOWN = 10


def _url(name: str, *args) -> str | None:
    """A link to a page another app (or a later change) may not have registered: None without it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def person_history(request, person, viewer):
    """The latest 24 months; with `?contributions=all` on the file's URL, every month."""
    shown = MONTHS_ALL if request.GET.get("contributions") == "all" else MONTHS_SHOWN
    months = person_months(viewer, person_id=person.pk, limit=shown + 1)
    return render_to_string("admin/contributions/file/person_months.html", {
        "months": months[:shown], "more": len(months) > shown, "shown": shown, "all": shown == MONTHS_ALL,
        "person": person}, request=request)


def employer_contributions(request, employer, viewer):
    today = today_in_shanghai()
    declarations = list(scope(Declaration.objects.filter(employer_id=employer.pk), viewer)
                        .select_related("actor_user").order_by("-period", "-sequence")[:DECLARATIONS_SHOWN])
    for declaration in declarations:
        declaration.actor_shown = actor_text(declaration.actor)
        declaration.link = _url("admin:contributions_declaration_change", declaration.pk)
    payments = list(scope(Payment.objects.filter(employer_id=employer.pk), viewer)
                    .order_by("-paid_on", "-id")[:PAYMENTS_SHOWN])
    for payment in payments:
        payment.actor_shown = actor_text(payment.actor)
    charges = list(open_charges(viewer, employer_id=employer.pk)[:CHARGES_SHOWN + 1])
    return render_to_string("admin/contributions/file/employer_contributions.html", {
        "employer": employer, "today": today, "declarations": declarations,
        "charges": charges[:CHARGES_SHOWN], "more_charges": len(charges) > CHARGES_SHOWN,
        "arrears": arrears_of(viewer, employer_id=employer.pk, on=today), "payments": payments,
        "arrears_url": _url("admin:contributions_employerarrears_change", employer.pk),
        "arrears_list_url": _url("admin:contributions_employerarrears_changelist"),
        "declarations_url": _url("admin:contributions_declaration_changelist"),
    }, request=request)


def register_panels() -> None:
    from common.panels import Panel
    from employers.employer_file import employer_file_panels
    from insured.person_file import person_file_panels

    person_file_panels.register(Panel("contributions", _("contribution history"), person_history, order=110,
                                      wide=True, permission=PERMISSION))
    employer_file_panels.register(Panel("contributions", _("contributions"), employer_contributions, order=110,
                                        wide=True, permission=PERMISSION))
