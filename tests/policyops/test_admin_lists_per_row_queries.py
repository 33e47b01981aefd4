"""No admin page asks the database once per row, or carries what the CSP refuses, on the demo's data set.

Django's change list labels each row's checkbox with ``str(obj)`` (Django 5.1+), so a
``__str__`` that names a related object costs a query a row unless the list joins it:
the indicator list ran 44 statements for 96 indicators (their districts), unseen by its
query-count test, whose indicators had no district. A history page labels each record the
same way, and an inline each of its rows. The demo fills every model with rows whose
relations are set, so every registered admin is checked as soon as it exists.
"""
import re
from collections import Counter

import pytest
from django.contrib import admin
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

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


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo, built once for the module (~5 s) and rolled back after it."""
    from policyops.demo import build_demo

    # As TestCase.setUpClass builds class-wide data: in a transaction marked as the test case's,
    # inside which the services' durable blocks may open (a plain atomic would refuse them).
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            build_demo(log=lambda *args: None)
            yield
        finally:
            TestCase._rollback_atomics(atomics)


@pytest.fixture
def demo_admin(demo_data, client):
    client.force_login(make_user(is_superuser=True))
    return client


def repeated_statements(client, urls) -> dict:
    """Per URL, the statement it ran more than twice (a page may read a small table twice,
    for a filter and a column, but not once a row) and how often."""
    repeated = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        shape, times = Counter(statement_shape(q["sql"]) for q in queries.captured_queries).most_common(1)[0]
        if times > 2:
            repeated[url] = (times, shape[:200])
    return repeated


def changelist_pages() -> list[str]:
    """Every registered admin's list."""
    return [reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            for model in admin.site._registry]


def test_no_admin_list_repeats_a_statement_per_row(demo_admin):
    assert not repeated_statements(demo_admin, changelist_pages())


def object_pages(view: str) -> list[str]:
    """The ``view`` page (change, history) of each admin's newest object, where it has one."""
    urls = []
    for model in admin.site._registry:
        newest = model._default_manager.order_by("-pk").first()
        if newest is None:
            continue
        try:
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=[newest.pk]))
        except NoReverseMatch:
            continue
    return urls


def test_no_history_page_repeats_a_statement_per_record(demo_admin):
    urls = object_pages("history")
    assert "/admin/approvals/entrustment/" in " ".join(urls)  # ten records in the demo: read the agency ten times
    assert not repeated_statements(demo_admin, urls)


def test_no_change_page_repeats_a_statement_per_inline_row(demo_admin):
    urls = object_pages("change")
    assert "/admin/roads/roadproject/" in " ".join(urls)  # four milestones: read their project four times
    assert not repeated_statements(demo_admin, urls)


# The Content-Security-Policy (script-src 'self', style-src 'self') refuses inline scripts and
# style attributes: the periodic task form's script and the history list's paginator style
# were refused, seen only as errors in a browser's console.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=\"", re.IGNORECASE)


def test_inline_script_and_style_patterns_find_only_inline_ones():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script id="x" type="application/json">{}</script>')
    assert STYLE_ATTRIBUTE.search('<p class="paginator" style="border-top: 0">')
    assert not STYLE_ATTRIBUTE.search('<link rel="stylesheet" href="/static/a.css">')


def test_no_admin_page_carries_an_inline_script_or_style(demo_admin):
    change_pages = object_pages("change")
    assert "/admin/django_celery_beat/periodictask/" in " ".join(change_pages)
    refused = {}
    for url in changelist_pages() + change_pages + object_pages("history"):
        html = demo_admin.get(url).content.decode()
        found = INLINE_SCRIPT.findall(html) + STYLE_ATTRIBUTE.findall(html)
        if found:
            refused[url] = found[:2]
    assert not refused
