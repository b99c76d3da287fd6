from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from agency.models import (
    AverageWage,
    CalendarDay,
    CalendarYear,
    ClerkProfile,
    ContributionRate,
    InterestRate,
    Office,
    Province,
    Region,
)
from agency.staff_sessions import StaffLoginForm
from agency.vocabulary import region_terms_inlines
from common.admin import (
    AppendOnlyAdminMixin,
    ReferenceDataAdminMixin,
    ScopedAdminMixin,
    ServiceForm,
    ServiceFormAdminMixin,
)

admin.site.site_header = _("Social insurance agency")
admin.site.site_title = _("Social insurance agency")
admin.site.index_title = _("Records and reviews")
# Password, then the TOTP code (agency.staff_sessions); lock-outs say so.
admin.site.login_form = StaffLoginForm
admin.site.login_template = "admin/staff_login.html"
# The home page (templates/admin/index.html) lists today's work and every section; without the
# navigation column the queues keep their due-date and state columns on a 1366-pixel screen.
admin.site.enable_nav_sidebar = False


class RegionTermsInline(ReferenceDataAdminMixin, admin.StackedInline):
    """An app's terms of the region (one row, or none: the defaults), shown on the region's page; the
    app registers its inline in agency.vocabulary.region_terms_inlines from its AppConfig.ready()."""

    extra = 1  # saved only when a superuser changes a value; left as it is, the region keeps the defaults
    max_num = 1
    can_delete = False


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "province", "pooling_area", "external"]
    search_fields = ["code", "name"]
    exact_search_field = "code"
    list_filter = ["province"]

    def get_inlines(self, request, obj):
        return list(region_terms_inlines)


@admin.register(Province)
class ProvinceAdmin(ScopedAdminMixin, ReferenceDataAdminMixin, admin.ModelAdmin):
    """Provincial pooling: a transfer between two regions of such a province moves the records only."""

    list_display = ["name", "provincial_pooling"]
    search_fields = ["name"]


@admin.register(Office)
class OfficeAdmin(ScopedAdminMixin, ReferenceDataAdminMixin, admin.ModelAdmin):
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
    list_display = ["region", "year", "monthly_wage", "floor_percent", "ceiling_percent", "base_floor_shown",
                    "base_ceiling_shown", "effective_from"]
    list_select_related = ["region"]
    list_filter = ["year"]
    name_search_field = None

    @admin.display(description=_("contribution base floor"))
    def base_floor_shown(self, obj):
        return obj.base_floor

    @admin.display(description=_("contribution base ceiling"))
    def base_ceiling_shown(self, obj):
        return obj.base_ceiling


