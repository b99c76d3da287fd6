"""The determination at retirement (待遇核定, issue 27 items 5 and 6).

A clerk of the person's region opens it from the retirement month on: the person's records must be in
one region (no open temporary account, no relationship left in another region: the regions to
consolidate first are named), the months counted must reach the minimum (else the refund path), and
every parameter of the formula must be entered (never guessed). The account's interest is credited up
to the retirement month, and the parts are computed by the estimate's formula (pensions.formula) with
their inputs. A second clerk approves (four eyes): the account is closed into the pension by a payout
entry, each relationship in the region moves to "receiving a pension" (insured.relationships), the
deadline is closed and the person gets the decision letter by their channel.

Where the retirement year's benefit base is not published yet, the latest earlier year's is used and
the determination is marked provisional; once it is published, the job (`determinations_redetermine`)
records a redetermination with the difference owed: a new row, never an update of the first.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AccountEntry, EntryKind, PensionAccount
from accounts.postings import account_interest_until, entries_post
from agency.deadlines import deadline_close, today_in_shanghai
from common.access import Viewer
from common.identifiers import mask_document
from common.outbox import Carriers, OutboxKind, outbox_send_after_commit
from common.problems import Conflict
from common.services import STAFF, SYSTEM, Machine, Step, entry, row_lock, transition
from insured.models import ENDED_STATES, InsuranceRelationship, InsuredPerson, OriginalRetirementAge, StatementDelivery
from insured.relationships import relationship_move
from pensions import events, formula, selectors
from pensions.documents import determination_letter_pdf
from pensions.estimate import determination_scenario, month_add, months_between
from pensions.models import (
    BenefitParameter,
    Determination,
    DeterminationKind,
    DeterminationLetter,
    DeterminationState,
)
from pensions.problems import refused
from pensions.terms import PensionRule
from refunds.retirement import person_retirement_category, retirement_age
from transfers.models import TemporaryAccount

OPEN_PERMISSION = "pensions.add_determination"
APPROVE_PERMISSION = "pensions.approve_determination"
ZERO = Decimal("0.00")

S = DeterminationState
DETERMINATION = Machine(gettext_lazy("pension determination"), {
    S.PROPOSED: {"approve": Step(S.APPROVED, events.determination_approved)},
}, states=DeterminationState, actions={"approve": gettext_lazy("approved")})


def statutory_month(person: InsuredPerson) -> date:
    category = person_retirement_category(person)
    if not category:
        raise Conflict(_("The person's original retirement-age category is not recorded: the determination needs "
                         "it."), type_slug="pension-category-missing")
    return retirement_age(person.birth_date, category).month


def regions_to_consolidate(person: InsuredPerson) -> list[dict]:
    """The other regions holding the person's records: open temporary accounts, relationships not ended."""
    found: dict[int, dict] = {}
    for account in TemporaryAccount.objects.filter(person=person, closed_on__isnull=True).select_related("region"):
        found.setdefault(account.region_id, {"code": account.region.code, "name": account.region.name,
                                             "why": "temporary_account"})
    for rel in (InsuranceRelationship.objects.filter(person=person).exclude(state__in=ENDED_STATES)
                .exclude(region_id=person.region_id).select_related("region")):
        found.setdefault(rel.region_id, {"code": rel.region.code, "name": rel.region.name, "why": "relationship"})
    return sorted(found.values(), key=lambda r: r["code"])


def _benefit_for(region_id: int, month: date, params: selectors.PointParameters):
    """The benefit base of the retirement year, else the latest earlier year's in force (provisional)."""
    if params.benefit is not None:
        return params, False
    earlier = max(BenefitParameter.objects.effective_on(month).filter(region_id=region_id, year__lt=month.year),
                  key=lambda r: r.year, default=None)
    if earlier is None:
        return params, False
    return dataclasses.replace(params, benefit=earlier), True


