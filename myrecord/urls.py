from django.urls import path

from myrecord import views

app_name = "myrecord"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("contributions/", views.contributions, name="contributions"),
    path("account/", views.account, name="account"),
    path("pension/", views.pension, name="pension"),
    path("statements/", views.statements, name="statements"),
    path("statements/<int:year>/", views.statement, name="statement"),
    path("statements/<int:year>.pdf", views.statement_pdf_view, name="statement-pdf"),
    path("notices/", views.notices, name="notices"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/letter.pdf", views.dispute_letter, name="dispute-letter"),
    path("flexible/", views.flexible, name="flexible"),
    path("flexible/orders/<int:pk>.pdf", views.flexible_order_pdf, name="flexible-order-pdf"),
    path("access-log/", views.access_log, name="access-log"),
    path("applications/", views.applications, name="applications"),
]
