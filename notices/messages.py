"""The texts of a monthly notice and of an alert, in Chinese (the persons' language, as on /me/)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from notices.models import Alert, AlertKind, MonthlyNotice

LANGUAGE = "zh-hans"


def _month(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def notice_subject(notice: MonthlyNotice) -> str:
    with translation.override(LANGUAGE):
        return gettext("Your contributions of %(month)s") % {"month": _month(notice.month)}


def notice_text(notice: MonthlyNotice) -> str:
    with translation.override(LANGUAGE):
        state = gettext("paid") if notice.paid else gettext("not paid yet")
        return gettext("%(month)s: contribution base %(base)s yuan; employer's part %(employer)s yuan, your part "
                       "%(individual)s yuan; %(state)s. Details: /me/notices/") % {
            "month": _month(notice.month), "base": notice.base, "employer": notice.employer_total,
            "individual": notice.individual_total, "state": state}


ALERT_TEXTS = {
    AlertKind.UNDECLARED: gettext_noop("%(employer)s has not declared your contributions of %(month)s."),
    AlertKind.PROVISIONAL: gettext_noop("%(employer)s did not declare %(month)s; it is charged provisionally "
                                        "(Art. 62)."),
    AlertKind.UNPAID: gettext_noop("Your contributions of %(month)s from %(employer)s are past due and unpaid."),
}


def alert_subject(alert: Alert) -> str:
    with translation.override(LANGUAGE):
        return gettext("Your contributions of %(month)s need attention") % {"month": _month(alert.month)}


def alert_text(alert: Alert, employer_name: str) -> str:
    with translation.override(LANGUAGE):
        text = gettext(ALERT_TEXTS[AlertKind(alert.kind)]) % {"employer": employer_name, "month": _month(alert.month)}
        return text + gettext(" To ask the agency to look into it: /me/notices/")
