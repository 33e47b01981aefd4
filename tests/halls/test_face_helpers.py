"""The shared face helpers the hall-duty pages use (policyops.formatting, charts, xlsx, months, ratelimit)."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from policyops import charts, formatting, months, ratelimit, xlsx


def test_percent_and_number():
    assert formatting.percent(Decimal("0.667")) == "66.7%"
    assert formatting.percent(0.5) == "50.0%" and formatting.percent(1) == "100.0%"
    assert formatting.percent(None) == "—" and formatting.percent(None, empty="") == ""
    assert formatting.percent(Decimal("0.12345"), places=2) == "12.35%"
    assert formatting.number(Decimal("69.70")) == "69.7" and formatting.number(200) == "200"
    assert formatting.number(None) == "—" and formatting.ratio(Decimal("0.5")) == 0.5


def test_months():
    assert months.first_of_month(2024, 2) == dt.date(2024, 2, 1)
    for year, month in ((2024, 13), (2024, 0), (1999, 5), (2101, 1)):
        with pytest.raises(ValueError):
            months.first_of_month(year, month)
    assert months.next_month(dt.date(2024, 12, 31)) == dt.date(2025, 1, 1)
    assert months.previous_month(dt.date(2024, 1, 15)) == dt.date(2023, 12, 1)


def test_the_first_and_last_months_and_years_in_range_exist():
    assert [months.first_of_month(2000, 1), months.first_of_month(2100, 12)] == [
        dt.date(2000, 1, 1), dt.date(2100, 12, 1)]


@pytest.mark.parametrize("day, before, after", [
    (dt.date(2023, 2, 10), dt.date(2023, 1, 1), dt.date(2023, 3, 1)),  # a February of 28 days
    (dt.date(2024, 3, 31), dt.date(2024, 2, 1), dt.date(2024, 4, 1)),
    (dt.date(2024, 11, 15), dt.date(2024, 10, 1), dt.date(2024, 12, 1)),
])
def test_the_months_around_a_day(day, before, after):
    assert (months.previous_month(day), months.next_month(day)) == (before, after)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_the_month_after_the_month_before_is_the_days_own(day):
    first = day.replace(day=1)
    assert months.next_month(months.previous_month(day)) == first == months.previous_month(months.next_month(day))
    assert months.previous_month(day) < first < months.next_month(day)


def test_bar_chart_geometry_and_markup():
    chart = charts.bar_chart([("教育局", Decimal("0.5")), ("民政局", None)], maximum=1, as_percent=True)
    assert [bar["width"] for bar in chart["bars"]] == [160.0, 0.0]
    assert [bar["value"] for bar in chart["bars"]] == ["50.0%", "—"]
    counts = charts.bar_chart([("满意", 4), ("不满意", 2)])
    assert [bar["width"] for bar in counts["bars"]] == [320.0, 160.0] and counts["bars"][0]["value"] == "4"
    html = render_to_string("policyops/_bar_chart.html", {"chart": chart, "title": "出勤率"})
    assert html.startswith("<div class=\"chart-scroll\"><svg") and "出勤率" in html and 'width="160.0"' in html
    assert "<svg" not in render_to_string("policyops/_bar_chart.html", {"chart": charts.bar_chart([])})


def test_xlsx_response_writes_shares_as_percentages():
    rows = [("rate", xlsx.Share(0.25)), ("count", 3), ("none", xlsx.share(None))]
    response = xlsx.xlsx_response("报表.xlsx", [("a/b:c", ["figure", "value"], rows)])
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.title == "a b c"
    assert [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("rate", 0.25), ("count", 3), ("none", None)]
    assert sheet["B2"].number_format == "0.0%"


def test_rate_limit_counts_per_client_and_scope():
    cache.clear()
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    other = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2")
    results = [ratelimit.over_limit(request, "test:scope", limit=2, window_seconds=60) for _i in range(3)]
    assert results == [False, False, True]
    assert not ratelimit.over_limit(other, "test:scope", limit=2, window_seconds=60)
    assert not ratelimit.over_limit(request, "test:another", limit=2, window_seconds=60)
    assert ratelimit.client_ip(RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "127.0.0.1"
    cache.clear()