def _parts_json(scenario) -> list[dict]:
    return [{"key": p.key, "label": str(p.label), "amount": f"{p.amount:.2f}",
             "inputs": [{"key": i.key, "label": str(i.label), "value": i.value, "source": str(i.source),
                         "published_on": i.published_on.isoformat() if i.published_on else None}
                        for i in p.inputs]}
            for p in scenario.parts]


def _input(scenario, part: str, key: str) -> str | None:
    found = next((p for p in scenario.parts if p.key == part), None)
    return next((i.value for i in found.inputs if i.key == key), None) if found else None


def determination_open(*, person: InsuredPerson, actor: Viewer) -> Determination:
    """Propose the person's pension at the statutory retirement month: itemised, for a second clerk."""
    person = row_lock(InsuredPerson.objects.all(), person.pk, actor=actor, related=("region",),
                      missing=_("No such person in your region."))
    month = statutory_month(person)
    today = today_in_shanghai()
    if today.replace(day=1) < month:
        raise refused("pension-before-retirement",
                      _("The person reaches the retirement month %(month)s: no determination before it.")
                      % {"month": f"{month:%Y-%m}"}, rule="2024 decision on the statutory retirement age",
                      retirement_month=f"{month:%Y-%m}")
    if Determination.objects.filter(person=person, kind=DeterminationKind.INITIAL).exists():
        raise refused("pension-already-determined", _("This person's pension is already determined."),
                      rule="decided once")
    regions = regions_to_consolidate(person)
    if regions:
        raise refused("pension-consolidate-first",
                      _("Consolidate the person's records first: %(regions)s.")
                      % {"regions": "、".join(f"{r['name']}（{r['code']}）" for r in regions)},
                      rule="State Council General Office 2009 No. 66", regions=regions)
    account = PensionAccount.objects.select_for_update().filter(person=person).first()
    if account is not None and account.closed_on is None:
        account_interest_until(account=account, month=month, actor=actor)
    params = selectors.parameters_at(region_id=person.region_id, months=[month])[month]
    params, provisional = _benefit_for(person.region_id, month, params)
    with translation.override("zh-hans"):  # the determination is an official record, kept in Chinese
        scenario, age = determination_scenario(person, month=month, as_of=today, params=params)
        parts = _parts_json(scenario) if scenario.eligible and scenario.total is not None else []
    if not scenario.eligible:
        raise refused("pension-below-minimum",
                      _("%(counted)s months counted, %(minimum)s needed: no monthly pension. The person may keep "
                        "paying, or apply for the lump-sum refund of the individual account.")
                      % {"counted": scenario.months_counted, "minimum": scenario.minimum_months},
                      rule="Social Insurance Law Art. 16; Order No. 13 of 2011",
                      months_counted=scenario.months_counted, minimum_months=scenario.minimum_months,
                      refund="/api/v1/me/refunds")
    if scenario.total is None:
        raise refused("pension-parameter-missing", _("A figure of the formula is missing: %(what)s")
                      % {"what": " ".join(m.text for m in scenario.missing)}, rule="State Council 2005 No. 38",
                      missing=[{"key": m.key, "text": m.text} for m in scenario.missing])
    benefit = params.benefit
    supplements = next(p.amount for p in scenario.parts if p.key == "supplements")
    row = Determination.objects.create(
        person=person, region=person.region, kind=DeterminationKind.INITIAL, retirement_month=month,
        age_years=age[0], age_months=age[1], benefit=benefit, provisional=provisional,
        months_paid=scenario.months_paid, months_deemed=scenario.months_deemed, index=scenario.index,
        balance=selectors.account_balance(person_id=person.pk), divisor=Decimal(_input(scenario, "account", "divisor")),
        transitional_percent=benefit.transitional_percent if scenario.months_deemed else None,
        supplements=supplements, parts=parts, total=scenario.total, proposed_by_id=actor.user_id,
        proposed_by_label=actor.label()[:100])
    events.determination_proposed(row, actor=actor)
    return row


determination_open = entry(determination_open, callers=STAFF, permission=OPEN_PERMISSION,
                           refusal=gettext_lazy("Your group may not determine pensions."))


