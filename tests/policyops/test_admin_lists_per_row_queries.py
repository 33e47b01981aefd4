"""No admin list asks the database once per row, on the demo's data set.

Django's change list labels each row's checkbox with ``str(obj)`` (Django 5.1+), so a
``__str__`` that names a related object costs a query a row unless the list joins it:
the indicator list ran 44 statements for 96 indicators (their districts), unseen by its
query-count test, whose indicators had no district. The demo fills every model with rows
whose relations are set, so every registered admin is checked as soon as it exists.
"""
import re
from collections import Counter

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def statement_shape(sql: str) -> str:
    """``sql`` with its literal values (numbers, quoted strings, IN lists) made alike."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(?)", sql)


def test_statement_shape_makes_only_the_values_alike():
    assert statement_shape("SELECT a FROM t WHERE id = 7 AND n = 'x''y' AND k IN (1, 2, 3)") == \
        "SELECT a FROM t WHERE id = ? AND n = ? AND k IN (?)"
    assert statement_shape("SELECT a FROM t1") != statement_shape("SELECT b FROM t1")


def test_no_admin_list_repeats_a_statement_per_row(client):
    from policyops.demo import build_demo

    build_demo(log=lambda *args: None)
    client.force_login(make_user(is_superuser=True))
    repeated = {}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        shape, times = Counter(statement_shape(q["sql"]) for q in queries.captured_queries).most_common(1)[0]
        if times > 2:  # a page may read a small table twice (a filter and a column), not once a row
            repeated[url] = (times, shape[:200])
    assert not repeated
