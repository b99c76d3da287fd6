"""Contribution reads (issue 11, item 7): the employer's monthly notice to its staff (Art. 60) and
a person's own months (Art. 74, free of charge). Both read through contributions.selectors.lines."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from common.apis import ApiView
from common.dates import MONTH_PATTERN, month_parse
from common.fields import IntegerField, MonthField
from common.identifiers import mask_document
from common.pagination import Cursor
from common.permissions import IsInsuredPerson
from common.problems import NotFound, ValidationFailed
from contributions.selectors.lines import (
    Figures,
    Month,
    cursor_decode,
    cursor_encode,
    notice_page,
    notice_rows,
    notice_totals,
    person_months,
)
from employers.apis.employers import PortalApiView
from employers.selectors.employers import employers_visible

MONEY = dict(max_digits=14, decimal_places=2)
PERIOD_PATTERN = MONTH_PATTERN
PERIOD_EXAMPLE = "2026-01"


def period_parse(value: str | None, *, field: str, required: bool = False) -> date | None:
    """A YYYY-MM query value as the first day of its month; a 400 problem naming `field` if malformed."""
    if not value:
        if required:
            raise ValidationFailed.field(field, "required", _("Give the period as YYYY-MM."))
        return None
    year, month = month_parse(value, field=field)
    return date(year, month, 1)


# --- the body parts both answers share -------------------------------------------------------------

class ContributionPartsOut(serializers.Serializer):
    employer = serializers.DecimalField(**MONEY)
    individual = serializers.DecimalField(**MONEY)


class ContributionEmployerPartOut(serializers.Serializer):
    employer = serializers.DecimalField(**MONEY, help_text="Work injury has no individual part.")


class ContributionAmountsOut(serializers.Serializer):
    pension = ContributionPartsOut()
    medical = ContributionPartsOut()
    unemployment = ContributionPartsOut()
    work_injury = ContributionEmployerPartOut()


class ContributionFiguresOut(serializers.Serializer):
    base = serializers.DecimalField(**MONEY, help_text="The contribution base (net of corrections).")
    amounts = ContributionAmountsOut(help_text="Per insurance type and part, net of corrections.")
    employer_total = serializers.DecimalField(**MONEY)
    individual_total = serializers.DecimalField(**MONEY, help_text="What was withheld from the wage.")
    total = serializers.DecimalField(**MONEY)


def figures_data(figures: Figures) -> dict:
    return {"base": figures.base, "amounts": figures.by_type, "employer_total": figures.employer_total,
            "individual_total": figures.individual_total, "total": figures.total}


class EmployerRefOut(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class EmployerContributionRowOut(ContributionFiguresOut):
    person_id = IntegerField()
    name = serializers.CharField()
    document_number = serializers.CharField(help_text="Masked: first 6 and last 4 characters.")


class MyContributionMonthOut(ContributionFiguresOut):
    period = MonthField()
    employer = EmployerRefOut(allow_null=True, help_text="null for a month the person paid as a flexible worker")
    source = serializers.ChoiceField(choices=["declared", "determined", "flexible"],
                                     help_text="`declared` by the employer, `determined` by the agency "
                                               "(Art. 58, late enrolment), or `flexible`: paid by the person "
                                               "(Art. 10; the pooled part is shown as `pension.employer`).")
    insured_as = serializers.ChoiceField(choices=["employee", "flexible"],
                                         help_text="Insured by an employer that month, or as a flexible worker.")
    paid = serializers.BooleanField(help_text="Every charge of the month is settled.")


_LINK = dict(allow_null=True, help_text="Absolute URL of that page, or null; follow it as is (the cursor is opaque).")
_PAGING = [OpenApiParameter("cursor", str, required=False, description="From `next` or `previous`."),
           OpenApiParameter("page_size", int, required=False, description="Up to 200 (default 50).")]


# --- GET /employer/contributions?period=YYYY-MM ------------------------------------------------------

class NoticeCursor(Cursor):
    ordering = "person_id"


class EmployerContributionsApi(PortalApiView):
    """The monthly notice Art. 60 asks the employer to give each employee: per person on the
    period's roll (net of corrections), the base and the amounts per insurance type and part,
    with the period's totals. Persons in id order; cursor pagination."""

    class OutputSerializer(serializers.Serializer):
        period = MonthField()
        employer = EmployerRefOut()
        totals = ContributionFiguresOut(help_text="The period's totals over every person (all pages).")
        next = serializers.URLField(**_LINK)
        previous = serializers.URLField(**_LINK)
        results = EmployerContributionRowOut(many=True)

    @extend_schema(
        parameters=[OpenApiParameter("period", str, required=True, pattern=PERIOD_PATTERN,
                                     description="The contribution month, YYYY-MM.",
                                     examples=[OpenApiExample("period", value=PERIOD_EXAMPLE)]), *_PAGING],
        responses=OutputSerializer, summary="The monthly contribution notice for the employer's staff (Art. 60)")
    def get(self, request):
        period = period_parse(request.query_params.get("period"), field="period", required=True)
        employer = employers_visible(self.viewer).filter(pk=self.viewer.employer_id).first()
        if employer is None:
            raise NotFound(_("No such employer."))
        paginator = NoticeCursor()
        page = paginator.paginate_queryset(notice_rows(self.viewer, employer_id=employer.pk, period=period),
                                           request, view=self)
        results = [{"person_id": row.person_id, "name": row.name,
                    "document_number": mask_document(row.document_number), **figures_data(row.figures)}
                   for row in notice_page(page)]
        totals = notice_totals(self.viewer, employer_id=employer.pk, period=period)
        return Response(self.OutputSerializer({
            "period": f"{period:%Y-%m}", "employer": employer, "totals": figures_data(totals),
            "next": paginator.get_next_link(), "previous": paginator.get_previous_link(),
            "results": results}).data)


