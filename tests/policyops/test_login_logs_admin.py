"""The login logs' admin lists (django-axes' AccessLog and AccessFailureLog), fast however long they grow."""
import datetime as dt

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_user, statements_reading

pytestmark = pytest.mark.django_db
LOG_URL = reverse("admin:axes_accesslog_changelist")
FAILURE_URL = reverse("admin:axes_accessfailurelog_changelist")


def _log(model, username, *, minutes_ago=0, ip_address="10.0.0.1", **fields):
    row = model.objects.create(username=username, ip_address=ip_address, user_agent="Chrome", http_accept="text/html",
                               path_info="/admin/login/", **fields)
    # attempt_time is auto_now_add: set afterwards to order the rows.
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return row


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user(is_superuser=True, username="root"))
    return client


def _listed(response) -> list:
    return [row.pk for row in response.context["cl"].result_list]


def test_the_login_log_lists_newest_first_in_a_fixed_number_of_queries(superuser_client, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            _log(AccessLog, "root", minutes_ago=AccessLog.objects.count())

    response = assert_constant_queries(superuser_client, LOG_URL, grow)
    assert _listed(response) == list(AccessLog.objects.order_by("-attempt_time").values_list("pk", flat=True))


def test_the_login_log_never_counts_every_login_nor_reads_its_values(superuser_client):
    _log(AccessLog, "root")
    response, reading = statements_reading(superuser_client, LOG_URL, "axes_accesslog")
    assert response.status_code == 200 and len(_listed(response)) == 1
    counts = [sql for sql in reading if "COUNT(" in sql]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]
    # No date hierarchy (its years and months) and no filter on the paths in use.
    assert not any("DISTINCT" in sql or "MIN(" in sql or "EXTRACT" in sql.upper() for sql in reading)


def test_a_search_finds_the_logins_of_accounts_whose_name_holds_the_term(superuser_client):
    make_user(username="zhang_wei")
    mine = _log(AccessLog, "zhang_wei")
    _log(AccessLog, "li_na")
    assert _listed(superuser_client.get(LOG_URL, {"q": "ZHANG"})) == [mine.pk]


def test_a_search_finds_a_failure_under_a_name_that_is_no_account(superuser_client):
    typed = _log(AccessFailureLog, "administrator")
    _log(AccessFailureLog, "root")
    assert _listed(superuser_client.get(FAILURE_URL, {"q": "administrator"})) == [typed.pk]


def test_a_search_for_an_address_finds_the_logins_from_it(superuser_client):
    there = _log(AccessLog, "root", ip_address="192.168.3.7")
    _log(AccessLog, "root", ip_address="192.168.3.70")
    assert _listed(superuser_client.get(LOG_URL, {"q": " 192.168.3.7 "})) == [there.pk]


def test_a_search_for_part_of_an_address_or_another_column_finds_nothing(superuser_client):
    _log(AccessLog, "root", ip_address="192.168.3.7")
    assert _listed(superuser_client.get(LOG_URL, {"q": "192.168"})) == []
    assert _listed(superuser_client.get(LOG_URL, {"q": "Chrome"})) == []


def test_the_failure_log_filters_lockouts_and_recent_days(superuser_client):
    locked = _log(AccessFailureLog, "root", locked_out=True)
    _log(AccessFailureLog, "root", minutes_ago=60 * 24 * 40)
    assert _listed(superuser_client.get(FAILURE_URL, {"locked_out__exact": "1"})) == [locked.pk]
    week_ago = str(timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=7))
    assert _listed(superuser_client.get(FAILURE_URL, {"attempt_time__gte": week_ago})) == [locked.pk]


@pytest.mark.parametrize("table", ["axes_accesslog", "axes_accessfailurelog"])
def test_each_log_has_its_newest_first_index(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert f"{table}_newest_first" in constraints
    assert constraints[f"{table}_newest_first"]["columns"] == ["attempt_time", "id"]


def test_nobody_but_a_superuser_reads_the_login_log(client, supervisor):
    client.force_login(supervisor)
    assert client.get(LOG_URL).status_code == 403