@admin.register(InterestRate)
class InterestRateAdmin(ScopedAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["year", "percent", "effective_from"]
    name_search_field = None


@admin.register(CalendarYear)
class CalendarYearAdmin(ScopedAdminMixin, ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["year", "source"]
    name_search_field = None


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdminMixin, ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ClerkProfileInline(admin.StackedInline):
    model = ClerkProfile
    can_delete = False
    verbose_name_plural = _("office")


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(ReferenceDataAdminMixin, GroupAdmin):
    """The clerks' groups are kept in step by agency.groups after every migrate; a superuser may add one."""


@admin.register(User)
class StaffUserAdmin(ReferenceDataAdminMixin, UserAdmin):
    inlines = [ClerkProfileInline]


# --- Deadlines: the review queue per office, and the notices the daily sweep sent ----------------

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from agency.deadlines import deadline_assign  # noqa: E402
from agency.models import Deadline, DeadlineNotice, DeadlineState  # noqa: E402
from agency.workbench import deadline_state_label, due_condition  # noqa: E402
from agency.workbench_admin import due_lookups  # noqa: E402
from common.access import scope, viewer_for_request  # noqa: E402
from common.display import account_text, actor_text, date_text  # noqa: E402


def due_badge(due_on, *, show_days: bool = False):
    """How a due date shows in every review queue: overdue in red, due within the reminder window
    (DEADLINE_REMIND_WITHIN_DAYS) in amber; the date, or with `show_days` the days left."""
    if due_on is None:
        return "—"
    days = (due_on - timezone.localdate()).days
    shown = days if show_days else date_text(due_on)
    if days < 0:
        return format_html('<span class="deadline-overdue" style="background:#ba2121;color:#fff;'
                           'padding:1px 6px;border-radius:3px;font-weight:bold">{} ({})</span>',
                           shown, _("overdue"))
    if days <= settings.DEADLINE_REMIND_WITHIN_DAYS:
        return format_html('<strong class="deadline-due-soon" style="color:#b8860b">{}</strong>', shown)
    return shown

UNDECIDED = [DeadlineState.OPEN, DeadlineState.MISSED]


class DeadlineQueueFilter(admin.SimpleListFilter):
    """By default the queue holds undecided items: open ones, and missed ones not yet decided
    (the sweep marks an overdue item missed; it stays in the queue, highlighted, until decided)."""

    title = _("state")
    parameter_name = "state"
    default = "undecided"

    def lookups(self, request, model_admin):
        return [("undecided", _("undecided (open or missed)")), *DeadlineState.choices, ("all", _("all"))]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == str(lookup), "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value()
        if value == "undecided":
            return queryset.filter(state__in=UNDECIDED, closed_at__isnull=True)
        if value in DeadlineState.values:
            return queryset.filter(state=value)
        return queryset


class DeadlineDueFilter(admin.SimpleListFilter):
    """`?due=overdue|soon|undecided`: what the home page's counts link to (agency.workbench)."""

    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return due_lookups()

    def queryset(self, request, queryset):
        value = self.value()
        if value not in dict(due_lookups()):
            return queryset
        return queryset.filter(closed_at__isnull=True).filter(due_condition(value, today=timezone.localdate()))


class DeadlineOfficeFilter(admin.SimpleListFilter):
    """The offices the viewer may see. (RelatedOnlyFieldListFilter would read DISTINCT office_id
    over every deadline in scope, which grows with every item ever recorded.)"""

    title = _("office")
    parameter_name = "office"

    def lookups(self, request, model_admin):
        offices = scope(Office.objects.all(), viewer_for_request(request)).order_by("name")
        return [(str(office.pk), office.name) for office in offices]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(office_id=value) if value and value.isdigit() else queryset


def _assignable_users(request, region_id: int | None):
    """Active staff with an office the viewer may see (and, for a given deadline, in its region)."""
    profiles = scope(ClerkProfile.objects.all(), viewer_for_request(request))
    if region_id is not None:
        profiles = profiles.filter(office__region_id=region_id)
    return User.objects.filter(is_active=True, is_staff=True, clerk_profile__in=profiles).order_by("username")


class DeadlineAssignForm(ServiceForm):
    """Gives an undecided item to a clerk through deadline_assign; nothing else on the page changes."""

    class Meta:
        model = Deadline
        fields = ["assignee"]

    def call_service(self, data, viewer):
        if "assignee" not in self.fields or not self.has_changed():
            return self.instance
        return deadline_assign(deadline=self.instance, assignee=data["assignee"], actor=viewer)


@admin.register(Deadline)
class DeadlineAdmin(ScopedAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    """The review queue: undecided items, overdue first (they are due earliest), then by due date."""

    # What is due and its state come right after the item: on screen even on a 1366-pixel display.
    list_display = ["item", "rule", "due_on", "days_left", "state_now", "assignee", "office", "starts_on"]
    list_select_related = ["office", "assignee"]
    list_filter = [DeadlineQueueFilter, DeadlineDueFilter, "rule", DeadlineOfficeFilter]
    ordering = ["due_on", "id"]
    name_search_field = "subject_label"
    fields = ["rule", "item", "region", "office", "starts_on", "days", "working_days", "due_on", "days_left",
              "state_now", "missed_at", "closed_at", "created_at", "assignee"]
    readonly_fields = [f for f in fields if f != "assignee"]
    service_change_form = DeadlineAssignForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.closed_at is not None:
            return self.fields  # decided: nothing left to assign
        return self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._deadline_region_id = obj.region_id if obj is not None else None
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = _assignable_users(request, getattr(request, "_deadline_region_id", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("item"), ordering="subject_label")
    def item(self, obj):
        content_type = ContentType.objects.get_for_id(obj.subject_type_id)
        model = content_type.model_class()
        if model is not None and self.admin_site.is_registered(model):
            try:
                url = reverse(f"{self.admin_site.name}:{content_type.app_label}_{content_type.model}_change",
                              args=[obj.subject_id])
            except NoReverseMatch:
                url = None
            if url:
                return format_html('<a href="{}">{}</a>', url, obj.subject_text)
        return obj.subject_text

    @admin.display(description=_("state"), ordering="state")
    def state_now(self, obj):
        """Overdue as soon as the due date has passed, not only after the nightly sweep."""
        label = deadline_state_label(obj, timezone.localdate())
        if label != obj.get_state_display():
            return format_html('<span class="state-overdue">{}</span>', label)
        return label

    @admin.display(description=_("days left"), ordering="due_on")
    def days_left(self, obj):
        if obj.closed_at is not None or obj.state not in UNDECIDED:
            return "—"
        return due_badge(obj.due_on, show_days=True)

    def queue_counts(self, request) -> dict[str, int]:
        """Undecided items in the viewer's scope, whatever the list's filters: all of them ("open"),
        those due within DEADLINE_REMIND_WITHIN_DAYS, and the overdue ones (missed or not yet swept)."""
        today = timezone.localdate()
        soon = today + timedelta(days=settings.DEADLINE_REMIND_WITHIN_DAYS)
        undecided = self.get_queryset(request).filter(state__in=UNDECIDED, closed_at__isnull=True)
        return undecided.aggregate(
            open=Count("id"), due_soon=Count("id", filter=Q(due_on__gte=today, due_on__lte=soon)),
            overdue=Count("id", filter=Q(due_on__lt=today)))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "deadline_counts": self.queue_counts(request),
                         "remind_within_days": settings.DEADLINE_REMIND_WITHIN_DAYS}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(DeadlineNotice)
class DeadlineNoticeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What the sweep sent, to whom and when: a record, never edited."""

    list_display = ["created_at", "kind", "deadline", "recipient", "email", "sent_at"]
    list_select_related = ["deadline", "recipient"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    ordering = ["-id"]
    name_search_field = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Security: login lock-outs (a supervisor lifts them) and the security events ---------------

from django.core.exceptions import PermissionDenied as _PermissionDenied  # noqa: E402

from agency.login_guard import LIFT_PERMISSION, login_lockout_lift  # noqa: E402
from agency.models import LoginThrottle, SecurityEvent  # noqa: E402


class LockedNowFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("locked now")), ("all", _("all"))]

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        now = timezone.now()
        return queryset.filter(locked_at__isnull=False).filter(Q(locked_until__isnull=True) | Q(locked_until__gt=now))

    def choices(self, changelist):
        current = self.value() or "yes"
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Accounts of the supervisor's region that are locked out; "Lift the lock-out" ends it now."""

    list_display = ["key", "region", "failures", "last_failure_at", "locked_at", "locked_until"]
    list_select_related = ["region"]
    list_filter = [LockedNowFilter]
    search_fields = ["key"]
    name_search_field = "key"
    actions = ["lift"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Lift the lock-out"), permissions=["lift"])
    def lift(self, request, queryset):
        viewer = viewer_for_request(request)
        done = 0
        for row in queryset:
            try:
                login_lockout_lift(throttle_id=row.pk, viewer=viewer, user=request.user)
            except (_PermissionDenied, LoginThrottle.DoesNotExist):
                continue
            done += 1
        self.message_user(request, _("Lock-outs lifted: %(n)d.") % {"n": done}, messages.SUCCESS)

    def has_lift_permission(self, request):
        return request.user.has_perm(LIFT_PERMISSION)


@admin.register(SecurityEvent)
class SecurityEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Logins, failures, lock-outs and their lifting, activation letters, password resets: read-only."""

    list_display = ["at", "kind", "channel", "account_name", "address", "actor_name", "region", "detail"]
    list_select_related = ["region"]
    list_filter = ["kind", "channel"]
    date_hierarchy = "at"
    name_search_field = None
    exact_search_field = "account"
    search_fields = ["account"]

    fields = readonly_fields = ["at", "kind", "channel", "account_name", "address", "actor_name", "region", "detail"]

    @admin.display(description=_("account"), ordering="account")
    def account_name(self, obj):
        """A portal client (`client:<id>`) by its employer's name, a persons' app (`app:<id>`) by its
        name; a login by its username."""
        return account_text(obj.account)

    @admin.display(description=_("acted by"), ordering="actor")
    def actor_name(self, obj):
        return actor_text(obj.actor) if obj.actor else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