def determination_approve(*, determination: Determination, actor: Viewer) -> Determination:
    """The second clerk's approval: the account is closed into the pension, the relationship receives a
    pension, the person gets the letter. Never by the proposer; two approvers approve once."""
    row = row_lock(Determination.objects.all(), determination.pk, actor=actor,
                   missing=_("No such determination in your region."))
    DETERMINATION.step(row.state, "approve")
    if actor.user_id is None or actor.user_id == row.proposed_by_id:
        raise refused("pension-four-eyes", _("You proposed this determination; another clerk must approve it."),
                      rule="four eyes", status=403)
    today = today_in_shanghai()
    account = PensionAccount.objects.select_for_update().filter(person_id=row.person_id).first()
    if account is not None:
        if account.balance != row.balance:
            raise Conflict(_("The account moved since the proposal (%(then)s, now %(now)s); determine again.")
                           % {"then": row.balance, "now": account.balance}, type_slug="conflict")
        if account.balance:
            entries_post([AccountEntry(account=account, kind=EntryKind.PAYOUT, amount=-account.balance, posted_on=today,
                                       cause_type="pension", cause_id=row.pk, source_key=f"pension:{row.pk}",
                                       actor=actor.label(), actor_user_id=actor.user_id,
                                       note=_("closed into the pension")[:300])])
        account.closed_on = today
        account.save(update_fields=["closed_on"])
    moved = []
    for relationship in (InsuranceRelationship.objects.select_for_update(of=("self",)).select_related("region", "person")
                         .filter(person_id=row.person_id, region_id=row.region_id)
                         .exclude(state__in=ENDED_STATES).exclude(state="pension")):
        relationship_move(relationship, "retire", on=max(today, row.retirement_month), actor=actor, channel="admin",
                          note="pension determined", details={"determination_id": row.pk, "total": str(row.total)})
        moved.append(relationship.pk)
    person = row.person
    row.approved_by_id, row.approved_at = actor.user_id, timezone.now()
    row.letter_channel = _channel(person)
    transition(DETERMINATION, row, "approve", actor=actor, fields=["approved_by", "approved_at", "letter_channel"],
               account=account.pk if account else None, relationships=moved)
    deadline_close(subject=person, rule=PensionRule.DETERMINATION)
    _letter_after_commit(row, actor=actor)
    return row


determination_approve = entry(determination_approve, callers=STAFF, permission=APPROVE_PERMISSION,
                              refusal=gettext_lazy("Your group may not approve pension determinations."))


# --- the letter --------------------------------------------------------------------------------------

def _channel(person: InsuredPerson) -> str:
    if person.statement_delivery == StatementDelivery.EMAIL and person.email:
        return StatementDelivery.EMAIL
    if person.statement_delivery == StatementDelivery.POST and person.postal_address:
        return StatementDelivery.POST
    return StatementDelivery.ONLINE


def letter_path(row: Determination) -> Path:
    return Path(settings.MEDIA_ROOT) / "pensions" / "letters" / f"determination-{row.pk}.pdf"


def _letter_after_commit(row: Determination, *, actor: Viewer) -> None:
    """The letter by e-mail or post is a row of the one outbox (common/outbox.py), written with the
    decision and sent after the commit by a task; its event `letter` is written when it was sent, once
    (`_letters_sent`). A refused e-mail is retried with backoff by beat (`outboxes-retry`). Online, the
    letter is published with the decision (GET /api/v1/me/pension-determination/pdf): its event now."""
    if row.letter_channel == StatementDelivery.ONLINE:
        events.determination_letter_sent(row, actor=actor, channel=row.letter_channel)
        return
    DeterminationLetter.objects.create(determination=row, region_id=row.region_id, channel=row.letter_channel)
    outbox_send_after_commit(LETTERS)


