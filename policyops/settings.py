"""PolicyOps settings, read from the environment.

Defaults make a fresh clone run on a laptop with nothing installed: SQLite in the
project folder and kombu's filesystem broker (no server). Production and CI set
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""
import os
import re
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POLICYOPS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The one production switch (README "Production"): POLICYOPS_ENV=production requires
# SECRET_KEY and turns on HTTPS-only cookies, HSTS and the redirect to https (below).
# Without it the app serves plain http on a laptop (`make run`).
PRODUCTION = os.environ.get("POLICYOPS_ENV", "development").strip().lower() == "production"
# Off unless asked for: the debug page shows settings and tracebacks to anyone (issue 13 #9).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        # No production default secret: refuse to start rather than run with a known key.
        raise RuntimeError("SECRET_KEY must be set when POLICYOPS_ENV=production")
    from policyops.secret_key import load_or_create

    SECRET_KEY = load_or_create(VAR_DIR / "secret_key")  # made once per laptop, kept 0600
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
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
    "policyops.axes_app.LoginSecurityConfig",  # django-axes, login lockout (AXES_* below)
    "csp",  # Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "policyops.apps.PolicyOpsConfig",
    # django.contrib.admin with our AdminSite; after policyops, whose admin/nav_sidebar.html
    # (the kept sidebar, policyops.admin_site) replaces Django's. No other template name is shared.
    "policyops.admin_site.PolicyOpsAdminConfig",
    "approvals.apps.ApprovalsConfig",
    "programs.roads.apps.RoadsConfig",
    "programs.halls.apps.HallsConfig",
]

MIDDLEWARE = [
    # First: every other middleware's log lines carry the request id, and the latency covers them all.
    "policyops.middleware.RequestIdMiddleware",
    "policyops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "policyops.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "policyops.middleware.NullCharacterMiddleware",  # after LocaleMiddleware: its 400 page in the language
    "django.middleware.csrf.CsrfViewMiddleware",
    "policyops.middleware.PlainTextMiddleware",  # after CSRF: the post is read already
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "policyops.middleware.ResolvedUserMiddleware",  # the user once, not through a lazy proxy
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lockout into its page
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
        # 0: close at the end of each request. runserver (`make run`, `serve`) starts a thread
        # per request, and a kept connection per finished thread exhausted PostgreSQL (issue 13
        # #9). Only gunicorn's sync workers reuse theirs: policyops/gunicorn_conf.py sets it.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,  # a kept connection the database dropped is replaced, not an error
    )
}
# PostgreSQL: DB_PREPARE_THRESHOLD=N binds values on the server and prepares a statement run N
# times on a connection (psycopg 3), so PostgreSQL stops parsing and planning it anew. Off by
# default: a prepared statement soon runs on one generic plan for every value, and a search's
# statement is the same text for every term — a clerk's two-character search went from 41 ms
# to 2.8 s on the plan another term had left (issue 12). The steps it helps gained 10–35 %.
_prepare_threshold = os.environ.get("DB_PREPARE_THRESHOLD", "off")
if DATABASES["default"]["ENGINE"].endswith("postgresql") and _prepare_threshold != "off":
    try:
        _prepare_threshold = int(_prepare_threshold)
        if _prepare_threshold < 1:  # 0 would prepare a migration's multi-statement SQL, which PostgreSQL refuses
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(f'DB_PREPARE_THRESHOLD must be a whole number ≥ 1 or "off", '
                                   f'not {os.environ["DB_PREPARE_THRESHOLD"]!r}.') from None
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True,
                                                          prepare_threshold=_prepare_threshold)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12, not Django's 8: every account reaches applicants' personal data and the lockout
    # below slows online guessing only; a long password resists a stolen hash too.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
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
# Without the production switch, whitenoise serves static files straight from the apps:
# `make run` needs no collectstatic now that DEBUG is off. Production serves collectstatic's copy.
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files served at the site's root: favicon.ico, which every browser asks for (it was a 404 and a
# "Not Found" warning in the log on each first visit).
WHITENOISE_ROOT = BASE_DIR / "policyops" / "root"
if not PRODUCTION:
    # …so collectstatic's folder is missing on a fresh checkout, which whitenoise warns about
    # once per handler (dozens of times in a benchmark run). In production the warning stands.
    warnings.filterwarnings("ignore", message=f"No directory at: {re.escape(str(STATIC_ROOT))}/?$",
                            category=UserWarning)

# --- Sessions and login lockout -------------------------------------------------------
# A working day, not Django's two weeks: a browser left logged in on a shared office PC
# asks again the next morning.
SESSION_COOKIE_AGE = 10 * 60 * 60
# Sessions are kept in the database and read from the shared cache (Redis; files on a laptop),
# the database only when the cache has lost one or does not answer: every request read its
# session with a query (~0.6 ms of a 2 ms logged-in request; issue 12). Django's cached_db
# engine, made to carry on when the cache is down (policyops.sessions).
SESSION_ENGINE = "policyops.sessions"
# A hall's kiosk screen stays open in a public hall for days: a session in the browser that
# shows it (someone logged in there to open the link) ends this long after (halls kiosk view).
KIOSK_SESSION_SECONDS = 15 * 60

# django-axes: 5 wrong passwords for one username from one address lock that pair out for
# 15 minutes. The pair, not the username alone, so a stranger cannot lock a clerk out by
# typing her name; not the address alone, since a whole office or hall shares one NAT address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "policyops.auth_backend.PolicyOpsModelBackend",  # ModelBackend in fewer queries
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful login forgets earlier typos
# The 15 minutes the lockout page promises hold: trying again meanwhile does not restart them.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "policyops.lockout.lockout_response"  # a Chinese page, status 429
AXES_CLIENT_IP_CALLABLE = "policyops.ratelimit.client_address"  # the address the public rate limits use
# Every mistyped password is kept (Admin → 登录失败: who, from where, whether it locked the pair out),
# not only the pair's running count that a successful login clears; axes keeps the newest 1,000 a name.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Axes writes a row a login and a row a mistyped password, and deletes none: the daily 登录日志清理
# (policyops.login_logs) deletes those older than LOGIN_LOGS_KEPT_DAYS (default a year).
# 《网络安全法》第二十一条: network logs are kept no fewer than six months.
LOGIN_LOGS_MINIMUM_DAYS = 183
try:
    LOGIN_LOGS_KEPT_DAYS = int(os.environ.get("LOGIN_LOGS_KEPT_DAYS", "365"))
except ValueError:
    LOGIN_LOGS_KEPT_DAYS = 0
if LOGIN_LOGS_KEPT_DAYS < LOGIN_LOGS_MINIMUM_DAYS:
    raise ImproperlyConfigured(f"LOGIN_LOGS_KEPT_DAYS must be a whole number of days ≥ {LOGIN_LOGS_MINIMUM_DAYS} "
                               "(the Cybersecurity Law keeps network logs six months at least), "
                               f"not {os.environ.get('LOGIN_LOGS_KEPT_DAYS')!r}.")

# --- HTTPS and browser protections ------------------------------------------------------
# Always (the laptop too): no MIME sniffing, no framing, the referrer only to this site.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")  # e.g. https://policyops.example.gov.cn
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # One year, subdomains included. Preload: the header alone changes nothing until the
    # domain's owner submits it to the browsers' list; `check --deploy` asks for it.
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# django-csp 4: only this site's own scripts, styles and images (data: for the icons inside
# Swagger UI's and the admin's CSS); never framed; forms post only here. Our pages keep no
# inline script, event handler or <style>: they are static files (policyops/static/…).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

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
    # Never schedule countdowns longer than this: Redis would redeliver them. A Redis that
    # does not answer fails a publish after 2 s, not the OS's minutes (policyops.enqueue).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
# Seconds to connect to the broker (other transports than Redis): a request never waits longer.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- Cache (the public pages' rate limits) ------------------------------------------------
# Shared by every process, or each gunicorn worker would count its own limits: Redis when
# CACHE_URL or REDIS_URL is set (REDIS_URL is the broker's server; the cache takes its
# database 1), else files under VAR_DIR, shared by the processes of one machine.
def redis_database(url: str, database: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


CACHE_URL = os.environ.get("CACHE_URL") or (
    redis_database(os.environ["REDIS_URL"], 1) if os.environ.get("REDIS_URL") else "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    # MAX_ENTRIES above the default 300: culling would forget live rate-limit counters.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 20000}}}
# Proxies in front of the app that append to X-Forwarded-For (nginx: 1). 0: the header is
# the client's own claim and is never read (policyops.ratelimit.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# X-Forwarded-Proto likewise: trusted only behind a declared (TLS-terminating) proxy, else any
# client could claim https.
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
# Exported cells are made safe by policyops.cells (every Resource's export_field). Of the
# library's own switches, illegal-character escaping stays on as a net for any other Resource;
# its formula escaping stays off: it drops a leading "=" only, and turns every number into text.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Sessions only: HTTP Basic would take a password on every request with no throttle or lockout
    # (issue 13 #7); scripts log in once and keep the session cookie.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_SCHEMA_CLASS": "policyops.api.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "policyops.pagination.CappedLimitOffsetPagination",
    # JSON, and the browsable API with its code colours from a file (the CSP blocks inline styles).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "policyops.api_renderers.BrowsableAPIRenderer"],
    # DRF's three (policyops.api_parsers): each makes its text plain, and the JSON reader refuses as a
    # 400 what reached a 500 through DRF's.
    "DEFAULT_PARSER_CLASSES": ["policyops.api_parsers.JSONParser", "policyops.api_parsers.FormParser",
                               "policyops.api_parsers.MultiPartParser"],
    "PAGE_SIZE": 50,
    # The browsable API's titles and descriptions in the user's language, not from class names
    # and docstrings (policyops.api.view_name).
    "VIEW_NAME_FUNCTION": "policyops.api.view_name",
    "VIEW_DESCRIPTION_FUNCTION": "policyops.api.view_description",
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
    # The schema and its docs map every staff endpoint: for logged-in staff only (issue 13, access matrix).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # What the docs say comes from what is written for their readers and translated (a view's
    # api_description, a step's label, help texts); docstrings are notes for developers, in
    # English, and a serializer without one showed its base class's ("DRF's serializer whose …").
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
}

# --- Logs and metrics (policyops.logging_json, policyops.metrics) ------------------------
# LOG_FORMAT=json: one JSON object per line, for a log collector (production's default);
# console: one readable line (the laptop's default). Every line carries the request's id or
# the Celery task's id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "console")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # A refused page (403, or 400 for a NUL character) is routine: one line, not Django's full traceback.
        "refusal_one_line": {"()": "policyops.logfilters.RefusalOneLine"},
        "context": {"()": "policyops.logging_json.ContextFilter"},
    },
    "formatters": {
        "console": {"format": "%(levelname)s %(name)s%(log_context)s: %(message)s"},
        "json": {"()": "policyops.logging_json.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": "json" if LOG_FORMAT == "json" else "console"}},
    "loggers": {"django.request": {"filters": ["refusal_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# Celery workers log through the handler above (with the task id), not a root logger of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Who may read /metrics: these addresses or networks (comma-separated), or a request with
# "Authorization: Bearer $METRICS_TOKEN". The address is the client's (TRUSTED_PROXY_COUNT).
METRICS_ALLOWED_IPS = [a.strip() for a in os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1").split(",") if a.strip()]
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
