from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from oauth2_provider import views as oauth_views

from accounts.apis import MyAccountApi
from collection.apis import CollectorRecordsApi
from collection.orders_apis import PaymentOrderApi, PaymentOrderCancelApi, PaymentOrderListApi, PaymentOrderPdfApi
from common import views as common_views
from contributions.apis.contributions import EmployerContributionsApi, MyContributionsApi
from contributions.apis.declarations import DeclarationCsvApi, DeclarationDetailApi, DeclarationListApi
from contributions.apis.payments import ArrearsApi, PaymentListApi, PaymentReceiptApi
from disputes.apis import (
    EmployerCorrectionRequestsApi,
    MyDisputeDetailApi,
    MyDisputeLetterApi,
    MyDisputesApi,
    MyDisputesUploadApi,
)
from employers.apis.employers import EmployerProfileApi
from employers.apis.registrations import (
    RegistrationApi,
    RegistrationDetailApi,
    RegistrationResubmitApi,
    RegistrationResubmitUploadApi,
    RegistrationUploadApi,
)
from employers.token_view import ThrottledTokenView
from flexible.apis import (
    MyFlexibleBaseApi,
    MyFlexibleEnrolmentApi,
    MyFlexiblePaymentOrdersApi,
    MyFlexiblePlannerApi,
    MyFlexibleResumeApi,
    MyFlexibleStopApi,
)
from insured import login_views
from insured.apis.persons import AgencyPersonDetailApi, AgencyPersonListApi, MeApi
from insured.apis.staffing import (
    EmployerEventsApi,
    EnrolmentApi,
    MyEventsApi,
    SeparationApi,
    SeparationUploadApi,
    StaffListApi,
)
from insured.app_login import PersonAuthorizationView
from notices.apis import MyAlertLookIntoApi, MyAlertsApi, MyMonthlyNoticesApi, MyNoticePreferenceApi
from pensions.apis import MyPensionDeterminationApi, MyPensionDeterminationPdfApi, MyPensionEstimateApi
from refunds.apis import MyRefundDetailApi, MyRefundsApi, MyRefundsUploadApi
from statements.apis import (
    MyAccessLogApi,
    MyStatementApi,
    MyStatementPdfApi,
    MyStatementReprintApi,
    MyStatementsApi,
    StatementKeySetApi,
    StatementVerifyApi,
)
from transfers.apis import (
    MyCertificateApi,
    MyCertificatePdfApi,
    MySuspensionsApi,
    MySuspensionsUploadApi,
    MyTransferDetailApi,
    MyTransferFormApi,
    MyTransferLetterApi,
    MyTransfersApi,
    MyTransfersUploadApi,
)