def _letter_send(letter: DeterminationLetter, carriers: Carriers) -> None:
    """Hand one letter over: to the mail server with its PDF, or to the print shop's folder (a refusal raises)."""
    row = letter.determination
    data = determination_letter_pdf(row)
    person = row.person
    if letter.channel == StatementDelivery.EMAIL:
        message = EmailMessage(
            subject="基本养老保险待遇核定通知书",
            body=f"{person.name}（{mask_document(person.document_number)}）您好：\n您的基本养老金已核定，"
                 f"自{row.retirement_month:%Y年%m月}起每月{row.total:,.2f}元。核定通知书见附件。",
            to=[person.email], connection=carriers.mail(),
            headers={"Message-ID": f"<pension-determination-{row.pk}@{settings.STATEMENT_MAIL_DOMAIN}>"})
        message.attach(f"determination-{row.pk}.pdf", data, "application/pdf")
        message.send()
    else:
        path = letter_path(row)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _letters_sent(ids: list[int]) -> None:
    """In the transaction that records them sent: each letter's event, once."""
    for letter in (DeterminationLetter.objects.filter(pk__in=ids).select_related("determination")
                   .order_by("pk")):
        events.determination_letter_sent(letter.determination, actor=Viewer.system(), channel=letter.channel)


LETTERS = "pensions.letters"
LETTER_OUTBOX = OutboxKind(LETTERS, DeterminationLetter, send=_letter_send, on_sent=_letters_sent,
                           chunk=lambda: 1,  # a killed sender leaves at most one letter uncertain
                           related=("determination__person", "determination__region", "determination__benefit"))


# --- the redetermination on the published base ----------------------------------------------------------

def determination_redetermine(*, determination_id: int, actor: Viewer) -> Determination | None:
    """Redetermine a provisional determination on the retirement year's benefit base once it is
    published: a new row with the difference owed for the months already paid (the retirement month up to
    this month). None when there is nothing to do (not provisional, no base yet, done before)."""
    previous = (Determination.objects.select_for_update().select_related("person", "region", "benefit")
                .filter(pk=determination_id, state=S.APPROVED).first())
    if previous is None or not previous.provisional or previous.corrections.exists():
        return None
    month = previous.retirement_month
    benefit = (BenefitParameter.objects.effective_on(today_in_shanghai())
               .filter(region_id=previous.region_id, year=month.year).first())
    if benefit is None:
        return None
    percent = benefit.transitional_percent if previous.months_deemed else None
    if previous.months_deemed and percent is None:
        return None  # the coefficient is not published with the base: wait for it
    counted = previous.months_paid + previous.months_deemed
    amounts = {"basic": formula.basic_part(benefit_base=benefit.benefit_base, index=previous.index, months=counted),
               "account": formula.account_part(balance=previous.balance, divisor=previous.divisor),
               "transitional": (formula.transitional_part(benefit_base=benefit.benefit_base, index=previous.index,
                                                          deemed_months=previous.months_deemed, percent=percent)
                                if previous.months_deemed else ZERO),
               "supplements": previous.supplements}
    parts = []
    with translation.override("zh-hans"):
        for part in previous.parts:
            inputs = [dict(i) for i in part["inputs"]]
            for i in inputs:
                if i["key"] == "benefit_base":
                    i.update(value=f"{benefit.benefit_base:.2f}", source=benefit.source,
                             published_on=benefit.published_on.isoformat())
                if i["key"] == "transitional_percent" and percent is not None:
                    i.update(value=f"{percent}", source=benefit.source, published_on=benefit.published_on.isoformat())
            parts.append({**part, "amount": f"{amounts[part['key']]:.2f}", "inputs": inputs})
    total = sum(amounts.values(), ZERO)
    months_owed = max(months_between(month, today_in_shanghai()) + 1, 0)
    difference = total - previous.total
    try:
        with transaction.atomic():
            row = Determination.objects.create(
                person=previous.person, region=previous.region, kind=DeterminationKind.REDETERMINATION,
                state=S.APPROVED, previous=previous, retirement_month=month, age_years=previous.age_years,
                age_months=previous.age_months, benefit=benefit, provisional=False, months_paid=previous.months_paid,
                months_deemed=previous.months_deemed, index=previous.index, balance=previous.balance,
                divisor=previous.divisor, transitional_percent=percent, supplements=previous.supplements,
                parts=parts, total=total, difference=difference, months_owed=months_owed,
                amount_owed=difference * months_owed, proposed_by_label=actor.label()[:100],
                approved_at=timezone.now(), letter_channel=_channel(previous.person))
    except IntegrityError:  # another worker recorded it in the same moment
        return None
    events.determination_redetermined(row, actor=actor)
    _letter_after_commit(row, actor=actor)
    return row


