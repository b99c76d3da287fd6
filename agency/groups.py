"""The clerks' groups and their permissions, kept in step after every migrate."""

from __future__ import annotations

VIEW_ALL = [
    "agency.view_region", "agency.view_office", "agency.view_contributionrate", "agency.view_averagewage",
    "agency.view_interestrate", "agency.view_calendaryear", "agency.view_calendarday", "agency.view_deadline",
    "employers.view_employer", "employers.view_employerclient", "insured.view_insuredperson",
    "insured.view_staffreduction", "insured.view_relationshipevent", "insured.view_employment",
    "insured.view_insurancerelationship",
    "employers.view_registrationapplication", "agency.view_document",
    "contributions.view_payment", "contributions.view_allocation", "contributions.view_charge",
    "contributions.view_employerarrears", "contributions.view_determination", "contributions.view_determinedmonth",
    "contributions.view_declaration",
    "agency.view_province", "transfers.view_suspension", "transfers.view_transfer", "transfers.view_transferevent",
    "transfers.view_temporaryaccount",
    "refunds.view_refund", "refunds.view_refundheir", "refunds.view_refundevent", "refunds.view_nationalitynotice",
    "refunds.view_employermerger", "refunds.view_payoutawaitingapproval",
    "statements.view_statementrun", "statements.view_statement", "statements.view_delivery",
    "statements.view_printbatch", "statements.view_statementevent",
    "accounts.view_pensionaccount", "accounts.view_accountentry",
    "collection.view_paymentorder",
    "collection.view_collectorfile", "collection.view_recordconflict", "collection.view_application",
    "collection.view_suspenseitem", "collection.view_reconciliationday",
]
CLERK = VIEW_ALL + [
    "agency.change_deadline",
    "employers.add_employer", "employers.change_employer", "insured.add_insuredperson",
    "insured.change_insuredperson", "insured.change_staffreduction",
    "employers.add_registrationapplication",
    "insured.add_personactivation", "insured.view_personactivation",
    "collection.add_collectorfile",  # import a collector's file (issue 22): money enters only so
    "collection.change_suspenseitem",  # assign money in suspense (a reviewer approves above the region's sum)
    "contributions.change_determination", "contributions.add_declaration",
    "transfers.change_suspension", "transfers.change_transfer",
    "refunds.add_refund", "refunds.change_refund",
    "statements.change_delivery",
    "collection.add_paymentorder", "collection.change_paymentorder",  # payment orders at the counter
]
REVIEWER = CLERK + ["employers.add_employerclient", "employers.change_employerclient",
                    "employers.change_registrationapplication", "refunds.approve_refund_payout",
                    "refunds.add_employermerger", "accounts.add_accountentry", "collection.approve_suspenseitem"]
SUPERVISOR = REVIEWER + ["insured.view_personlogin", "insured.add_personlogin", "agency.view_deadlinenotice",
                         "agency.view_loginthrottle", "agency.lift_loginthrottle", "agency.view_securityevent",
                         "statements.add_statementrun", "statements.change_printbatch", "insured.view_recordaccess",
                         "accounts.view_interestrun", "accounts.add_interestrun", "accounts.view_reconciliationrun",
                         "accounts.view_reconciliationdifference"]
AUDITOR = VIEW_ALL + ["insured.view_personlogin", "agency.view_deadlinenotice", "agency.view_loginthrottle",
                      "agency.view_securityevent", "insured.view_recordaccess", "accounts.view_interestrun",
                      "accounts.view_reconciliationrun", "accounts.view_reconciliationdifference"]

GROUPS = {"clerk": CLERK, "reviewer": REVIEWER, "supervisor": SUPERVISOR, "auditor": AUDITOR}


def groups_sync(**_kwargs) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))
