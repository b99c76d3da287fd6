from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from agency.models import (AverageWage, CalendarDay, CalendarYear, ClerkProfile, ContributionRate, InterestRate,
                           Office, Region)
from common.admin import AppendOnlyAdminMixin, ScopedAdminMixin

admin.site.site_header = _("Social insurance agency")
admin.site.site_title = _("Social insurance agency")
admin.site.index_title = _("Records and reviews")


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "province", "review_in_working_days"]
    search_fields = ["code", "name"]
    exact_search_field = "code"
    list_filter = ["province"]


@admin.register(Office)
class OfficeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "region", "address"]
    list_select_related = ["region"]
    search_fields = ["name"]


@admin.register(ContributionRate)
class ContributionRateAdmin(ScopedAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["region", "insurance_type", "risk_class", "employer_percent", "individual_percent",
                    "effective_from", "note"]
    list_select_related = ["region"]
    list_filter = ["insurance_type", "effective_from"]
    name_search_field = None


@admin.register(AverageWage)
class AverageWageAdmin(ScopedAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["region", "year", "monthly_wage", "floor_percent", "ceiling_percent", "base_floor",
                    "base_ceiling", "effective_from"]
    list_select_related = ["region"]
    list_filter = ["year"]
    name_search_field = None


@admin.register(InterestRate)
class InterestRateAdmin(ScopedAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["year", "percent", "effective_from"]
    name_search_field = None


@admin.register(CalendarYear)
class CalendarYearAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "source"]
    name_search_field = None


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ClerkProfileInline(admin.StackedInline):
    model = ClerkProfile
    can_delete = False
    verbose_name_plural = _("office")


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [ClerkProfileInline]