determination_redetermine = entry(determination_redetermine, callers=SYSTEM)


def provisional_awaiting() -> list[int]:
    """Approved provisional determinations not yet redetermined whose region has now published the
    retirement year's base: what the job does next (the database knows what is done)."""
    published = BenefitParameter.objects.effective_on(today_in_shanghai())
    ids = []
    for row in (Determination.objects.filter(state=S.APPROVED, provisional=True, corrections__isnull=True)
                .only("pk", "region_id", "retirement_month").order_by("pk")):
        if published.filter(region_id=row.region_id, year=row.retirement_month.year).exists():
            ids.append(row.pk)
    return ids


# --- those due next month: the workbench's items ----------------------------------------------------------

def birth_months_retiring_in(month: date) -> dict[str, list[date]]:
    """Per original-age category, the birth months whose statutory retirement month is `month`."""
    from refunds.retirement import AGE_RULES

    found: dict[str, list[date]] = {}
    for category, rule in AGE_RULES.items():
        ages = range(rule.original_years * 12, rule.original_years * 12 + rule.max_delay_months + 1)
        found[category] = sorted({born for born in (month_add(month, -n) for n in ages)
                                  if retirement_age(born, category).month == month})
    return found


def determinations_due_open(*, month: date | None = None, actor: Viewer) -> int:
    """Open the determination's deadline for every person whose retirement month is `month` (next month by
    default) and who has neither a determination nor an open deadline: the workbench lists them. Run again,
    it opens nothing twice (the database knows who has one)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q
    from django.utils.translation import gettext_noop

    from agency.deadlines import deadline_open
    from agency.models import Deadline, DeadlineState
    from common.display import message_data

    month = (month or month_add(today_in_shanghai().replace(day=1), 1)).replace(day=1)
    births = birth_months_retiring_in(month)
    match = Q(pk__in=[])
    for category, months in births.items():
        if not months:
            continue
        born = Q(birth_date__gte=months[0], birth_date__lt=month_add(months[-1], 1))
        if category == OriginalRetirementAge.MEN_60:
            match |= born & (Q(original_retirement_age=category) | Q(original_retirement_age="", sex="M"))
        else:
            match |= born & Q(original_retirement_age=category)
    person_type = ContentType.objects.get_for_model(InsuredPerson)
    waiting = Deadline.objects.filter(subject_type=person_type, rule=PensionRule.DETERMINATION,
                                      state=DeadlineState.OPEN).values("subject_id")
    opened = 0
    for person in (InsuredPerson.objects.filter(match).exclude(pk__in=waiting)
                   .exclude(pension_determinations__kind=DeterminationKind.INITIAL)
                   .select_related("region").order_by("pk").iterator(chunk_size=500)):
        if statutory_month(person) != month:  # the birth-month window spans whole months: check the day too
            continue
        deadline_open(rule=PensionRule.DETERMINATION, subject=person, region=person.region, starts_on=today_in_shanghai(),
                      label=f"{person.name} {mask_document(person.document_number)}",
                      text=message_data(gettext_noop("pension determination of %(person)s, retiring %(month)s"),
                                        person=f"{person.name} ({mask_document(person.document_number)})",
                                        month=f"{month:%Y-%m}"))
        opened += 1
    return opened


determinations_due_open = entry(determinations_due_open, callers=SYSTEM)


__all__ = ["DETERMINATION", "determination_approve", "determination_open", "determination_redetermine",
           "determinations_due_open",
           "month_add", "provisional_awaiting", "regions_to_consolidate", "statutory_month"]
