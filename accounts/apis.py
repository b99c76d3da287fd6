"""A person reads their own individual account, free of charge (Art. 74)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import AccountEntry
from accounts.selectors import account_summary, entries_visible
from common.apis import ApiView
from common.dates import year_parse
from common.fields import DateField, IntegerField
from common.pagination import Cursor
from common.permissions import IsInsuredPerson


class AccountEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = AccountEntry
        fields = ["id", "kind", "amount", "contribution_month", "posted_on", "interest_year",
                  "interest_until_month", "note"]


class MyAccountApi(ApiView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(
        summary="The calling person's individual pension account",
        parameters=[OpenApiParameter("year", int, required=False,
                                     description="Only the entries of this year (the contribution month's year for "
                                                 "credits, the interest year for interest, else the posting year)"),
                    OpenApiParameter("cursor", str, required=False),
                    OpenApiParameter("page_size", int, required=False)],
        responses=inline_serializer("MyAccountOutput", {
            "balance": serializers.DecimalField(max_digits=14, decimal_places=2),
            "opened_on": DateField(allow_null=True),
            "months_of_contribution": IntegerField(),
            "years": IntegerField(), "months": IntegerField(),
            "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
            "results": AccountEntryOutput(many=True)}))
    def get(self, request):
        summary = account_summary(self.viewer)
        entries = entries_visible(self.viewer)
        year = request.query_params.get("year")
        if year is not None:
            y = year_parse(year, field="year")
            entries = entries.filter(Q(contribution_month__year=y) | Q(interest_year=y)
                                     | Q(contribution_month__isnull=True, interest_year__isnull=True,
                                         posted_on__year=y))
        paginator = Cursor()
        page = paginator.paginate_queryset(entries, request, view=self)
        years, months = summary.years_and_months
        return Response({
            "balance": f"{summary.balance:.2f}",
            "opened_on": summary.account.opened_on if summary.account else None,
            "months_of_contribution": summary.months, "years": years, "months": months,
            "next": paginator.get_next_link(), "previous": paginator.get_previous_link(),
            "results": AccountEntryOutput(page, many=True).data})