api_v1 = [
    path("employer", EmployerProfileApi.as_view(), name="employer-profile"),
    path("employer/enrolments", EnrolmentApi.as_view(), name="employer-enrolments"),
    path("employer/separations", SeparationApi.as_view(), name="employer-separations"),
    path("employer/separations/with-documents", SeparationUploadApi.as_view(), name="employer-separations-upload"),
    path("employer/staff", StaffListApi.as_view(), name="employer-staff"),
    path("employer/events", EmployerEventsApi.as_view(), name="employer-events"),
    path("employer/declarations", DeclarationListApi.as_view(), name="employer-declarations"),
    path("employer/declarations/csv", DeclarationCsvApi.as_view(), name="employer-declarations-csv"),
    path("employer/declarations/<int:pk>", DeclarationDetailApi.as_view(), name="employer-declaration"),
    path("employer/payments", PaymentListApi.as_view(), name="employer-payments"),
    path("employer/correction-requests", EmployerCorrectionRequestsApi.as_view(), name="employer-correction-requests"),
    path("collector/records", CollectorRecordsApi.as_view(), name="collector-records"),
    path("employer/payments/<int:pk>", PaymentReceiptApi.as_view(), name="employer-payment-receipt"),
    path("employer/arrears", ArrearsApi.as_view(), name="employer-arrears"),
    path("employer/payment-orders", PaymentOrderListApi.as_view(), name="employer-payment-orders"),
    path("employer/payment-orders/<int:pk>", PaymentOrderApi.as_view(), name="employer-payment-order"),
    path("employer/payment-orders/<int:pk>/pdf", PaymentOrderPdfApi.as_view(), name="employer-payment-order-pdf"),
    path("employer/payment-orders/<int:pk>/cancel", PaymentOrderCancelApi.as_view(),
         name="employer-payment-order-cancel"),
    path("employer/contributions", EmployerContributionsApi.as_view(), name="employer-contributions"),
    path("registrations", RegistrationApi.as_view(), name="registrations"),
    path("registrations/with-documents", RegistrationUploadApi.as_view(), name="registrations-upload"),
    path("registrations/<int:pk>", RegistrationDetailApi.as_view(), name="registration-detail"),
    path("registrations/<int:pk>/resubmit", RegistrationResubmitApi.as_view(), name="registration-resubmit"),
    path("registrations/<int:pk>/resubmit/with-documents", RegistrationResubmitUploadApi.as_view(),
         name="registration-resubmit-upload"),
    path("me", MeApi.as_view(), name="me"),
    path("me/events", MyEventsApi.as_view(), name="me-events"),
    path("me/account", MyAccountApi.as_view(), name="me-account"),
    path("me/contributions", MyContributionsApi.as_view(), name="me-contributions"),
    path("me/refunds", MyRefundsApi.as_view(), name="me-refunds"),
    path("me/refunds/with-documents", MyRefundsUploadApi.as_view(), name="me-refunds-upload"),
    path("me/refunds/<int:pk>", MyRefundDetailApi.as_view(), name="me-refund-detail"),
    path("me/disputes", MyDisputesApi.as_view(), name="me-disputes"),
    path("me/disputes/with-documents", MyDisputesUploadApi.as_view(), name="me-disputes-upload"),
    path("me/disputes/<int:pk>", MyDisputeDetailApi.as_view(), name="me-dispute"),
    path("me/disputes/<int:pk>/letter", MyDisputeLetterApi.as_view(), name="me-dispute-letter"),
    path("me/statements", MyStatementsApi.as_view(), name="me-statements"),
    path("me/statements/<int:year>", MyStatementApi.as_view(), name="me-statement"),
    path("me/statements/<int:year>/pdf", MyStatementPdfApi.as_view(), name="me-statement-pdf"),
    path("me/statements/<int:year>/reprint", MyStatementReprintApi.as_view(), name="me-statement-reprint"),
    path("me/access-log", MyAccessLogApi.as_view(), name="me-access-log"),
    path("me/monthly-notices", MyMonthlyNoticesApi.as_view(), name="me-monthly-notices"),
    path("me/notice-preference", MyNoticePreferenceApi.as_view(), name="me-notice-preference"),
    path("me/alerts", MyAlertsApi.as_view(), name="me-alerts"),
    path("me/alerts/look-into", MyAlertLookIntoApi.as_view(), name="me-alerts-look-into"),
    path("me/pension-estimate", MyPensionEstimateApi.as_view(), name="me-pension-estimate"),
    path("me/flexible-enrolment", MyFlexibleEnrolmentApi.as_view(), name="me-flexible-enrolment"),
    path("me/flexible-enrolment/base", MyFlexibleBaseApi.as_view(), name="me-flexible-base"),
    path("me/flexible-enrolment/stop", MyFlexibleStopApi.as_view(), name="me-flexible-stop"),
    path("me/flexible-enrolment/resume", MyFlexibleResumeApi.as_view(), name="me-flexible-resume"),
    path("me/flexible-payment-orders", MyFlexiblePaymentOrdersApi.as_view(), name="me-flexible-payment-orders"),
    path("me/flexible-planner", MyFlexiblePlannerApi.as_view(), name="me-flexible-planner"),
    path("me/pension-determination", MyPensionDeterminationApi.as_view(), name="me-pension-determination"),
    path("me/pension-determination/pdf", MyPensionDeterminationPdfApi.as_view(), name="me-pension-determination-pdf"),
    path("me/suspensions", MySuspensionsApi.as_view(), name="me-suspensions"),
    path("me/suspensions/with-documents", MySuspensionsUploadApi.as_view(), name="me-suspensions-upload"),
    path("me/contribution-certificate", MyCertificateApi.as_view(), name="me-contribution-certificate"),
    path("me/contribution-certificate/pdf", MyCertificatePdfApi.as_view(), name="me-contribution-certificate-pdf"),
    path("me/transfers", MyTransfersApi.as_view(), name="me-transfers"),
    path("me/transfers/with-documents", MyTransfersUploadApi.as_view(), name="me-transfers-upload"),
    path("me/transfers/<int:pk>", MyTransferDetailApi.as_view(), name="me-transfer"),
    path("me/transfers/<int:pk>/letter", MyTransferLetterApi.as_view(), name="me-transfer-letter"),
    path("me/transfers/<int:pk>/form", MyTransferFormApi.as_view(), name="me-transfer-form"),
    path("statements/verify", StatementVerifyApi.as_view(), name="statement-verify"),
    path("agency/persons", AgencyPersonListApi.as_view(), name="agency-persons"),
    path("agency/persons/<int:pk>", AgencyPersonDetailApi.as_view(), name="agency-person-detail"),
]

urlpatterns = [
    path("", common_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("me/", include("myrecord.urls")),
    path("accounts/login/", login_views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/activate/", login_views.activate, name="activate"),
    path("accounts/password-reset/", login_views.password_reset, name="password_reset"),
    path("accounts/password-reset/sent/", login_views.password_reset_done, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", login_views.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/reset/done/", login_views.password_reset_complete, name="password_reset_complete"),
    path("o/authorize/", PersonAuthorizationView.as_view(), name="authorize"),
    path("o/token/", ThrottledTokenView.as_view(), name="token"),
    path("o/revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("problems/<slug:slug>", common_views.problem_type, name="problem-type"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(".well-known/statement-keys.json", StatementKeySetApi.as_view(), name="statement-keys"),
    path("healthz", common_views.health, name="health"),
]
if settings.BENCHMARK_URLS:  # only while benchmarks run (bench/support.py sets DJANGO_BENCHMARK_URLS)
    urlpatterns.append(path("bench/constant", common_views.bench_constant, name="bench-constant"))

handler400 = "common.views.bad_request"
handler404 = "common.views.not_found"
handler500 = "common.views.server_error"
