"""A NUL character in an address is answered with the styled 400, never a 500 (policyops.middleware).

PostgreSQL stores and compares no text holding one; a crawl of every list with odd search
terms found these pages answering 500 to it (round 22).
"""
import logging

import pytest
from django.conf import settings

from policyops.roles import Role
from tests.approvals.factories import pingdu, pingdu_authority
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(seeded):
    return make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())


@pytest.fixture
def supervisor(seeded):
    return make_user(Role.SUPERVISOR)


def refused(response) -> bool:
    return response.status_code == 400 and "400.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("url", [
    "/approvals/cases/?q=%00",
    "/approvals/cases/?q=PD-%00",
    "/approvals/cases/new/first-contacts/?q=a%00b",
])
def test_the_clerks_searches_refuse_a_nul(client, clerk, url):
    client.force_login(clerk)
    assert refused(client.get(url))


@pytest.mark.parametrize("url", [
    "/roads/projects/?q=%00",
    "/tasks/?q=%00",
    "/admin/approvals/approvalcase/?state__exact=%00",
    "/admin/approvals/approvalcase/?st%00ate=1",  # in a parameter's name too
    "/roads/projects/import/%00/",  # and in the path
])
def test_the_supervisors_lists_refuse_a_nul(client, supervisor, url):
    client.force_login(supervisor)
    assert refused(client.get(url))


def test_the_refusal_says_what_to_do_in_chinese(client, clerk):
    client.force_login(clerk)
    html = client.get("/approvals/cases/?q=%00").content.decode()
    assert "无法识别该地址" in html and "空字符" in html and 'href="/"' in html


def test_the_refusal_speaks_the_language_the_user_chose(client, clerk):
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "The address could not be read" in client.get("/approvals/cases/?q=%00").content.decode()


def test_a_search_without_a_nul_is_answered_as_before(client, clerk):
    client.force_login(clerk)
    assert client.get("/approvals/cases/?q=PD-2024").status_code == 200


def test_the_refusal_is_logged_in_one_line_without_traceback(client, clerk, caplog):
    client.force_login(clerk)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/approvals/cases/?q=%00")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 400 and record.exc_info is None
