"""Issue 11: the printed sign names whom a substitute replaced, Chinese XLSX names, chart widths,
supervisors told of A/B filings, phone-width markup."""
import datetime as dt
import html
import re
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from policyops import charts
from policyops.models import District, Notification
from policyops.roles import Role
from programs.halls import services, training
from programs.halls.models import DutyShift
from programs.halls.views.common import download
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, at

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def file_for(shift, substitute):
    return services.shift_file_substitution(shift=shift, substitute=substitute, reason="开会",
                                            acting_user=shift.director.person.user,
                                            now=at(8, day=DAY - dt.timedelta(days=1)))


def test_the_printed_sign_names_whom_the_substitute_replaced(client, hall):
    a, b = make_director(hall, "张局长"), make_director(hall, "李局长")
    file_for(DutyShiftFactory(director=a, date=DAY), b)
    page = html.unescape(client.get(reverse("halls:rota_print", args=[hall.pk, 2024, 10])).content.decode())
    with translation.override("zh-hans"):
        replaced = gettext("(for %(name)s)") % {"name": "张局长"}
    assert re.search(r"李局长 <span class=\"for\">" + re.escape(replaced), page)


def test_the_briefing_xlsx_has_a_chinese_name_and_an_ascii_fallback(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("halls:briefing_xlsx", args=[2024, 10]))
    header = response["Content-Disposition"]
    assert header.startswith('attachment; filename="halls-briefing-2024-10.xlsx"; filename*=UTF-8\'\'')
    with translation.override("zh-hans"):
        wanted = gettext("Hall duty briefing %(month)s") % {"month": "2024-10"} + ".xlsx"
    assert unquote(header.split("''", 1)[1]) == wanted


def test_the_assessment_xlsx_name_says_whose_figures_it_holds(client, supervisor, hall):
    client.force_login(supervisor)
    response = client.get(reverse("halls:assessment_xlsx", args=[2024]), {"level": f"hall:{hall.pk}"})
    header = response["Content-Disposition"]
    assert 'filename="halls-assessment-2024.xlsx"' in header
    assert unquote(header.split("''", 1)[1]).endswith(f" {hall.name}.xlsx")


def test_download_keeps_the_header_ascii_and_strips_path_characters():
    from django.http import HttpResponse

    header = download(HttpResponse(), name='简报/2024:"10"', fallback="b.xlsx")["Content-Disposition"]
    assert header.isascii() and header.endswith("''" + quote("简报-2024-10-.xlsx"))


def test_two_different_values_draw_bars_of_different_widths():
    chart = charts.bar_chart([("教育局", 0.9), ("民政局", 0.3)], maximum=1, as_percent=True)
    markup = render_to_string("policyops/_bar_chart.html", {"chart": chart, "title": "出勤率"})
    widths = re.findall(r'<rect class="bar-chart__value"[^>]* width="([0-9.]+)"', markup)
    assert widths == ["288.0", "96.0"]
    # No class a page stylesheet could resize (site.css has .bar{width:9rem}).
    tokens = {token for value in re.findall(r'class="([^"]*)"', markup) for token in value.split()}
    assert "bar" not in tokens and {"bar-chart__track", "bar-chart__value"} <= tokens


def test_supervisors_of_the_hall_are_told_of_a_filing_with_a_link_to_object(hall, supervisor):
    laixi = District.objects.get_or_create(name="莱西市", defaults={"position": 9})[0]
    elsewhere = make_user(Role.PROGRAMME_MANAGER, district=laixi)
    a, b = make_director(hall, "张局长"), make_director(hall, "李局长")
    shift = file_for(DutyShiftFactory(director=a, date=DAY), b)
    told = Notification.objects.filter(kind="shift.substitution_filed", channel=Notification.Channel.INBOX)
    assert set(told.values_list("recipient_id", flat=True)) == {supervisor.pk, b.person.user_id}
    assert told.get(recipient=supervisor).url == reverse("admin:halls_dutyshift_change", args=[shift.pk])
    assert not told.filter(recipient=elsewhere).exists()


def test_a_practice_filing_reaches_the_substitute_only(hall, supervisor):
    practice_hall = training.hall_set_up(name="培训大厅（测试）", source="测试")
    a, b = make_director(hall, "张局长"), make_director(hall, "李局长")
    shift = DutyShiftFactory(director=a, hall=practice_hall, date=DAY)
    file_for(shift, b)
    assert shift.state == DutyShift.State.SUBSTITUTED
    told = Notification.objects.filter(kind="shift.substitution_filed")
    assert set(told.values_list("recipient_id", flat=True)) == {b.person.user_id}


def test_phone_pages_put_wide_tables_in_a_scrolling_wrapper(client, hall):
    director = make_director(hall, "张局长")
    DutyShiftFactory(director=director, date=dt.date.today() + dt.timedelta(days=2))
    client.force_login(director.person.user)
    my_shifts = client.get(reverse("halls:my_shifts")).content.decode()
    assert '<div class="table-scroll"><table class="halls-shifts">' in my_shifts
    first = dt.date.today().replace(day=1)
    rota = client.get(reverse("halls:rota", args=[hall.pk, first.year, first.month])).content.decode()
    assert '<div class="table-scroll"><table class="halls-rota">' in rota
    printed = client.get(reverse("halls:rota_print", args=[hall.pk, 2024, 10])).content.decode()
    assert 'name="viewport"' in printed and "halls/rota_print.css" in printed
    assert "@media screen and (max-width:820px)" in Path(finders.find("halls/rota_print.css")).read_text()


def test_the_index_links_the_training_screen_and_only_there(client, hall):
    practice_hall = training.hall_set_up(name="培训大厅（测试）", source="测试")
    from programs.halls import codes

    page = client.get(reverse("halls:index")).content.decode()
    assert reverse("halls:kiosk", args=[codes.kiosk_token(practice_hall.duty_settings)]) in page
    assert reverse("halls:kiosk", args=[codes.kiosk_token(hall.duty_settings)]) not in page
