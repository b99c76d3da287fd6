"""Demo logins for a clerk, a supervisor, an insured person and an employer's portal client.

Idempotent: run it as often as you like (`make demo` / `make run` do). No superuser is created.
The passwords are fixed, documented demo values; never run this against a production database.

    clerk / clerk-demo-2026                  groups "clerk" and "reviewer", office of region 310101
    supervisor / supervisor-demo-2026        group "supervisor", same office
    <document number> / person-demo-2026     the first insured person of region 310101
    client demo-portal / demo-portal-secret  OAuth client of the first registered employer of region 310101
    client demo-portal-2 / demo-portal-2-secret  the same for the second one
    app demo-person-app                      a persons' app (public client, PKCE), redirect https://shebao.example.cn/callback
    clerk and supervisor get a TOTP device with a fixed demo key; `demo_accounts --code clerk` prints its code
"""

from __future__ import annotations

import io
import os
import shlex
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import Application

from agency.models import ClerkProfile, Office
from common.access import Viewer, viewer_for_user
from common.spreadsheet import csv_writer
from demo import data as demo_data
from demo import money as demo_money
from demo.activity import demo_activity_ensure
from demo.money import demo_money_ensure
from demo.notices import demo_alerted_person, demo_flexible_person, demo_notices_ensure
from demo.pensions import demo_retiring_ensure, demo_retiring_person
from demo.refunds import demo_refunds_ensure
from demo.statements import demo_statements_ensure
from demo.transfers import demo_transfer_person, demo_transfers_ensure
from employers.models import Employer, EmployerClient, RegistrationStatus
from employers.services.clients import employer_client_issue
from insured.models import InsuredPerson, PersonLogin
from insured.services.apps import person_app_register

DEMO_REGION = "310101"
# The demo clerk also reviews, so one login walks a registration from the counter to approval.
# username, password, groups, e-mail, full name (shown wherever the clerk acted; see common.display)
CLERK = ("clerk", "clerk-demo-2026", ("clerk", "reviewer"), "clerk@example.com", "王静")
SUPERVISOR = ("supervisor", "supervisor-demo-2026", ("supervisor",), "supervisor@example.com", "李强")
PERSON_PASSWORD = "person-demo-2026"
CLIENT_ID = "demo-portal"
CLIENT_SECRET = "demo-portal-secret"
# Two employers of one region, so the README's path (reduce staff here, add again there) runs by curl.
PORTALS = [(CLIENT_ID, CLIENT_SECRET), ("demo-portal-2", "demo-portal-2-secret")]
CLIENT_LABEL = "人事系统（演示）"
# A persons' app (OAuth authorization code with PKCE): the README's walk signs the demo person in with it.
PERSON_APP_ID = "demo-person-app"
PERSON_APP_NAME = "社保查询（演示应用）"
PERSON_APP_REDIRECT = "https://shebao.example.cn/callback"


def person_app_ensure() -> None:
    """The demo's persons' app, registered once (as the system: no superuser exists in the demo)."""
    if not Application.objects.filter(client_id=PERSON_APP_ID).exists():
        person_app_register(name=PERSON_APP_NAME, redirect_uris=[PERSON_APP_REDIRECT], client_id=PERSON_APP_ID,
                            actor=Viewer.system())


def base_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"


def token_curl(base: str) -> str:
    """A shell one-liner: get a client-credentials token, then read the employer's own profile."""
    extract = shlex.quote('import json,sys; print(json.load(sys.stdin)["access_token"])')
    return (f'TOKEN=$(curl -s -X POST {base}/o/token/ -d grant_type=client_credentials -d client_id={CLIENT_ID} '
            f'-d client_secret={CLIENT_SECRET} -d scope="read write" | python3 -c {extract}) '
            f'&& curl -s -H "Authorization: Bearer $TOKEN" {base}/api/v1/employer; echo')


def user_ensure(username: str, password: str, *, is_staff: bool, email: str = "") -> User:
    user, created = User.objects.get_or_create(username=username,
                                               defaults={"is_staff": is_staff, "email": email})
    changed = created
    for field, value in (("is_staff", is_staff), ("is_superuser", False), ("is_active", True)):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    if email and not user.email:
        user.email = email
        changed = True
    if created or not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    return user


def staff_ensure(spec, office: Office) -> User:
    username, password, groups, email, full_name = spec
    user = user_ensure(username, password, is_staff=True, email=email)
    if not (user.first_name or user.last_name):
        user.first_name = full_name  # one name field, as Chinese names are written
        user.save(update_fields=["first_name"])
    ClerkProfile.objects.update_or_create(user=user, defaults={"office": office})
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def person_login_ensure(person: InsuredPerson) -> User:
    login = PersonLogin.objects.filter(person=person).select_related("user").first()
    if login is not None:
        return user_ensure(login.user.username, PERSON_PASSWORD, is_staff=False)
    user = user_ensure(person.document_number, PERSON_PASSWORD, is_staff=False)
    # The user may still point at a person of an earlier, replaced data set.
    PersonLogin.objects.update_or_create(user=user, defaults={"person": person})
    return user


