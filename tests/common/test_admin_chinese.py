"""Chinese everywhere a clerk reads.

The walking test (`test_every_admin_page_reads_in_chinese`) logs in as a clerk and as a superuser
with the browser asking for zh-hans, opens the admin index and follows every admin link it finds
(app indexes, changelists and their filter and sort links, add forms, change forms of the sample
objects, history pages, and any custom admin view linked from them: the home page, a person's or
an employer's file), at most two pages per URL name, and checks each HTML page's visible text
(text nodes outside <script>/<style>, plus the title, placeholder and aria-label attributes).

Why this method: a list of pages would miss the pages added later; following links finds them.
Comparing against the project's own English makes the check independent of Django's catalogue.
The check has three layers (tests/common/admin_walk.py):

1. Project strings. Every msgid of locale/zh_Hans/LC_MESSAGES/django.po, every string passed to a
   gettext function in the project's Python code and templates (read with `ast` and a template
   regex, so a string someone marked but never translated counts too), and every model name,
   field name (including the names Django derives from attribute names when none is given, such as
   "created at"), help text, choice label, list column, action, filter and fieldset title of the
   project's admin, read in English. If any of them appears on a Chinese page, it failed to
   translate.
2. Any other English word. Strings nobody marked for translation ("69 bytes", "leaves ... on") are
   in no catalogue; so after removing the test data's own values (names, codes, file names) and
   the names of Django's and third-party apps' models, any remaining Latin word of three letters
   or more fails, except a short list of acronyms (API, SHA, KB, ...). Pages of Django's auth app
   and third-party apps (OAuth tokens, pghistory) are opened but not held against the project.
3. Internal codes and dates: an actor code (`user:1`, `client:...`, `applicant:...`) fails, and
   so does a date in any format but the one zh-hans uses (2026-11-09).

The test data are the demo data (`seed_demo`, `demo_accounts`, which plays the everyday path
through the real services), plus a registration filed without an account with a voucher, a
decided staff reduction and a daily sweep (notices), so that every list has rows to show.
"""

from __future__ import annotations

import importlib
import io
import re
from datetime import date, timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from oauth2_provider.models import Application

from agency.deadlines import deadline_open, today_in_shanghai
from agency.models import (
    CalendarDay,
    CalendarYear,
    ContributionRate,
    Deadline,
    Document,
    Office,
    Region,
)
from agency.sweep import deadline_sweep_run
from collection.models import CollectorFile, CollectorRecord
from common.access import Kind, Viewer
from common.display import actor_text, date_text, message_data, message_render, size_text, user_text
from employers.models import Employer, EmployerClient, RegistrationApplication
from employers.services.registrations import registration_submit
from employers.terms import RegistrationRule
from insured.models import InsuredPerson, PersonLogin, StaffReduction
from insured.services.staffing import staff_reduction_confirm
from insured.terms import StaffingRule
from tests.builders import staff_viewer
from tests.common import admin_walk
from tests.ids import uscc
from transfers.terms import TransferRule

PDF = b"%PDF-1.4\n% test voucher\n"
ZH = "zh-hans"


