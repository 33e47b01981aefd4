"""policyops.formatting.escaped, escaped_unless_safe and iso_day write what Django's escape,
conditional_escape and |date:"Y-m-d" write."""
import datetime as dt

from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from policyops.formatting import escaped, escaped_unless_safe, iso_day


@given(st.one_of(st.text(), st.integers(), st.dates()))
def test_escaped_is_djangos_escape(value):
    assert escaped(value) == escape(value)


def test_escaped_escapes_every_html_character():
    assert escaped('<a href="x">&\'</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;"


@given(st.text(), st.booleans())
def test_escaped_unless_safe_is_djangos_conditional_escape(text, safe):
    value = mark_safe(text) if safe else text
    assert escaped_unless_safe(value) == conditional_escape(value)
    assert escaped_unless_safe(value) == (text if safe else escape(text))


@given(st.dates(min_value=dt.date(1900, 1, 1)))
def test_iso_day_is_the_date_filter(day):
    assert iso_day(day) == date_filter(day, "Y-m-d")


def test_iso_day_of_no_date_is_the_empty_mark():
    assert iso_day(None) == "—" and iso_day(None, "") == ""
