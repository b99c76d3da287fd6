"""The insured person's own pages (Art. 74: a person reads their record free of charge).

Server-rendered, always in Chinese (the person's official record), usable on a 360 px phone and
a 1366 px screen. Every read goes through the apps' selectors with the person's viewer, so the
one scoping function decides what is shown: a person sees their own rows and nothing else.
A person reading their own record is not staff access: nothing is written to the access log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import wraps

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import account_summary, entries_visible
from agency.deadlines import deadline_due_on
from collection.documents import order_pdf
from collection.models import OrderState
from collection.selectors.orders import orders_visible
from collection.services.orders import payment_order_issue_for_person
from common.access import Kind, viewer_for_request
from common.pdf import pdf_response
from common.problems import ApplicationError
from contributions.selectors.lines import determined_months_visible, lines_visible, person_months
from disputes.models import Dispute
from disputes.selectors import disputes_visible
from disputes.terms import DisputeRule
from flexible.selectors import enrolments_visible, planner_for
from flexible.services.enrolment import (
    base_for,
    flexible_base_change,
    flexible_enrol,
    flexible_resume,
    flexible_stop,
    month_add,
    month_of,
)
from insured.selectors.files import person_employments, person_relationships
from insured.selectors.persons import persons_visible
from notices.selectors import alerts_live, notice_preference_of, notices_visible
from notices.services.alerts import alert_look_into
from notices.services.preferences import notice_preference_set
from pensions.estimate import estimate_for
from refunds.selectors import refunds_visible
from statements.apis import statement_body
from statements.render import statement_pdf
from statements.selectors import access_log_visible, statement_changes, statement_is_current, statements_visible
from transfers.selectors import suspensions_visible, transfers_visible

PAGE_SIZE = 24
ZERO = Decimal("0.00")
INSURANCE_TYPES = (("pension", "养老保险"), ("medical", "医疗保险"), ("unemployment", "失业保险"),
                   ("work_injury", "工伤保险"))
NAV = (("myrecord:overview", "我的记录"), ("myrecord:contributions", "缴费"), ("myrecord:account", "个人账户"),
       ("myrecord:pension", "养老金测算"), ("myrecord:statements", "权益记录单"), ("myrecord:applications", "我的申请"),
       ("myrecord:notices", "缴费通知"), ("myrecord:disputes", "记录异议"), ("myrecord:flexible", "灵活就业参保"),
       ("myrecord:access-log", "查询记录"))


def person_page(view, *, methods=require_GET):
    """Persons only, in Chinese, never cached. Anyone else signed in gets a Chinese 403 page; a
    visitor who is not signed in goes to the login page and comes back. `methods`: GET only, unless
    the page has a form (require_http_methods(["GET", "POST"]))."""

    @wraps(view)
    @never_cache
    @methods
    def wrapper(request, *args, **kwargs):
        with translation.override("zh-hans"):
            viewer = viewer_for_request(request)
            if not request.user.is_authenticated:
                return redirect(f"{reverse('login')}?next={request.path}")
            if viewer.kind is not Kind.PERSON:
                return render(request, "myrecord/forbidden.html", status=403)
            person = persons_visible(viewer).select_related("region").first()
            if person is None:
                return render(request, "myrecord/forbidden.html", status=403)
            response = view(request, viewer, person, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    return wrapper


def _page(request, template: str, person, **context):
    context.update(person=person, nav=[(reverse(name), label) for name, label in NAV],
                   current=request.path)
    return render(request, f"myrecord/{template}", context)


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@person_page
def overview(request, viewer, person):
    summary = account_summary(viewer)
    years, months = summary.years_and_months
    return _page(request, "overview.html", person,
                 relationships=person_relationships(viewer, person).order_by("-opened_on", "-id"),
                 employments=person_employments(viewer, person).order_by("-start_date", "-id"),
                 balance=summary.balance, years=years, months=months,
                 statement=statements_visible(viewer).order_by("-year", "-version").first())


def _contribution_years(viewer, person) -> list[int]:
    found = {d.year for d in lines_visible(viewer).filter(person_id=person.pk).dates("period", "year")}
    found |= {d.year for d in determined_months_visible(viewer).filter(determination__person_id=person.pk)
              .dates("period", "year")}
    return sorted(found, reverse=True)


@person_page
def contributions(request, viewer, person):
    years = _contribution_years(viewer, person)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in years else (years[0] if years else timezone.localdate().year)
    months = person_months(viewer, person_id=person.pk, limit=400, date_from=date(year, 1, 1),
                           date_to=date(year, 12, 1))
    months.sort(key=lambda m: (m.period, m.employer_id))
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for month in months:
        totals["individual"] += month.figures.individual_total
        totals["employer"] += month.figures.employer_total
        for insurance_type, _label in INSURANCE_TYPES:
            for part, amount in month.figures.by_type[insurance_type].items():
                totals[f"{insurance_type}_{part}"] += amount
    by_type = [(label, totals[f"{key}_employer"], totals.get(f"{key}_individual"))
               for key, label in INSURANCE_TYPES]
    return _page(request, "contributions.html", person, years=years, year=year, months=months,
                 months_paid=len({m.period for m in months if m.paid}), months_count=len({m.period for m in months}),
                 individual_total=totals["individual"], employer_total=totals["employer"], by_type=by_type)


@person_page
def account(request, viewer, person):
    summary = account_summary(viewer)
    years, months = summary.years_and_months
    entries = entries_visible(viewer).order_by("-posted_on", "-id")
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 1949 <= int(raw) <= 2200 else None
    if year is not None:
        entries = entries.filter(Q(contribution_month__year=year) | Q(interest_year=year)
                                 | Q(contribution_month__isnull=True, interest_year__isnull=True,
                                     posted_on__year=year))
    page = Paginator(entries, PAGE_SIZE).get_page(_page_number(request))
    return _page(request, "account.html", person, summary=summary, years=years, months=months, page=page,
                 year=year, entry_years=sorted({d.year for d in entries_visible(viewer).dates("posted_on", "year")},
                                               reverse=True))


@person_page
def pension(request, viewer, person):
    """The person's pension estimate: the three retirement months, stopping now or keeping the base."""
    try:
        estimate, refused = estimate_for(viewer, person_id=person.pk), None
    except ApplicationError as err:
        estimate, refused = None, err.detail
    return _page(request, "pension.html", person, estimate=estimate, refused=refused, month_format="Y年n月")


