"""PolicyOps settings, read from the environment.

Defaults make a fresh clone run on a laptop with nothing installed: SQLite in the
project folder and kombu's filesystem broker (no server). Production and CI set
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POLICYOPS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # No production default secret: refuse to start rather than run with a known key.
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "simple_history",
    "import_export",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served by us: /api/docs/ works offline
    "policyops.apps.PolicyOpsConfig",
    "approvals.apps.ApprovalsConfig",
    "programs.roads.apps.RoadsConfig",
    "programs.halls.apps.HallsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "policyops.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "policyops.urls"
WSGI_APPLICATION = "policyops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "policyops.context_processors.notifications",
                "policyops.context_processors.menu",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The project's catalogue first; then our translations of what Django 5.2 and
# django-celery-beat ship untranslated or badly translated for zh_Hans (kept apart so that
# `make messages` does not mark them obsolete: no source of ours uses those msgids).
LOCALE_PATHS = [BASE_DIR / "policyops" / "locale", BASE_DIR / "policyops" / "locale_vendor"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage" if not DEBUG
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

# --- Celery -------------------------------------------------------------------------
# Redis when CELERY_BROKER_URL says so; otherwise kombu's filesystem transport, which
# needs no server (in-flight tasks are lost on a crash, so every sweep is re-runnable).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        # Else kombu writes its exchange table to ./control in the working directory.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
else:
    # Never schedule countdowns longer than this: Redis would redeliver them.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- Notifications and reminders ---------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "policyops@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# First retry delay of a failed send; it doubles on every further failure (capped at 6 h).
NOTIFICATION_BACKOFF_SECONDS = int(os.environ.get("NOTIFICATION_BACKOFF_SECONDS", "120"))
# Optional SMS gateway: messages are POSTed as JSON, signed with HMAC-SHA256 of the body.
SMS_WEBHOOK_URL = os.environ.get("SMS_WEBHOOK_URL", "")
SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET", "")
# Lead times of the reminder sweeps (working days unless the name says otherwise).
POLICYOPS_REMINDERS = {
    "case_correction_day": 4,  # day 4 of the 5-day correction limit
    "case_decision_days_ahead": [3, 1, 0],
    "case_licence_days_ahead": 2,
    "entrustment_calendar_days_ahead": 30,
    "milestone_calendar_days_ahead": 10,
    "shift_no_sign_in_minutes": 30,
    "shift_quota_check_day_of_month": 20,
    "policy_task_days_ahead": [5, 0],
}

# --- Libraries ------------------------------------------------------------------------
# A history "revert" would write states and fields directly, around the services.
SIMPLE_HISTORY_REVERT_DISABLED = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Importing needs the change permission of the table, exporting the view permission.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Sessions only: HTTP Basic would take a password on every request with no throttle or lockout
    # (issue 13 #7); scripts log in once and keep the session cookie.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "policyops.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PolicyOps API",
    "VERSION": "0.1.0",
    # Several models call their FSM field ``state``: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "approvals.models.ApprovalCase.State",
        "PolicyTaskStateEnum": "policyops.models.PolicyTask.State",
        "RoadProjectStateEnum": "programs.roads.models.RoadProject.State",
    },
    # Swagger UI from drf-spectacular-sidecar, not a CDN: the government network may be offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's default validator badge is fetched from validator.swagger.io: off.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused page (403) is routine: one line, not Django's full traceback.
    "filters": {"forbidden_one_line": {"()": "policyops.logfilters.ForbiddenOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["forbidden_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
