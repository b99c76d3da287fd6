"""A person reads their own individual account, free of charge (Art. 74)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import AccountEntry
from accounts.selectors import account_summary, account_year_end, entries_visible
from common.apis import ApiView
from common.dates import year_parse
from common.fields import MonthField
from common.pagination import Cursor
from common.permissions import IsInsuredPerson


class AccountEntryOutput(serializers.ModelSerializer):
    contribution_month = MonthField(allow_null=True, help_text="The month a credit (or its correction) belongs to.")

    class Meta:
        model = AccountEntry
        fields = ["id", "kind", "amount", "contribution_month", "posted_on", "interest_year",
                  "interest_until_month", "note"]


_MONEY = dict(max_digits=14, decimal_places=2)


class AccountYearEndOut(serializers.Serializer):
    """The account at 31 December of the asked year, as that year's statement shows it."""

    year = serializers.IntegerField()
    on = serializers.DateField(help_text="31 December of the year.")
    opening_balance = serializers.DecimalField(**_MONEY, help_text="At the end of the year before.")
    credits = serializers.DecimalField(**_MONEY, help_text="Contribution credits posted in the year.")
    interest = serializers.DecimalField(**_MONEY, help_text="The year's interest (credited as of 31 December, "
                                                            "posted when the year's rate is set).")
    transfers_in = serializers.DecimalField(**_MONEY)
    transfers_out = serializers.DecimalField(**_MONEY)
    payouts = serializers.DecimalField(**_MONEY)
    corrections = serializers.DecimalField(**_MONEY)
    balance = serializers.DecimalField(**_MONEY, help_text="The balance at 31 December: the opening balance and "
                                                           "the year's movements.")


def _year_end(found) -> dict:
    return {"year": found.year, "on": found.on, "opening_balance": found.opening, "credits": found.credits,
            "interest": found.interest, "transfers_in": found.transfers_in, "transfers_out": found.transfers_out,
            "payouts": found.payouts, "corrections": found.corrections, "balance": found.closing}


class MyAccountApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(
        summary="The calling person's individual pension account",
        description="`balance` is today's. With `year`, `year_end` gives the balance at 31 December of that year "
                    "with the year's credits, interest and other movements (the figures of that year's statement), "
                    "and `results` lists the year's entries.",
        parameters=[OpenApiParameter("year", int, required=False,
                                     description="The year of `year_end`, and only the entries of this year (the "
                                                 "contribution month's year for credits, the interest year for "
                                                 "interest, else the posting year)"),
                    OpenApiParameter("cursor", str, required=False),
                    OpenApiParameter("page_size", int, required=False)],
        responses=inline_serializer("MyAccountOutput", {
            "balance": serializers.DecimalField(**_MONEY, help_text="Today's balance."),
            "opened_on": serializers.DateField(allow_null=True),
            "months_of_contribution": serializers.IntegerField(),
            "years": serializers.IntegerField(), "months": serializers.IntegerField(),
            "year_end": AccountYearEndOut(allow_null=True, help_text="With `year`: the account at that year's end; "
                                                                     "else null."),
            "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
            "results": AccountEntryOutput(many=True)}))
    def get(self, request):
        summary = account_summary(self.viewer)
        entries = entries_visible(self.viewer)
        year = request.query_params.get("year")
        year_end = None
        if year is not None:
            y = year_parse(year, field="year")
            year_end = AccountYearEndOut(_year_end(account_year_end(self.viewer, year=y))).data
            entries = entries.filter(Q(contribution_month__year=y) | Q(interest_year=y)
                                     | Q(contribution_month__isnull=True, interest_year__isnull=True,
                                         posted_on__year=y))
        paginator = Cursor()
        page = paginator.paginate_queryset(entries, request, view=self)
        years, months = summary.years_and_months
        return Response({
            "balance": f"{summary.balance:.2f}",
            "opened_on": summary.account.opened_on if summary.account else None,
            "months_of_contribution": summary.months, "years": years, "months": months, "year_end": year_end,
            "next": paginator.get_next_link(), "previous": paginator.get_previous_link(),
            "results": AccountEntryOutput(page, many=True).data})
