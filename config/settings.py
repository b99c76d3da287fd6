"""Settings: every value comes from the environment, with development defaults.

Without DATABASE_URL / REDIS_URL the embedded servers under var/ are used
(config/embedded.py); with them, the real servers.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("DJANGO_DEBUG", False)


def required_in_production(name: str, fallback, why: str) -> str:
    """The variable's value; with DJANGO_DEBUG off a missing one stops start-up (no insecure key, no
    embedded server in production). With DJANGO_DEBUG on, `fallback()` stands in."""
    value = os.environ.get(name, "")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is not set. DJANGO_DEBUG is off (production), where {why}. Set {name}, or set "
            f"DJANGO_DEBUG=1 on a development machine (make run, make test and make bench set what they "
            f"need themselves: python -m config.devenv).")
    return fallback()


SECRET_KEY = required_in_production("DJANGO_SECRET_KEY", lambda: "dev-only-insecure-key-change-me",
                                    "a known key would let anyone forge sessions and tokens")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

DATABASE_URL = required_in_production("DATABASE_URL", embedded.postgres_url,
                                      "the records must not go to an embedded database under var/")
REDIS_URL = required_in_production("REDIS_URL", embedded.redis_url, "an embedded Redis under var/ is not served")

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# common.hot_paths.fetch_prepared asks psycopg to prepare (`prepare=True`), which psycopg does only when the
# connection's prepare_threshold is set: Django's default (None) turned every "prepared" hot path into a
# statement parsed and planned on every call. Django's own cursors bind on the client and never prepare,
# so only fetch_prepared's statements are prepared. DB_PREPARED_STATEMENTS=0 behind a pooler in
# transaction mode (README "What the hot paths do").
if env_int("DB_PREPARED_STATEMENTS", 1):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
# A streaming replica of the primary (docs/scaling.md): the admin's lists and the statement snapshot
# reads go there (config/routers.py); unset, everything reads the primary.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    DATABASES["replica"].update({"ATOMIC_REQUESTS": False, "CONN_HEALTH_CHECKS": True,
                                 "TEST": {"MIRROR": "default"}})
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

CACHES = {
    "default": {
        "BACKEND": "common.cache.ReusedClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "agency"),
        # A Redis that does not answer fails a call within this time instead of hanging a request.
        "OPTIONS": {"socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1")),
                    "socket_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))},
    }
}
# Sessions live in PostgreSQL (common.models.Session), loaded with their user and second-factor device in
# one prepared statement (common/sessions.py); they do not use Redis.
SESSION_ENGINE = "common.sessions"
AUTHENTICATION_BACKENDS = ["insured.auth.ViewerModelBackend"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as our own static files: /api/docs/ works offline
    "oauth2_provider",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "common",
    "agency",
    "employers",
    "insured",
    "contributions",
    "accounts",
    "collection",
    "transfers",
    "refunds",
    "pensions",
    "statements",
    "flexible",
    "notices",
    "disputes",
    "myrecord",
    "demo",
]

MIDDLEWARE = [
    "common.request_id.RequestIdMiddleware",
    "common.middleware.RequestLimitsMiddleware",
    "common.middleware.DependencyFailureMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "common.sessions.AuthenticationMiddleware",  # the user loaded with the session (one round trip)
    "agency.staff_sessions.StaffOTPMiddleware",  # django-otp's, the device load compiled
    "agency.staff_sessions.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/me/"  # the person's own pages (myrecord)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language of what the system sends clerks by itself (deadline reminders and escalations).
CLERK_LANGUAGE = os.environ.get("CLERK_LANGUAGE", "zh-hans")
FORMAT_MODULE_PATH = ["config.formats"]  # zh-hans: one date format, 2026-11-09 (see common.display)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # the file backend's folder
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "agency@localhost")
# The address clerks open the system at: links in mails the system sends by itself (deadline notices).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "employers.auth.BearerOAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Cursor",
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser", "common.parsers.FormParser",
                               "common.parsers.MultiPartParser"],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "common.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "common.schema.AgencyAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["common.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Where outsiders reach this agency's API and pages: the schema's `servers` entry and the verification
# link printed (and QR-coded) on statements. Set it to the public https address in production.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

SPECTACULAR_SETTINGS = {
    "SERVERS": [{"url": PUBLIC_BASE_URL, "description": "This agency (PUBLIC_BASE_URL)"}],
    # Tags and operation ids come from the path after /api/ (v1_employer_staff_list, tag v1), also now
    # that /.well-known/statement-keys.json is in the schema (it names its own tag and id).
    "SCHEMA_PATH_PREFIX": r"/api/",
    # After the enums: a default that its own schema refuses (a blank beside minLength) is dropped.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "common.schema.defaults_valid"],
    "TITLE": "Social insurance agency API",
    "DESCRIPTION": "Employer HR portals, insured persons and agency clerks. Errors are RFC 9457 problem documents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components (`...Request`): write-only fields such as uploaded
    # files are not documented in responses, read-only ones not in requests.
    "COMPONENT_SPLIT_REQUEST": True,
    # The OAuth 2 schemes (portals' client credentials, persons' apps' authorization code with PKCE)
    # are written by their authentication extensions (employers/schema.py).
    # One name per choice set used in several components.
    "ENUM_NAME_OVERRIDES": {
        "EmployerKindEnum": "employers.models.EmployerKind",
        "ApplicationKindEnum": "employers.models.ApplicationKind",
        "RegistrationStateEnum": "employers.models.ApplicationState",
        "DocumentKindEnum": "agency.vocabulary.document_kind_choices",
        "SexEnum": "insured.models.Sex",
        "SeparationReasonEnum": "insured.models.SeparationReason",
        "SuspensionReasonEnum": "transfers.models.SuspensionReason",
        "RefundApplicationReasonEnum": "refunds.apis.PERSON_REASON_CHOICES",
        "PensionPartKeyEnum": "pensions.apis.PART_KEYS",
        "AlertKindEnum": "notices.models.AlertKind",
        "NoticeChannelEnum": "notices.models.NoticeChannel",
    },
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No schema validator badge: Swagger UI would send the schema to a public validator service.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read the employer's own records", "write": "File declarations and changes",
               # Only a collector client (collection.CollectorClient) obtains it (employers/oauth.py).
               "collect": "Send the collector's money records (the collector's system only)"},
    "DEFAULT_SCOPES": ["read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_TOKEN_SECONDS", 3600),
    # Portals' clients (employers.oauth) and persons' apps (insured.oauth: public, PKCE S256).
    "OAUTH2_VALIDATOR_CLASS": "insured.oauth.AgencyValidator",
    # A portal client takes at most the scopes a clerk issued it with (EmployerClient.scopes).
    "SCOPES_BACKEND_CLASS": "employers.oauth.ClientScopes",
    # Portals use the client-credentials grant, persons' apps the authorization code with PKCE
    # (S256 only; insured.app_login). RFC 9700: access tokens are stored hashed (SHA-256 checksum
    # only, the token column left blank), no token in a query string, no implicit or password
    # grant, https redirect URIs only, matched exactly, refresh tokens rotated with reuse detection.
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")

# Idempotency keys are kept this long (the replay window), then purged by the daily retention job.
IDEMPOTENCY_KEEP_DAYS = env_int("IDEMPOTENCY_KEEP_DAYS", 30)
# The one outbox (common/outbox.py): rows claimed per chunk (a killed sender leaves at most one chunk
# uncertain), attempts before a refused message is given up, the first wait (doubled per attempt, at most
# 6 hours), when a row left `sending` is marked uncertain, and how often beat retries (`outboxes-retry`).
OUTBOX_CHUNK = env_int("OUTBOX_CHUNK", 20)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_BACKOFF_MINUTES = env_int("OUTBOX_BACKOFF_MINUTES", 5)
# 5 + 5: an uncertain sending reaches the supervisor's home page within ten minutes (issue 25 item 8); a
# chunk (20 statement e-mails with their PDFs, 200 notices) takes seconds, not minutes.
OUTBOX_SENDING_TIMEOUT_MINUTES = env_int("OUTBOX_SENDING_TIMEOUT_MINUTES", 5)
OUTBOX_RETRY_MINUTES = env_int("OUTBOX_RETRY_MINUTES", 5)
# Retention of the audit records (insured/retention.py); neither is ever less than 183 days (six months).
SECURITY_EVENT_KEEP_DAYS = env_int("SECURITY_EVENT_KEEP_DAYS", 365)
RECORD_ACCESS_KEEP_DAYS = env_int("RECORD_ACCESS_KEEP_DAYS", 730)
RETENTION_PURGE_HOUR = env_int("RETENTION_PURGE_HOUR", 3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.request_id.RequestIdLogFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Registry history: trigger-written, append-only event tables (django-pghistory).
PGHISTORY_APPEND_ONLY = True
# Reads write no registry rows: only writing methods open a history context (a GET would pay
# for loading the user just to label nothing).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

# Deadline sweep (agency.tasks.deadline_sweep): the hour it runs each day under Celery beat
# (Asia/Shanghai), and how many days ahead of the due date the assignee is reminded.
DEADLINE_SWEEP_HOUR = env_int("DEADLINE_SWEEP_HOUR", 7)
# The nightly hour (Asia/Shanghai) of the individual accounts' reconciliation; the interest check runs at half past.
ACCOUNTS_NIGHTLY_HOUR = env_int("ACCOUNTS_NIGHTLY_HOUR", 2)
# The pension estimate over the API: how many rendered estimates each process keeps on their inputs
# (pensions.estimate.estimate_rendered; a request whose inputs equal a kept one's answers it); 0 keeps none.
PENSION_ESTIMATE_KEPT = env_int("PENSION_ESTIMATE_KEPT", 512)
# The nightly collection reconciliation checks the value dates of this many days back (and every
# day whose latest check found a difference).
COLLECTION_RECONCILE_DAYS = env_int("COLLECTION_RECONCILE_DAYS", 35)
# The feed applies collector records in chunks of this many (one transaction each); a file of at
# most one chunk is applied in the import's own transaction (collection/services/feed.py).
COLLECTION_APPLY_CHUNK = env_int("COLLECTION_APPLY_CHUNK", 2000)

# Art. 74 statements: the yearly run for last year starts on this day (Asia/Shanghai); a check every
# STATEMENT_CHECK_MINUTES resumes what a dead worker or a lost task left (the database knows).
STATEMENT_RUN_MONTH = env_int("STATEMENT_RUN_MONTH", 3)
STATEMENT_RUN_DAY = env_int("STATEMENT_RUN_DAY", 1)
STATEMENT_RUN_HOUR = env_int("STATEMENT_RUN_HOUR", 1)
STATEMENT_CHECK_MINUTES = env_int("STATEMENT_CHECK_MINUTES", 2)
STATEMENT_RANGE_SIZE = env_int("STATEMENT_RANGE_SIZE", 1000)  # persons per task
# A queued range not done by then is queued again (its work is idempotent: a range still running only
# costs a second worker's time); a range of 1,000 persons takes well under a second at the benchmark's pace.
STATEMENT_RANGE_REQUEUE_MINUTES = env_int("STATEMENT_RANGE_REQUEUE_MINUTES", 5)
STATEMENT_PRINT_BATCH_SIZE = env_int("STATEMENT_PRINT_BATCH_SIZE", 500)  # letters per print-shop batch
STATEMENT_EMAIL_CLAIM = env_int("STATEMENT_EMAIL_CLAIM", 20)  # e-mails claimed at once: a dead sender leaves these uncertain
STATEMENT_MAIL_DOMAIN = os.environ.get("STATEMENT_MAIL_DOMAIN", "statements.agency.invalid")
# The absolute address printed and QR-coded on statements (a bank opens it); default under PUBLIC_BASE_URL.
STATEMENT_VERIFY_URL = os.environ.get("STATEMENT_VERIFY_URL", f"{PUBLIC_BASE_URL}/api/v1/statements/verify")
# Ed25519 keys that sign a statement's QR payload (statements/signing.py): `kid:seed,...`, the first
# signs; retired public keys stay published (`kid:public key,...`). Unset: a key derived from SECRET_KEY.
STATEMENT_SIGNING_KEYS = os.environ.get("STATEMENT_SIGNING_KEYS", "")
STATEMENT_RETIRED_PUBLIC_KEYS = os.environ.get("STATEMENT_RETIRED_PUBLIC_KEYS", "")
STATEMENT_VERIFY_RATE = os.environ.get("STATEMENT_VERIFY_RATE", "30/minute")  # per address, anonymous

# The monthly notice and alerts (notices/, issue 28): the SMS gateway's backend (notices/sms.py; the
# console backend in development, "notices.sms.locmem" in tests, a gateway's class in production),
# how many persons one generation step covers, how many notices one sending chunk claims, and how
# many months back the alerts look. NOTICE_DAY: the day of the month the previous month's notices go out.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notices.sms.console")
NOTICE_GENERATE_PERSONS = env_int("NOTICE_GENERATE_PERSONS", 100_000)
NOTICE_SEND_CHUNK = env_int("NOTICE_SEND_CHUNK", 200)
NOTICE_ALERT_MONTHS = env_int("NOTICE_ALERT_MONTHS", 12)
NOTICE_DAY = env_int("NOTICE_DAY", 28)

# Statements whose year changed after they were generated are reissued by a sweep this often
# (statements/services/superseding.py); it reaches back this far before the previous sweep began.
STATEMENT_SUPERSEDE_MINUTES = env_int("STATEMENT_SUPERSEDE_MINUTES", 60)
STATEMENT_SUPERSEDE_OVERLAP_MINUTES = env_int("STATEMENT_SUPERSEDE_OVERLAP_MINUTES", 60)
# How far the nightly reconciliation reaches back before the previous run started (long transactions).
ACCOUNTS_RECONCILE_OVERLAP_MINUTES = env_int("ACCOUNTS_RECONCILE_OVERLAP_MINUTES", 60)
DEADLINE_REMIND_WITHIN_DAYS = env_int("DEADLINE_REMIND_WITHIN_DAYS", 3)

# The benchmarks' yardstick, /bench/constant (a bare view), exists only when benchmarks run.
BENCHMARK_URLS = env_bool("DJANGO_BENCHMARK_URLS", False)

# How far ahead a caller may date an event (an employment's start, a last working day); common.dates.
DATE_AHEAD_MAX_DAYS = env_int("DATE_AHEAD_MAX_DAYS", 90)

# Request limits (common.middleware, common.parsers; over a limit is a 413 problem). The whole
# request, files included, is checked against its Content-Length before it is read: a filing's
# vouchers (agency.documents allows 20 MiB each) fit. A JSON body and a form's fields (without
# files) are held to DATA_UPLOAD_MAX_MEMORY_SIZE; at most ..._NUMBER_FIELDS fields and
# ..._NUMBER_FILES files.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 60 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
# Only the declaration endpoint takes more: a 100,000-row declaration as JSON (about 5.5 MB compact,
# more when indented); its CSV form is a file (streamed to disk, held to REQUEST_MAX_BYTES).
DECLARATION_JSON_MAX_BYTES = env_int("DECLARATION_JSON_MAX_BYTES", 12 * 1024 * 1024)
DECLARATION_MAX_ROWS = env_int("DECLARATION_MAX_ROWS", 100_000)
# A CSV declaration's file: refused (413) from the request's Content-Length or the file's size before it
# is read; 100,000 rows with names take about 4 MB. Read as a stream, rows counted while reading.
DECLARATION_CSV_MAX_BYTES = env_int("DECLARATION_CSV_MAX_BYTES", 8 * 1024 * 1024)
# The largest collector's file a clerk imports in the admin (the management command reads any size).
COLLECTOR_FILE_MAX_BYTES = env_int("COLLECTOR_FILE_MAX_BYTES", 20 * 1024 * 1024)
DECLARATION_ERRORS_LISTED = env_int("DECLARATION_ERRORS_LISTED", 1000)  # a refused declaration lists at most this many
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 100)

# Daily contributions duties (contributions.tasks): the Art. 62 provisional assessment of months not
# declared by their declaration day, and the proposals of determined months for late enrolments
# (Art. 58); the hour they run (Asia/Shanghai) and how many months back the assessment looks.
CONTRIBUTIONS_DAILY_HOUR = env_int("CONTRIBUTIONS_DAILY_HOUR", 2)
ASSESSMENT_LOOKBACK_MONTHS = env_int("ASSESSMENT_LOOKBACK_MONTHS", 12)


# --- Security (README "Security"): every value from the environment --------------------------
# Behind a TLS-terminating reverse proxy (README: production environment).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # an office day; staff also time out when idle
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The proxy sets X-Forwarded-Proto and appends the client's address to X-Forwarded-For. Only with
# DJANGO_PROXY_COUNT > 0 are these headers believed: the client's address is the one the outermost
# of that many proxies saw (common.security.client_address), used for login throttling and logs.
DJANGO_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
if DJANGO_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", False)

# Staff (admin) accounts: a TOTP second factor (django-otp), required unless DJANGO_DEBUG is on, and
# an idle time-out after which the session ends.
STAFF_OTP_REQUIRED = not DEBUG
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 15 * 60)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Social insurance agency")

# Failed logins (admin, persons' login and activation, the OAuth token endpoint): an account is locked
# after LOGIN_ACCOUNT_FAILURES failures within LOGIN_FAILURE_WINDOW_MINUTES, an address after
# LOGIN_ADDRESS_FAILURES; a lock-out lasts LOGIN_LOCKOUT_MINUTES (0: until a supervisor lifts it).
LOGIN_ACCOUNT_FAILURES = env_int("LOGIN_ACCOUNT_FAILURES", 5)
LOGIN_ADDRESS_FAILURES = env_int("LOGIN_ADDRESS_FAILURES", 30)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
# Writes (POST) per API client (portal client, user, or address when anonymous), DRF rate syntax.
API_WRITE_RATE = os.environ.get("API_WRITE_RATE", "1200/minute")
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["common.throttling.WriteRateThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"write": API_WRITE_RATE}

# Persons' logins: an activation letter's one-time code is valid this many days; a password-reset
# link this many seconds.
ACTIVATION_LETTER_DAYS = env_int("ACTIVATION_LETTER_DAYS", 14)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)
