"""Error pages, the offline API docs, the site stylesheet and the vendor translations."""
import json
import logging
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from policyops.roles import Role
from tests.conftest import make_user

BEAT_ADMIN = "admin:django_celery_beat_periodictask_changelist"


def site_css() -> str:
    with open(finders.find("policyops/site.css"), encoding="utf-8") as f:
        return f.read()


@pytest.fixture
def clerk(seeded):
    return make_user(Role.CLERK)


def test_a_refused_page_is_the_styled_403_with_a_way_back(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse(BEAT_ADMIN))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'href="/"' in html and "data-back" in html and "policyops/site.css" in html


def test_a_403_is_logged_in_one_line_without_traceback(client, clerk, caplog):
    client.force_login(clerk)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse(BEAT_ADMIN))
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and record.exc_info is None
    assert "\n" not in caplog.text.strip()


def test_other_errors_keep_their_traceback():
    from policyops.logfilters import RefusalOneLine

    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (),
                               (ValueError, ValueError(), None))
    record.status_code = 500
    assert RefusalOneLine().filter(record) and record.exc_info is not None


def test_an_unknown_address_is_the_styled_404(client, clerk):
    client.force_login(clerk)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "data-back" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    # Django's handler renders 500.html with an empty context: no request, no context processors.
    with translation.override("zh-hans"):
        response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'lang="zh-hans"' in html and 'href="/"' in html and "data-back" in html


def test_the_api_docs_reference_nothing_outside_the_site(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.findall(r"https?://", html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_progress_bar_rule_does_not_reach_svg_rects():
    css = site_css()
    assert not re.search(r"(^|[},])\s*\.bar\s*\{", css)  # a bare .bar would set the width of <rect class="bar">
    assert "span.bar" in css


def test_wide_tables_scroll_inside_their_wrapper():
    css = site_css()
    assert re.search(r"\.table-scroll\{[^}]*overflow-x:auto", css)
    assert "@media (max-width:720px)" in css


def test_the_indicator_table_is_wrapped_to_scroll(client, clerk):
    from tests.factories import IndicatorFactory

    IndicatorFactory()
    client.force_login(clerk)
    assert '<div class="table-scroll"><table>' in client.get(reverse("policyops:indicators")).content.decode()


def test_the_header_shows_the_user_name_in_its_own_element(client, clerk):
    client.force_login(clerk)
    assert f'<span class="user-name">{clerk.username}</span>' in client.get("/").content.decode()


def test_the_admin_selector_widget_strings_are_chinese():
    # Django 5.2 renamed "Choose all" to "Choose all %s"; its zh_Hans catalogue lacks the new ids.
    from django.views.i18n import JavaScriptCatalog

    with translation.override("zh-hans"):
        response = JavaScriptCatalog.as_view(packages=["django.contrib.admin"])(RequestFactory().get("/"))
    catalog = response.content.decode()  # JSON, non-ASCII escaped
    assert f'"Choose all %s": {json.dumps("全选%s")}' in catalog
    assert f'"Remove all %s": {json.dumps("删除全部%s")}' in catalog


@pytest.mark.parametrize(("msgid", "chinese"), [
    ("Execution Options", "执行选项"),
    ("Arguments", "参数"),
    ("Toggle activity of selected tasks", "切换所选任务的启用状态"),
    ("Unable to parse JSON: %s", "无法解析 JSON：%s"),
    ("Forgotten your login credentials?", "忘记了登录信息？"),
])
def test_the_admin_strings_of_celery_beat_and_django_are_chinese(msgid, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == chinese


def test_the_enable_message_of_celery_beat_is_chinese():
    with translation.override("zh-hans"):
        assert translation.ngettext("{0} task was successfully enabled", "{0} tasks were successfully enabled",
                                    10).format(10) == "已启用 10 个任务。"


def test_a_required_choice_with_one_option_is_preselected(db):
    from django import forms

    from policyops.forms import preselect_single_choices
    from policyops.models import District

    class OneDistrict(forms.Form):
        district = forms.ModelChoiceField(queryset=District.objects.none())

    only = District.objects.create(name="单一区")
    form = OneDistrict()
    form.fields["district"].queryset = District.objects.filter(pk=only.pk)
    preselect_single_choices(form)
    assert form.fields["district"].initial == only.pk


def test_a_required_choice_with_two_options_is_left_to_the_user(db):
    from django import forms

    from policyops.forms import preselect_single_choices
    from policyops.models import District

    class TwoDistricts(forms.Form):
        district = forms.ModelChoiceField(queryset=District.objects.none())

    form = TwoDistricts()
    form.fields["district"].queryset = District.objects.all()[:2]
    preselect_single_choices(form)
    assert form.fields["district"].initial is None
