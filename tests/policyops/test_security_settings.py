"""Production settings, safe laptop defaults, login lockout, session lengths and the CSP (issue 13 #9, #11)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from policyops import secret_key
from policyops.roles import Role
from programs.halls import codes
from tests.conftest import make_user
from tests.halls.factories import HallFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests"  # tests.factories.UserFactory's
# Settings and environment variables of this machine that would change what a fresh process reads.
INHERITED = ("DEBUG", "SECRET_KEY", "POLICYOPS_ENV", "TRUSTED_PROXY_COUNT", "DB_CONN_MAX_AGE", "DB_PREPARE_THRESHOLD",
             "LOGIN_LOGS_KEPT_DAYS", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
             "DJANGO_SETTINGS_MODULE")
STRONG_KEY = "k" * 20 + "-production-test-key-" + "x9Q2#" * 5  # long and varied: no security.W009


def fresh_env(tmp_path, **extra) -> dict:
    """The environment of a new process on a fresh laptop (its own var folder), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env.update({"DJANGO_SETTINGS_MODULE": "policyops.settings", "POLICYOPS_VAR_DIR": str(tmp_path / "var"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}, **extra)
    return env


def read_settings(tmp_path, *names, **extra_env) -> dict:
    """The named settings as a new process with this environment reads them."""
    # Reading the settings module is enough (no django.setup(): loading the apps costs seconds).
    code = ("import json; from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=fresh_env(tmp_path, **extra_env),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def production_env(**extra) -> dict:
    return {"POLICYOPS_ENV": "production", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "policyops.example.gov.cn",
            **extra}


# --- Laptop defaults (issue 13 #9) ---------------------------------------------------------------


def test_debug_is_off_unless_the_environment_asks_for_it(tmp_path):
    assert read_settings(tmp_path, "DEBUG") == {"DEBUG": False}


def test_database_connections_close_after_each_request_by_default(tmp_path):
    database = read_settings(tmp_path, "DATABASES")["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0 and database["CONN_HEALTH_CHECKS"] is True


POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/anything"  # read, never connected to


def test_postgresql_sends_values_in_the_sql_text_by_default(tmp_path):
    database = read_settings(tmp_path, "DATABASES", DATABASE_URL=POSTGRES_URL)["DATABASES"]["default"]
    assert "server_side_binding" not in database.get("OPTIONS", {})


def test_a_prepare_threshold_binds_values_on_the_server_and_prepares_repeated_statements(tmp_path):
    database = read_settings(tmp_path, "DATABASES", DATABASE_URL=POSTGRES_URL,
                             DB_PREPARE_THRESHOLD="5")["DATABASES"]["default"]
    assert database["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_sqlite_is_given_no_postgresql_options(tmp_path):
    database = read_settings(tmp_path, "DATABASES", DB_PREPARE_THRESHOLD="3")["DATABASES"]["default"]
    assert "prepare_threshold" not in database.get("OPTIONS", {})


@pytest.mark.parametrize("value", ["0", "five", "-1"])
def test_a_prepare_threshold_that_is_no_whole_number_of_at_least_one_is_refused(tmp_path, value):
    done = subprocess.run([sys.executable, "-c", "from django.conf import settings; settings.DATABASES"], cwd=ROOT,
                          env=fresh_env(tmp_path, DATABASE_URL=POSTGRES_URL, DB_PREPARE_THRESHOLD=value),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "DB_PREPARE_THRESHOLD must be a whole number" in done.stderr


def test_gunicorn_keeps_its_workers_connections_for_a_minute():
    code = "import os, runpy; runpy.run_path('policyops/gunicorn_conf.py'); print(os.environ['DB_CONN_MAX_AGE'])"
    env = {k: v for k, v in os.environ.items() if k != "DB_CONN_MAX_AGE"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "60"


def test_an_operators_db_conn_max_age_wins_over_gunicorns_default():
    code = "import os, runpy; runpy.run_path('policyops/gunicorn_conf.py'); print(os.environ['DB_CONN_MAX_AGE'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "DB_CONN_MAX_AGE": "5"},
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "5"


def test_a_gunicorn_worker_freezes_what_it_has_loaded_once_it_is_ready():
    code = ("import gc, runpy; conf = runpy.run_path('policyops/gunicorn_conf.py'); before = gc.get_freeze_count(); "
            "conf['post_worker_init'](None); print(before, gc.get_freeze_count() > before)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "True"]


def test_serve_keeps_no_connection_past_its_request_whatever_the_environment_says(monkeypatch):
    from policyops.management.commands import serve

    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 60)  # e.g. a production env file
    seen = {}
    monkeypatch.setattr(serve, "call_command",
                        lambda *a, **kw: seen.setdefault("age", settings.DATABASES["default"]["CONN_MAX_AGE"]))
    serve.Command().handle(addrport="127.0.0.1:1", no_celery=True)
    assert seen == {"age": 0}


def test_a_laptop_without_secret_key_makes_one_and_keeps_it(tmp_path):
    first = read_settings(tmp_path, "SECRET_KEY")["SECRET_KEY"]
    second = read_settings(tmp_path, "SECRET_KEY")["SECRET_KEY"]
    assert first == second and len(first) >= 50
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first


def test_the_generated_secret_key_is_readable_by_its_owner_only(tmp_path):
    secret_key.load_or_create(tmp_path / "secret_key")
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_refuses_to_start_without_secret_key(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=fresh_env(tmp_path, POLICYOPS_ENV="production"), capture_output=True, text=True,
                          check=False)
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


# --- The production switch (issue 13 #11) ---------------------------------------------------------


def test_check_deploy_finds_nothing_with_the_production_settings(tmp_path):
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=fresh_env(tmp_path, **production_env()), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_turns_on_https_only_cookies_hsts_and_the_redirect(tmp_path):
    names = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS")
    assert read_settings(tmp_path, *names, **production_env()) == {
        "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True}


def test_the_laptop_serves_plain_http(tmp_path):
    assert read_settings(tmp_path, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS") == {
        "SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 0}


def test_x_forwarded_proto_is_trusted_only_from_a_declared_proxy(tmp_path):
    assert read_settings(tmp_path, "SECURE_PROXY_SSL_HEADER", **production_env()) == {"SECURE_PROXY_SSL_HEADER": None}
    declared = read_settings(tmp_path, "SECURE_PROXY_SSL_HEADER", **production_env(TRUSTED_PROXY_COUNT="1"))
    assert declared == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_csrf_trusted_origins_come_from_the_environment(tmp_path):
    origins = "https://policyops.example.gov.cn,https://zw.example.gov.cn"
    assert read_settings(tmp_path, "CSRF_TRUSTED_ORIGINS", CSRF_TRUSTED_ORIGINS=origins) == {
        "CSRF_TRUSTED_ORIGINS": origins.split(",")}


def test_pages_are_never_framed_and_not_sniffed(client, db):
    response = client.get(reverse("admin:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- Passwords, login lockout and sessions ---------------------------------------------------------


def test_a_password_needs_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("Qd-2018-pdx")  # 11
    validate_password("Qd-2018-pdxz")  # 12


def log_in(client, username, password, *, ip="10.0.0.7"):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/"},
                       REMOTE_ADDR=ip)


@override_settings(AXES_ENABLED=True)
def test_five_wrong_passwords_lock_the_username_at_that_address(client, db):
    user = make_user(Role.CLERK)
    for _ in range(4):
        assert log_in(client, user.username, "wrong-password").status_code == 200  # the form again
    assert log_in(client, user.username, "wrong-password").status_code == 429
    response = log_in(client, user.username, PASSWORD)  # even the right password, now
    assert response.status_code == 429
    assert "policyops/lockout.html" in [t.name for t in response.templates]
    assert b"15" in response.content and b'name="password"' not in response.content
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True)
def test_a_login_without_a_client_address_is_logged_without_one(client, db):
    """force_login (the benchmark's sessions) and a unix-socket server give no REMOTE_ADDR;
    axes' address column refused "unknown" on PostgreSQL."""
    from axes.models import AccessLog

    user = make_user(Role.CLERK)
    client.force_login(user)
    assert AccessLog.objects.get(username=user.username).ip_address is None


@override_settings(AXES_ENABLED=True)
def test_each_wrong_password_is_kept_after_the_right_one_clears_the_count(client, db):
    from axes.models import AccessAttempt, AccessFailureLog

    user = make_user(Role.CLERK)
    for _ in range(5):
        log_in(client, user.username, "wrong-password", ip="10.0.0.7")
    log_in(client, user.username, PASSWORD, ip="10.0.0.8")
    AccessAttempt.objects.all().delete()  # the lockout lifted in the admin
    failures = AccessFailureLog.objects.filter(username=user.username).order_by("attempt_time", "id")
    assert [(f.ip_address, f.locked_out) for f in failures] == [("10.0.0.7", False)] * 4 + [("10.0.0.7", True)]


@override_settings(AXES_ENABLED=True)
def test_four_wrong_passwords_do_not_lock(client, db):
    user = make_user(Role.CLERK)
    for _ in range(4):
        log_in(client, user.username, "wrong-password")
    assert log_in(client, user.username, PASSWORD).status_code == 302


@override_settings(AXES_ENABLED=True)
def test_the_lockout_does_not_reach_the_same_username_from_another_address(client, db):
    user = make_user(Role.CLERK)
    for _ in range(5):
        log_in(client, user.username, "wrong-password", ip="10.0.0.7")
    assert log_in(client, user.username, PASSWORD, ip="10.0.0.8").status_code == 302


@override_settings(AXES_ENABLED=True)
def test_the_lockout_ends_after_fifteen_minutes(client, db):
    from axes.models import AccessAttempt

    user = make_user(Role.CLERK)
    for _ in range(5):
        log_in(client, user.username, "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    assert log_in(client, user.username, PASSWORD).status_code == 302


def test_a_staff_session_lasts_a_working_day(client, db):
    user = make_user(Role.CLERK)
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 10 * 60 * 60


def kiosk_url(hall) -> str:
    return reverse("halls:kiosk", args=[codes.kiosk_token(hall.duty_settings)])


def test_a_session_that_opens_a_kiosk_screen_ends_fifteen_minutes_later(client, db):
    client.force_login(make_user(Role.SUPERVISOR))
    before = timezone.now()
    client.get(kiosk_url(HallFactory()))
    expiry = client.session.get_expiry_date()
    assert before + dt.timedelta(minutes=15) <= expiry <= timezone.now() + dt.timedelta(minutes=15)


def test_refreshing_the_kiosk_screen_does_not_extend_its_session(client, db):
    client.force_login(make_user(Role.SUPERVISOR))
    hall = HallFactory()
    client.get(kiosk_url(hall))
    first = client.session.get_expiry_date()
    client.get(kiosk_url(hall))
    assert client.session.get_expiry_date() == first


def test_the_kiosk_screen_makes_no_session_for_an_anonymous_screen(client, db):
    response = client.get(kiosk_url(HallFactory()))
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME not in response.cookies


# --- Content security policy -----------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_allow_only_this_sites_scripts_and_styles(client, db):
    directives = csp_directives(client.get(reverse("admin:login")))
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


TEMPLATE_DIRS = ("policyops", "approvals", "programs")
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+=|\sstyle=|javascript:", re.IGNORECASE)


def test_our_templates_have_no_inline_script_handler_or_style():
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}"
             for folder in TEMPLATE_DIRS for path in (ROOT / folder).rglob("*.html")
             for match in INLINE.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_api_docs_load_their_start_up_script_from_a_file(client, db):
    client.force_login(make_user(Role.SUPERVISOR))
    page = client.get("/api/docs/").content.decode()
    assert not INLINE.search(page)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