def portal_client_ensure(client_id, secret, registered, n, issued_by, notes) -> Employer | None:
    """The n-th registered employer of the demo region gets the client, unless the client exists."""
    application = Application.objects.filter(client_id=client_id).first()
    if application is not None:
        client = getattr(application, "employer_client", None)
        if client is None or client.revoked_at is not None:
            notes.append(f"Client {client_id} exists but is revoked or belongs to no employer.")
        if not (application.hash_client_secret and check_password(secret, application.client_secret)) \
                and application.client_secret != secret:
            notes.append(f"Client {client_id} exists with a secret other than the demo secret.")
        return client.employer if client else None
    employer = registered[n] if registered.count() > n else None
    if employer is None:
        notes.append("Not enough registered employers in region 310101: run `manage.py seed_demo` first.")
        return None
    client, _secret = employer_client_issue(employer=employer, actor=viewer_for_user(issued_by), label=CLIENT_LABEL,
                                            client_secret=secret, client_id=client_id)  # fixed: the printed commands work
    return employer


# The demo staff's TOTP keys (hex, as django-otp stores them): fixed, documented demo values, so the
# README can show the enrolment; a real clerk's device is added by an administrator (README "Security").
DEMO_TOTP_KEYS = {"clerk": "3132333435363738393031323334353637383930",
                  "supervisor": "3938373635343332313039383736353433323130"}


def demo_totp_ensure(user: User) -> TOTPDevice:
    key = DEMO_TOTP_KEYS[user.username]
    device, _ = TOTPDevice.objects.update_or_create(user=user, name="demo authenticator",
                                                    defaults={"key": key, "confirmed": True})
    return device


def demo_totp_code(username: str) -> str:
    """The code an authenticator app enrolled with the demo key shows now (the demo key only)."""
    generator = TOTP(bytes.fromhex(DEMO_TOTP_KEYS[username]))
    return f"{generator.token():06d}"