@pytest.fixture
def demo_world(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The demo logins' passwords and client secrets are hashed; the slow default hasher adds
    # seconds per test and is not what is under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", employers=12, persons=120, seed=3, stdout=io.StringIO())
    call_command("demo_accounts", stdout=io.StringIO())
    clerk = User.objects.get(username="clerk")
    region = Region.objects.get(code="310101")
    application, _token = registration_submit(
        kind="new", actor=Viewer(Kind.NOBODY), uscc=uscc(4242), name="上海示例科技有限公司",
        employer_kind="enterprise", region_code="310101", established_on=today_in_shanghai(),
        contact_name="王经理", contact_phone="021-55550000",
        documents=[(SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf"), "business_licence")])
    reduction = StaffReduction.objects.filter(region=region, state="pending").order_by("id").first()
    staff_reduction_confirm(reduction=reduction, actor=staff_viewer(clerk),
                            channel="admin")
    deadline_sweep_run(today=today_in_shanghai() + timedelta(days=40))  # reminders, escalations, misses
    _declare_and_correct(region, clerk)
    root = User.objects.create_superuser("root", "root@example.com", "pw-for-tests-1", first_name="赵敏")
    return {"clerk": clerk, "supervisor": User.objects.get(username="supervisor"), "root": root,
            "application": application}


def _declare_and_correct(region, clerk) -> None:
    """A declaration and a correction filed by the clerk (the declaration pages have rows to show)."""
    from contributions.selectors.declarations import roll_of_month
    from contributions.services.declarations import declaration_file

    viewer = staff_viewer(clerk)
    month = today_in_shanghai().replace(day=1)
    employer = next(e for e in Employer.objects.filter(region=region, registration_status="registered")
                    .order_by("id") if roll_of_month(e.pk, month))
    numbers = sorted(roll_of_month(employer.pk, month))
    for wages in (("3000.00", "8000.00"), ("3000.00", "9000.00")):
        rows = [{"document_number": n, "wage": wages[i % 2]} for i, n in enumerate(numbers)]
        declaration_file(employer_id=employer.pk, period=month, rows=rows, source="admin", actor=viewer)


def data_values() -> list[str]:
    """What the test data themselves hold (names, codes, file names): not the project's English."""
    values: list[str] = []
    columns = [(Employer, ["name", "uscc", "contact_name", "contact_email", "address", "registration_number"]),
               (InsuredPerson, ["name", "document_number", "email", "postal_address", "nationality"]),
               (Region, ["name", "province"]), (Office, ["name", "address"]),
               (EmployerClient, ["label"]), (Application, ["client_id", "name"]),
               (Document, ["original_name", "content_type", "sha256"]), (CalendarYear, ["source"]),
               (CalendarDay, ["name"]), (ContributionRate, ["note"]),
               (RegistrationApplication, ["name", "uscc"]),
               (User, ["email", "username"]),  # a username is what a security event's account is
               (CollectorFile, ["name"]), (CollectorRecord, ["payer_name", "reference_text"])]  # the collector's words
    for model, fields in columns:
        for row in model.objects.values_list(*fields):
            values.extend(str(v) for v in row if v)
    from statements.models import Statement
    from statements.snapshot import verification_code_display

    for code, checksum in Statement.objects.values_list("verification_code", "checksum"):
        values.extend([verification_code_display(code), checksum])
    return values


def walk_as(user: User) -> admin_walk.Walk:
    client = Client()
    client.force_login(user)
    # The deadline list itself first: the home page links to it once per rule with open items
    # (refunds' three among them), which would otherwise use up its two pages on filtered lists.
    return admin_walk.admin_walk(client, extra_urls=("/admin/agency/deadline/",), data_values=data_values(),
                                 max_per_view=2, language=ZH)


@pytest.mark.parametrize("who", ["clerk", "root"])
def test_every_admin_page_reads_in_chinese(demo_world, who):
    walk = walk_as(demo_world[who])
    opened = [url for url, status in walk.visited.items() if status == 200]
    # The walk really reached the pages it is meant to check, not only the index.
    for page in ("/admin/", "/admin/agency/deadline/", "/admin/insured/relationshipevent/",
                 "/admin/employers/registrationapplication/", "/admin/agency/document/"):
        assert page in opened, f"the walk did not open {page}"
    assert any("/change/" in url for url in opened) and any(url.endswith("/add/") for url in opened)
    assert len(opened) > 40
    assert not walk.findings, "untranslated text on admin pages:\n" + admin_walk.report(walk)


def test_a_clerk_sees_every_actor_by_name_on_every_admin_page(demo_world):
    """Declarations, events and employer files name who acted: a portal client by its employer and
    label, never "未知（client:...）" (the demo's other HR systems act through clients of their own)."""
    walk = walk_as(demo_world["clerk"])
    opened = [url for url, status in walk.visited.items() if status == 200]
    for page in ("/admin/contributions/declaration/", "/admin/insured/relationshipevent/"):
        assert page in opened, f"the walk did not open {page}"
    assert any("/file/" in url and "/employers/" in url for url in opened), "no employer file opened"
    unknown = [f for f in walk.findings if f.problem in ("actor not shown by name", "internal code")]
    assert not unknown, "actors not shown by name:\n" + "\n".join(f"{f.url}: {f.text}" for f in unknown)
    checker = admin_walk.PageChecker()
    found, _links = checker.findings("/admin/", "<p>未知（client:hr-system-10）</p>")
    assert "actor not shown by name" in {f.problem for f in found}  # the check itself can fail


def test_the_detector_finds_what_it_is_meant_to_find():
    """The checks of the walk on a hand-made page: an unmarked English word, a project string, an
    internal code and a date in another format are each reported; data and acronyms are not."""
    strings = admin_walk._english_phrases(admin_walk.project_strings())
    text, _links = admin_walk.page_text(
        "<html><head><title>减员</title><script>var English = 1;</script></head><body>"
        "<p>张三 leaves 上海公司 on 2026-11-23</p><p title='Created at'>事项</p><p>client:mP3pXk</p>"
        "<p>2026年11月9日</p><p>单位门户 API 客户端，0.1 KB，Acme Ltd</p></body></html>")
    assert "English" not in text  # script text is not read
    assert [w for w in admin_walk._leftover_words(text, ["Acme Ltd"])] == ["leaves", "Created", "client"]
    assert "Created at" in {m.group(0) for m in strings.finditer(text)}
    assert admin_walk._INTERNAL_CODE.search(text) and admin_walk._DATE_IN_OTHER_FORMAT.search(text)


def test_every_marked_string_has_a_compiled_chinese_translation():
    """Each string the code marks for translation has a msgstr in the .po, and the committed .mo
    says the same (compilemessages was run)."""
    import gettext as gettext_module

    from django.conf import settings

    catalogue = admin_walk.po_entries()
    # Branches append to the .po and git merges it by union: the same msgid twice breaks msgfmt.
    po_text = (settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text()
    # A msgid may stand twice under different contexts (msgctxt "action" for a verb's participle).
    defined = re.findall(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"\n((?:".*"\n)*)', po_text, re.M)
    keys = [(context, first + "".join(re.findall(r'"(.*)"', rest))) for context, first, rest in defined]
    assert not [k for k in set(keys) if k[1] and keys.count(k) > 1], "a msgid is defined twice in django.po"
    wanted = {s for s in admin_walk.marked_strings() | admin_walk.model_and_admin_strings()
              if any(c.isalpha() and c.isascii() for c in s)}
    with translation.override(ZH):  # Django's own msgids used in a project template translate by Django
        plurals = set(re.findall(r'^msgid_plural "(.*)"', po_text, re.M))  # translated with their singular
        missing = sorted(s for s in wanted if not catalogue.get(s) and gettext(s) == s and s not in plurals)
    assert not missing, f"no zh_Hans translation for: {missing}"
    compiled = gettext_module.translation("django", localedir=str(settings.BASE_DIR / "locale"), languages=["zh_Hans"])
    stale = sorted(s for s, t in catalogue.items() if compiled.gettext(s) != t and "\x04" not in s)
    assert not stale, f"django.mo is older than django.po (run compilemessages -l zh_Hans): {stale[:5]}"


# --- the display helpers the walk relies on ---------------------------------------------------

def test_actors_are_shown_by_name(demo_world):
    clerk = demo_world["clerk"]
    client = EmployerClient.objects.select_related("employer", "application").order_by("id").first()
    person_user = PersonLogin.objects.select_related("user").first().user
    with translation.override(ZH):
        assert actor_text(f"user:{clerk.pk}") == "王静" == user_text(clerk) == str(clerk)
        assert actor_text(f"client:{client.application.client_id}") == \
            f"{client.employer.name}（门户客户端：人事系统（演示））"
        assert actor_text(f"user:{person_user.pk}") == "本人"
        assert actor_text(f"applicant:{demo_world['application'].uscc}") == "申请单位 上海示例科技有限公司"
        assert actor_text("system") == "系统"
        assert actor_text("client:no-such-client") == "未知（client:no-such-client）"
    User.objects.filter(pk=clerk.pk).update(first_name="", last_name="")
    clerk.refresh_from_db()
    assert user_text(clerk) == "clerk"  # no name recorded: the username rather than nothing


def test_event_list_names_the_portal_and_the_clerk(demo_world):
    client = Client()
    client.force_login(demo_world["clerk"])
    page = client.get("/admin/insured/relationshipevent/", HTTP_ACCEPT_LANGUAGE=ZH).content.decode()
    portal = EmployerClient.objects.select_related("employer").order_by("id").first()
    assert f"{portal.employer.name}（门户客户端：人事系统（演示））" in page
    assert "王静" in page  # the clerk who confirmed the reduction
    assert "client:" not in page and "user:" not in page


def test_voucher_sizes_in_kilobytes_and_uploader_by_name(demo_world):
    client = Client()
    client.force_login(demo_world["clerk"])
    application = demo_world["application"]
    page = client.get(f"/admin/employers/registrationapplication/{application.pk}/change/",
                      HTTP_ACCEPT_LANGUAGE=ZH).content.decode()
    assert "0.1 KB" in page and "bytes" not in page and "字节" not in page
    assert "申请单位 上海示例科技有限公司" in page and "applicant:" not in page
    assert size_text(69) == "0.1 KB" and size_text(1536) == "1.5 KB" and size_text(5 * 1024 * 1024) == "5.0 MB"


def test_deadline_item_written_in_english_reads_in_the_readers_language(demo_world):
    region = Region.objects.get(code="310101")
    person = InsuredPerson.objects.filter(region=region).first()
    with translation.override("en"):  # filed over the API, whose requests run in English
        deadline = deadline_open(
            rule=StaffingRule.STAFF_REDUCTION_REVIEW, subject=person, region=region, starts_on=date(2026, 11, 2),
            label=person.name, text=message_data("%(person)s leaves %(employer)s on %(date)s", dates=("date",),
                                                 person=person.name, employer="上海公司", date=date(2026, 11, 23)))
    deadline.refresh_from_db()
    with translation.override(ZH):
        assert deadline.subject_text == f"{person.name} 于 2026-11-23 离开 上海公司"
        assert str(deadline).startswith("减员确认：") and f"（{date_text(deadline.due_on)} 到期）" in str(deadline)
    with translation.override("en"):
        assert deadline.subject_text == f"{person.name} leaves 上海公司 on Nov. 23, 2026"
    assert message_render(None, fallback="旧标签") == "旧标签"  # a row older than the template: its label


def test_migration_describes_deadlines_stored_as_english_sentences(demo_world):
    """Rows written before the template existed held an English sentence; the data migrations
    give them the template and parameters (run here again on rows made to look old)."""
    reduction = StaffReduction.objects.order_by("id").first()
    application = demo_world["application"]
    # Refund deadlines were described by their template from the start: no old rows to describe.
    Deadline.objects.exclude(rule__startswith="refund_").update(subject_text_data=None,
                                                                subject_label="old English sentence")
    importlib.import_module("insured.migrations.0007_deadline_texts").describe(django_apps, None)
    importlib.import_module("employers.migrations.0006_deadline_texts").describe(django_apps, None)
    # Suspensions and transfers (issue 14) never stored an English sentence: no migration describes them.
    later = [TransferRule.SUSPENSION_REVIEW, TransferRule.TRANSFER_ACCEPTANCE, TransferRule.TRANSFER_OUT,
             TransferRule.TRANSFER_COMPLETION]
    assert not Deadline.objects.filter(subject_text_data__isnull=True).exclude(rule__in=later).exists()
    with translation.override(ZH):
        by_reduction = Deadline.objects.filter(subject_id=reduction.pk, rule=StaffingRule.STAFF_REDUCTION_REVIEW)
        assert "离开" in by_reduction.first().subject_text
        registration = Deadline.objects.get(subject_id=application.pk, rule=RegistrationRule.REGISTRATION_REVIEW)
        assert registration.subject_text == f"新参保登记：上海示例科技有限公司（{application.uscc}）"
        assert registration.subject_label == f"上海示例科技有限公司 {application.uscc}"


def test_what_a_clerk_reads_after_acting_is_chinese(demo_world):
    """Pages only a POST shows (an action's reason form, the messages after a decision, the secret
    of a newly issued portal client) pass the same checks as the walked pages."""
    client = Client(HTTP_ACCEPT_LANGUAGE=ZH)
    client.force_login(demo_world["clerk"])
    checker = admin_walk.PageChecker(data_values())
    pending = list(StaffReduction.objects.filter(state="pending").values_list("pk", flat=True))
    employer = Employer.objects.filter(region__code="310101", registration_status="registered").first()
    pages = {
        "reject form": client.post("/admin/insured/staffreduction/",
                                   {"action": "reject_selected", "_selected_action": pending[:1]}),
        "confirmed": client.post("/admin/insured/staffreduction/",
                                 {"action": "confirm_selected", "_selected_action": pending}, follow=True),
        "approved": client.post(f"/admin/employers/registrationapplication/{demo_world['application'].pk}/decide/",
                                {"decision": "approve", "decision_reason": ""}, follow=True),
        "issue form": client.post("/admin/employers/employer/",
                                  {"action": "issue_client", "_selected_action": [employer.pk]}, follow=True),
        "client issued": client.post("/admin/employers/employerclient/add/",
                                     {"employer": employer.pk, "label": "王静 签发", "scopes": "read"}, follow=True),
    }
    findings = []
    for name, response in pages.items():
        assert response.status_code == 200, name
        # The new client's id and one-time secret are random letters and digits, not English.
        html = re.sub(r"(client_id|client_secret) [^\s，,]+", r"\1 ", response.content.decode())
        found, _links = checker.findings(response.request["PATH_INFO"], html)
        # The messages hold what the clerk needs and nothing in English.
        findings += [f"{name}: {f.problem} {f.text!r}" for f in found]
    assert "已确认" in pages["confirmed"].content.decode()
    assert "已批准" in pages["approved"].content.decode()
    assert "只读" in pages["issue form"].content.decode()  # the scopes to choose from
    assert EmployerClient.objects.filter(employer=employer, label="王静 签发", scopes="read").exists()
    assert not findings, findings