@person_page
def statements(request, viewer, person):
    found = list(statements_visible(viewer).select_related("superseded_by")
                 .prefetch_related("deliveries", "events").order_by("-year", "-version"))
    for s in found:  # a reissued year lists both versions, the newest marked current, with what changed
        s.current, s.changes = statement_is_current(s), statement_changes(s)
    return _page(request, "statements.html", person, statements=found)


def _statement_or_none(viewer, year: int):
    return statements_visible(viewer).prefetch_related("deliveries").filter(year=year).first()


@person_page
def statement(request, viewer, person, year: int):
    found = _statement_or_none(viewer, year)
    if found is None:
        return _page(request, "statement_missing.html", person, year=year)
    body = statement_body(found)
    rows = []
    for month in body["months"]:
        amounts = month["amounts"]
        individual = sum((Decimal(parts.get("individual", "0")) for parts in amounts.values()), ZERO)
        employer = sum((Decimal(parts["employer"]) for parts in amounts.values()), ZERO)
        rows.append({**month, "individual": individual, "employer_amount": employer})
    totals = [(label, body["totals"][key]["employer"], body["totals"][key].get("individual"))
              for key, label in INSURANCE_TYPES]
    return _page(request, "statement.html", person, statement=found, body=body, rows=rows, totals=totals)


@person_page
def statement_pdf_view(request, viewer, person, year: int):
    found = _statement_or_none(viewer, year)
    if found is None:
        return _page(request, "statement_missing.html", person, year=year)
    return pdf_response(statement_pdf(found.snapshot), f"statement-{year}.pdf")


@person_page
def access_log(request, viewer, person):
    page = Paginator(access_log_visible(viewer).order_by("-at", "-id"), PAGE_SIZE).get_page(_page_number(request))
    return _page(request, "access_log.html", person, page=page)


@person_page
def applications(request, viewer, person):
    return _page(request, "applications.html", person,
                 transfers=transfers_visible(viewer).select_related("from_region", "to_region").order_by("-id"),
                 suspensions=suspensions_visible(viewer).select_related("region").order_by("-created_at", "-id"),
                 refunds=refunds_visible(viewer).select_related("region").order_by("-applied_on", "-id"))