class Command(BaseCommand):
    help = "Create or refresh the demo logins (clerk, supervisor, person, portal client) and print them."

    def add_arguments(self, parser):
        parser.add_argument("--code", choices=sorted(DEMO_TOTP_KEYS), metavar="USERNAME",
                            help="print the current authenticator code of the demo clerk or supervisor and exit")
        parser.add_argument("--roll", choices=[c for c, _ in PORTALS], metavar="CLIENT_ID",
                            help="print, as the CSV a declaration takes, the roll of the demo portal's employer "
                                 "(what its HR system would hold: full document numbers, the wages) and exit")
        parser.add_argument("--person", nargs="?", const="demo", choices=["demo", "moved", "alerted", "flexible", "retiring"],
                            help="print the login (document number) of the demo person, or of the moved person "
                                 "(`--person moved`; `alerted`, `flexible`, `retiring`: the man at his retirement "
                                 "month), and exit: what the README's examples log in with")
        parser.add_argument("--period", metavar="YYYY-MM",
                            help="with --roll: the month (default: the latest month whose payment day is past)")

    def roll_csv(self, client_id: str, period: str | None) -> str:
        client = EmployerClient.objects.filter(application__client_id=client_id).select_related("employer").first()
        if client is None:
            raise CommandError(f"No client {client_id}: run demo_accounts first.")
        employer = client.employer
        if period:
            try:
                month = date.fromisoformat(f"{period}-01")
            except ValueError:
                raise CommandError("Give the period as YYYY-MM.") from None
        else:
            month = demo_money.latest_month(timezone.localdate(), employer.region_id)
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow(["document_number", "wage"])
        writer.writerows(sorted(demo_money.roll_wages(employer, month).items()))
        return out.getvalue()

    def handle(self, *args, **options):
        if options.get("code"):
            self.stdout.write(demo_totp_code(options["code"]))
            return
        if options.get("roll"):
            self.stdout.write(self.roll_csv(options["roll"], options.get("period")), ending="")
            return
        if options.get("person"):
            person = {"moved": demo_transfer_person, "alerted": demo_alerted_person,
                      "flexible": demo_flexible_person, "retiring": demo_retiring_person}.get(
                options["person"], lambda: InsuredPerson.objects.filter(region__code=DEMO_REGION).order_by("id").first())()
            if person is None or not PersonLogin.objects.filter(person=person).exists():
                raise CommandError("No demo person yet: run `make run` (or demo_accounts) first.")
            self.stdout.write(person.document_number)
            return
        notes: list[str] = []
        with transaction.atomic():
            demo_data.regions_ensure(timezone.localdate())
            office = Office.objects.filter(region__code=DEMO_REGION).order_by("id").first()
            clerk = staff_ensure(CLERK, office)
            supervisor = staff_ensure(SUPERVISOR, office)
            devices = {user.username: demo_totp_ensure(user) for user in (clerk, supervisor)}

            person = InsuredPerson.objects.filter(region__code=DEMO_REGION).order_by("id").first()
            person_user = person_login_ensure(person) if person else None
            if person is None:
                notes.append("No insured person in region 310101 yet: run `manage.py seed_demo` first.")

            registered = (Employer.objects.filter(region__code=DEMO_REGION,
                                                  registration_status=RegistrationStatus.REGISTERED)
                          .order_by("id"))
            portals = []  # (client_id, secret, employer or None)
            for n, (client_id, secret) in enumerate(PORTALS):
                employer = portal_client_ensure(client_id, secret, registered, n, supervisor, notes)
                portals.append((client_id, secret, employer))
            activity = demo_activity_ensure(
                region=office.region, employers=[e for _, _, e in portals if e is not None], clerk_user=clerk,
                client_ids=[c for c, _, e in portals if e is not None], demo_person=person,
                today=timezone.localdate())
            if activity:
                notes.append(activity)
            money = demo_money_ensure(
                region=office.region, portal_employers=[e for _, _, e in portals if e is not None],
                client_ids=[c for c, _, e in portals if e is not None], demo_person=person,
                today=timezone.localdate())
            if money:
                notes.append(money)
            moved = demo_transfers_ensure(today=timezone.localdate())
            if moved:
                notes.append(moved)
            mover = demo_transfer_person()
            mover_user = person_login_ensure(mover) if mover else None
            person_app_ensure()
            refunds = demo_refunds_ensure(region=office.region, clerk_user=clerk, supervisor_user=supervisor)
            if refunds:
                notes.append(refunds)
        # The retiring man paid last year too: he is made before last year's statements and the notices.
        retiring_note = demo_retiring_ensure(today=timezone.localdate())
        if retiring_note:
            notes.append(retiring_note)
        statements = demo_statements_ensure(today=timezone.localdate())
        if statements:
            notes.append(statements)
        notices = demo_notices_ensure(today=timezone.localdate())
        if notices:
            notes.append(notices)
        with transaction.atomic():  # the README's walks sign in as these (issues 27 and 28)
            alerted, flexible, retiring = demo_alerted_person(), demo_flexible_person(), demo_retiring_person()
            alerted_user = person_login_ensure(alerted) if alerted else None
            flexible_user = person_login_ensure(flexible) if flexible else None
            retiring_user = person_login_ensure(retiring) if retiring else None

        base = base_url()
        out = self.stdout.write
        out("Demo accounts (fixed demo passwords; never use them on a real system):")
        out(f"  admin            {base}/admin/")
        out(f"  API docs         {base}/api/docs/")
        out(f"  clerk            {clerk.username} / {CLERK[1]}  (groups clerk and reviewer, {office.name}, region {DEMO_REGION})")
        out(f"  supervisor       {supervisor.username} / {SUPERVISOR[1]}  (group supervisor, same office)")
        if devices:
            required = "asks" if settings.STAFF_OTP_REQUIRED else "would ask (DJANGO_DEBUG is on)"
            out(f"  the admin also {required} for an authenticator code (TOTP). Enrol the demo keys in an app with")
            for username, device in devices.items():
                out(f"    {username}: {device.config_url}")
            out("    or print the current code: make totp   (make totp WHO=supervisor)")
        if person_user is not None:
            out(f"  insured person   {person_user.username} / {PERSON_PASSWORD}  ({person.name}); "
                f"log in at {base}/accounts/login/ then GET {base}/api/v1/me")
        if mover_user is not None:
            out(f"  moved person     {mover_user.username} / {PERSON_PASSWORD}  ({mover.name}, transferred from "
                f"110105); GET {base}/api/v1/me/transfers")
        if alerted_user is not None:
            out(f"  alerted person   {alerted_user.username} / {PERSON_PASSWORD}  ({alerted.name}, a month their "
                f"employer did not declare); GET {base}/api/v1/me/alerts, or /me/notices/")
        if flexible_user is not None:
            out(f"  flexible worker  {flexible_user.username} / {PERSON_PASSWORD}  ({flexible.name}, on no employer's "
                f"roll: may enrol at {base}/me/flexible/)")
        if retiring_user is not None:
            out(f"  retiring person  {retiring_user.username} / {PERSON_PASSWORD}  ({retiring.name}, at the retirement "
                f"month: `manage.py pension_determine`, then GET {base}/api/v1/me/pension-determination)")
        for client_id, secret, employer in portals:
            if employer is not None:
                out(f"  portal client    {client_id} / {secret}  ({employer.name}, USCC {employer.uscc})")
        if portals and portals[0][2] is not None:
            out("  token and the employer's own profile:")
            out(f"    {token_curl(base)}")
        out(f"  persons' app     {PERSON_APP_ID}  (authorization code with PKCE S256, redirect {PERSON_APP_REDIRECT}; "
            f"README: \"A person's app\")")
        for note in notes:
            out(f"  note: {note}")