# --- GET /me/contributions ----------------------------------------------------------------------------

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def _page_size(value: str | None) -> int:
    if value and not value.isascii():  # full-width or other scripts' digits: refused, not read
        raise ValidationFailed.field("page_size", "invalid",
                                     _("Give a page size from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE})
    if value and value.isdigit() and int(value) > 0:
        return min(int(value), MAX_PAGE_SIZE)
    return PAGE_SIZE


class MyContributionsApi(ApiView):
    """The calling person's months, newest first: per month and employer the base and the amounts
    per insurance type and part (net of corrections), and `paid`: true when every charge the
    month's lines make up has been settled by the employer's money (a month the agency determined
    under Art. 58 counts once confirmed, paid when its charge is). Free of charge (Art. 74)."""

    permission_classes = [IsInsuredPerson]

    class OutputSerializer(serializers.Serializer):
        next = serializers.URLField(**_LINK)
        previous = serializers.URLField(**_LINK)
        results = MyContributionMonthOut(many=True)

    @extend_schema(
        parameters=[OpenApiParameter("from", str, required=False, pattern=PERIOD_PATTERN,
                                     description="First month shown, YYYY-MM."),
                    OpenApiParameter("to", str, required=False, pattern=PERIOD_PATTERN,
                                     description="Last month shown, YYYY-MM."), *_PAGING],
        responses=OutputSerializer, summary="The calling person's contribution months, newest first")
    def get(self, request):
        date_from = period_parse(request.query_params.get("from"), field="from")
        date_to = period_parse(request.query_params.get("to"), field="to")
        if date_from and date_to and date_from > date_to:
            raise ValidationFailed.field("from", "after_to", _("`from` is after `to`."))
        after, reverse = None, False
        cursor = request.query_params.get("cursor")
        if cursor:
            try:
                after, reverse = cursor_decode(cursor)
            except ValueError:
                raise NotFound(_("Invalid cursor.")) from None
        size = _page_size(request.query_params.get("page_size"))
        months = person_months(self.viewer, person_id=self.viewer.person_id, limit=size + 1, date_from=date_from,
                               date_to=date_to, after=after, reverse=reverse)
        more = len(months) > size
        if more:
            months = months[1:] if reverse else months[:size]
        # Going forward there is a previous page when we came from a cursor; going back, a next one.
        has_next = more if not reverse else after is not None
        has_previous = (after is not None) if not reverse else more
        url = request.build_absolute_uri()
        return Response(self.OutputSerializer({
            "next": replace_query_param(url, "cursor", cursor_encode(months[-1], reverse=False))
            if has_next and months else None,
            "previous": replace_query_param(url, "cursor", cursor_encode(months[0], reverse=True))
            if has_previous and months else None,
            "results": [_month_data(m) for m in months]}).data)


def _month_data(month: Month) -> dict:
    employer = None if month.insured_as == "flexible" else {"uscc": month.employer_uscc, "name": month.employer_name}
    return {"period": f"{month.period:%Y-%m}", "employer": employer, "source": month.source,
            "insured_as": month.insured_as, "paid": month.paid, **figures_data(month.figures)}