# --- the person's disputes (Art. 74; issue 23) -------------------------------------------------------

DISPUTE_STATES = {"filed": "已受理，待复核", "under_review": "复核中", "confirmed": "维持原记录",
                  "corrected": "已更正", "withdrawn": "已撤回"}
DISPUTE_SUBJECTS = {"month": "缴费月份", "employer_month": "单位申报月份", "account_entry": "个人账户记账",
                    "statement_year": "权益记录单年度"}


@person_page
def disputes(request, viewer, person):
    """The person's disputes, newest first: what, when filed, the state, the review's due date, the
    decision's reasons and the letter (once confirmed as recorded)."""
    rows = (disputes_visible(viewer).annotate(due_on=deadline_due_on(Dispute, rule=DisputeRule.DISPUTE_REVIEW))
            .order_by("-filed_on", "-id"))
    page = Paginator(rows, PAGE_SIZE).get_page(_page_number(request))
    for dispute in page:
        dispute.state_text = DISPUTE_STATES.get(dispute.state, dispute.state)
        dispute.what = f"{DISPUTE_SUBJECTS.get(dispute.subject_kind, '')} {dispute.subject_text()}".strip()
    return _page(request, "disputes.html", person, page=page)


@person_page
def dispute_letter(request, viewer, person, pk: int):
    dispute = disputes_visible(viewer).select_related("letter").filter(pk=pk, letter__isnull=False).first()
    if dispute is None:
        raise Http404("没有该异议的复核结果告知书。")
    with dispute.letter.file.open("rb") as stored:
        return pdf_response(stored.read(), f"dispute-letter-{dispute.pk}.pdf")


# --- the monthly notice and alerts (Art. 60; issue 28) ------------------------------------------------

NOTICE_CHANNELS = (("none", "不发送（登录查看）"), ("email", "电子邮件"), ("sms", "短信"))


def notices(request, viewer, person):
    """The monthly notices, the alerts with their one-step request to the agency, and the channel."""
    message, failed = "", False
    if request.method == "POST":
        try:
            if request.POST.get("action") == "channel":
                notice_preference_set(channel=request.POST.get("channel", ""), actor=viewer)
                message = "已保存通知方式。"
            elif request.POST.get("action") == "look_into":
                month = date.fromisoformat(request.POST.get("month", "") + "-01")
                alert_look_into(kind=request.POST.get("kind", ""), month=month,
                                employer_id=int(request.POST.get("employer", "0")), actor=viewer)
                message = "已提交核查申请，经办机构将与您联系。"
        except (ApplicationError, ValueError) as error:
            message, failed = getattr(error, "detail", "") or "请求无效，请重试。", True
    rows = notices_visible(viewer).order_by("-month")
    return _page(request, "notices.html", person, page=Paginator(rows, PAGE_SIZE).get_page(_page_number(request)),
                 alerts=alerts_live(viewer), channel=notice_preference_of(viewer), channels=NOTICE_CHANNELS,
                 message=message, failed=failed)


notices = person_page(notices, methods=require_http_methods(["GET", "POST"]))


# --- enrolling as a flexible worker (Art. 10; issue 28, items 1 and 3) ----------------------------------


