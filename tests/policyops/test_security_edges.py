"""Edges of who may do what, what a failing cache does to a session, the working language, the
NUL refusal, the laptop's secret key and the log's context, that the mutation runner found
unpinned (round 37)."""
import logging

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from policyops import logging_json, secret_key
from policyops.auth_backend import PolicyOpsModelBackend
from policyops.roles import Role
from policyops.sessions import _Forgiving
from tests.conftest import make_user
from tests.policyops.test_null_characters import refused


@pytest.mark.django_db
def test_an_inactive_user_holds_no_permission_of_their_role_and_none_is_read(django_assert_num_queries):
    user = make_user(Role.SUPERVISOR, is_active=False)
    with django_assert_num_queries(0):
        assert PolicyOpsModelBackend().get_all_permissions(user) == set()


@pytest.mark.django_db
def test_a_permission_on_one_object_is_not_the_model_backends_to_grant(django_assert_num_queries):
    user = make_user(Role.SUPERVISOR)
    permission = Permission.objects.first()
    with django_assert_num_queries(0):
        assert PolicyOpsModelBackend().get_all_permissions(user, obj=permission) == set()
    assert PolicyOpsModelBackend().get_all_permissions(user)  # the role's, for the model


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args):
            raise ConnectionError("redis is down")

        return fail


def test_a_failing_cache_is_a_miss_for_a_session(caplog):
    cache = _Forgiving(BrokenCache())
    with caplog.at_level(logging.WARNING, logger="policyops.sessions"):
        assert cache.get("session-key", "fallback") == "fallback"
        assert "session-key" not in cache
    assert [(r.getMessage(), r.exc_info[0]) for r in caplog.records] == [
        ("The session cache did not answer (get)", ConnectionError),
        ("The session cache did not answer (has_key)", ConnectionError)]


@pytest.mark.django_db
def test_a_browser_set_to_english_is_served_chinese_without_the_language_cookie(client):
    html = client.get("/approvals/status/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html


@pytest.mark.django_db
def test_the_language_cookie_chooses_english(client):
    client.cookies["django_language"] = "en"
    html = client.get("/approvals/status/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_a_nul_in_any_value_of_a_repeated_parameter_is_refused(client):
    assert refused(client.get("/approvals/status/?q=PD&q=a%00"))


def test_the_laptops_secret_key_is_created_once_in_a_new_folder_and_read_again(tmp_path):
    path = tmp_path / "var" / "new" / "secret_key"
    key = secret_key.load_or_create(path)
    assert len(key) >= 50 and path.read_text() == key + "\n"
    assert secret_key.load_or_create(path) == key


def test_outside_a_task_and_a_request_a_log_record_has_no_context():
    record = logging.LogRecord("policyops", logging.INFO, __file__, 1, "msg", (), None)
    assert logging_json.ContextFilter().filter(record)
    assert (record.request_id, record.task_id, record.log_context) == ("-", "-", "")


def test_a_log_record_names_the_request_it_was_written_for():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "msg", (), None)
    record.request = RequestFactory().get("/")
    record.request.request_id = "abc123"
    logging_json.ContextFilter().filter(record)
    assert (record.request_id, record.log_context) == ("abc123", " [req=abc123]")
