from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuredConfig(AppConfig):
    name = "insured"
    verbose_name = _("Insured persons")

    def ready(self):
        from employers.hooks import cancellation_check_register
        from employers.oauth import ClientKind, client_kind_register
        from insured.selectors.persons import employer_open_staff_blocker

        cancellation_check_register(employer_open_staff_blocker)
        from common.sessions import session_user_relation_register
        from insured.auth import VIEWER_ROWS

        for path in VIEWER_ROWS:  # the session's one-round-trip load brings the user as the backend does
            session_user_relation_register(path)
        from employers.oauth import token_employer_relation_register

        # A portal's employer arrives with its region and staffing terms (insured.terms.employer_with_terms).
        token_employer_relation_register("region__staffing_terms")
        # Persons' apps (authorization code + PKCE): a kind of OAuth client of their own, which may obtain
        # `read` and `write` for the person who signs in, while the app is not revoked.
        client_kind_register(ClientKind("person_app", _person_app_active, frozenset({"read", "write"})))
        from common.person_views import person_views_writer_set
        from insured.access_log import record_accesses_log

        person_views_writer_set(record_accesses_log)  # staff views of person data (common.admin, ...)

        from agency.login_guard import region_resolvers
        from insured.logins import person_account_region

        region_resolvers.register(person_account_region)  # a person's account -> their region
        from agency.vocabulary import (
            deadline_rules_register,
            document_kinds_register,
            group_permissions_register,
            region_terms_inlines,
        )
        from agency.workbench import WorkKind, work_kind_register
        from common.problems import problem_types_register
        from insured.admin.staffing import StaffingTermsInline
        from insured.employer_panels import register_employer_panels
        from insured.models import StaffDocumentKind
        from insured.problems import INSURED_PROBLEM_TYPES
        from insured.terms import StaffingRule, rule_terms

        # This app's vocabulary (issue 21 item 7): its deadline rules, vouchers, problem types, the
        # clerks' groups' permissions on its models, and its terms on the region's page.
        deadline_rules_register(StaffingRule, terms=rule_terms)
        document_kinds_register(StaffDocumentKind)
        problem_types_register(INSURED_PROBLEM_TYPES)
        group_permissions_register(
            "insured",
            view=["insured.view_insuredperson", "insured.view_staffreduction", "insured.view_relationshipevent",
                  "insured.view_employment", "insured.view_insurancerelationship", "insured.view_staffingterms"],
            clerk=["insured.add_insuredperson", "insured.change_insuredperson", "insured.change_staffreduction",
                   "insured.add_personactivation", "insured.view_personactivation"],
            supervisor=["insured.view_personlogin", "insured.add_personlogin", "insured.view_recordaccess"],
            audit=["insured.view_personlogin", "insured.view_recordaccess"])
        region_terms_inlines.register(StaffingTermsInline)

        # The home page's today's work: each count links to this app's queue, filtered by `due`.
        work_kind_register(WorkKind(
            rule=StaffingRule.STAFF_REDUCTION_REVIEW, label=_("staff reductions to confirm"),
            queue="admin:insured_staffreduction_changelist", permission="insured.view_staffreduction", order=20))
        work_kind_register(WorkKind(
            rule=StaffingRule.ENROLMENT_REVIEW, label=_("enrolments to confirm"),
            queue="admin:insured_relationshipevent_changelist", permission="insured.view_relationshipevent",
            order=30))
        # The employer's file (employers.employer_file) gets the staff and events sections from here.
        register_employer_panels()
        from common.display import actor_resolver_register
        from insured.display import app_actor

        actor_resolver_register("app", app_actor)  # a persons' app in the security events


def _person_app_active(application) -> bool:
    app = getattr(application, "person_app", None)
    return app is not None and app.revoked_at is None