class EnrolForm(forms.Form):
    """What the person types; the region's rules (range, months, residence) are the service's."""

    region = forms.RegexField(label="参保地（统筹区代码）", regex=r"^[0-9]{6}$", max_length=6,
                              error_messages={"invalid": "请填写6位统筹区代码，例如 310101。"},
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    start_month = forms.RegexField(label="起始月份（年-月）", regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$", max_length=7,
                                   error_messages={"invalid": "请按“年-月”填写，例如 2026-12。"},
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2026-12"}))
    base = forms.DecimalField(label="月缴费基数（元）", max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def clean_start_month(self):
        return date.fromisoformat(self.cleaned_data["start_month"] + "-01")


class BaseForm(forms.Form):
    base = forms.DecimalField(label="新的月缴费基数（元）", max_digits=14, decimal_places=2,
                              min_value=Decimal("0.01"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def _refusal_to_form(form: forms.Form, error: ApplicationError) -> str:
    """The service's refusal on the field it names (Chinese: the page runs under zh-hans); the message
    for the whole form when it names no field of the form."""
    placed = False
    for item in error.errors:
        if item.get("field") in form.fields:
            form.add_error(item["field"], str(item.get("message") or error.detail))
            placed = True
    return "" if placed else str(error.detail)


def flexible(request, viewer, person):
    """Enrol as a flexible worker (the same service as the API), with the planner's table; once enrolled:
    the enrolment, changing the base from next month, stopping and resuming."""
    message, failed = "", False
    action = request.POST.get("action") if request.method == "POST" else None
    enrol_form = EnrolForm(request.POST if action == "enrol" else None,
                           initial={"region": person.region.code, "start_month": f"{month_of(timezone.localdate()):%Y-%m}"})
    base_form = BaseForm(request.POST if action == "base" else None)
    try:
        if action == "enrol" and enrol_form.is_valid():
            fields = enrol_form.cleaned_data
            flexible_enrol(actor=viewer, region_code=fields["region"], start_month=fields["start_month"],
                           base=fields["base"])
            return redirect(f"{reverse('myrecord:flexible')}?done=enrolled")
        if action == "base" and base_form.is_valid():
            flexible_base_change(actor=viewer, base=base_form.cleaned_data["base"])
            return redirect(f"{reverse('myrecord:flexible')}?done=base")
        if action in ("stop", "resume"):
            (flexible_stop if action == "stop" else flexible_resume)(actor=viewer)
            return redirect(f"{reverse('myrecord:flexible')}?done={action}")
        if action == "order":  # the same service as POST /api/v1/me/flexible-payment-orders
            order = payment_order_issue_for_person(actor=viewer)
            return redirect(f"{reverse('myrecord:flexible')}?done=order&order={order.pk}#h-order")
        if action is not None and action not in ("enrol", "base"):
            message, failed = "请求无效，请重试。", True
        elif action is not None:
            message, failed = "请更正下面标出的内容。", True
    except ApplicationError as error:
        if action == "order":  # nothing open: nothing to pay
            message, failed = str(error.detail), True
        else:
            form = enrol_form if action == "enrol" else base_form
            message, failed = _refusal_to_form(form, error) or "请更正下面标出的内容。", True
    done = {"enrolled": "已参保。自起始月份起，每月按所选基数计费。",
            "base": "已保存新的缴费基数，自下月起按新基数缴费。",
            "stop": "已暂停缴费，自下月起不再计费；已缴月份和个人账户保留。",
            "resume": "已恢复缴费，自下月起按月计费。",
            "order": "已开具缴费通知单。请按通知单金额转账，并在附言栏填写付款参考号。"}
    if not message and request.GET.get("done") in done:
        message = done[request.GET["done"]]
    enrolment = enrolments_visible(viewer).filter(person_id=person.pk).first()
    region = request.POST.get("region") if action == "enrol" else request.GET.get("region")
    region = region if region and len(region) == 6 and region.isascii() and region.isdigit() else None
    try:
        plan, plan_refused = planner_for(viewer, person_id=person.pk, region_code=region), ""
    except ApplicationError as error:
        plan, plan_refused = None, str(error.detail)
    next_month = month_add(month_of(timezone.localdate()), 1)
    return _page(request, "flexible.html", person, enrolment=enrolment, enrol_form=enrol_form, base_form=base_form,
                 next_base=base_for(enrolment, next_month) if enrolment else None, plan=plan,
                 plan_refused=plan_refused, message=message, failed=failed,
                 order=_order_shown(viewer, person, request.GET.get("order")) if enrolment else None,
                 just_ordered=request.GET.get("done") == "order" and not failed)


def _order_shown(viewer, person, asked: str | None):
    """The order just issued (`?order=`), else the person's newest open one still valid: with its lines."""
    orders = orders_visible(viewer).filter(person_id=person.pk)
    if asked and asked.isascii() and asked.isdigit():
        return orders.filter(pk=int(asked)).first()
    return orders.filter(state=OrderState.OPEN, valid_until__gte=timezone.localdate()).order_by("-id").first()


@person_page
def flexible_order_pdf(request, viewer, person, pk: int):
    """The person's own payment order as the PDF a clerk prints for an employer (collection.documents)."""
    order = orders_visible(viewer).filter(person_id=person.pk, pk=pk).first()
    if order is None:
        raise Http404("没有该缴费通知单。")
    return pdf_response(order_pdf(order), f"payment-order-{order.reference}.pdf")


flexible = person_page(flexible, methods=require_http_methods(["GET", "POST"]))
