"""approvals.views.cases.case_list_row_writer writes a case-list row as _case_list_row.html renders it.

The template is the row's readable reference; the list writes its rows in Python for speed
(issue 12). Compared over cases received, accepted (with and without a handler), waiting for
materials and withdrawn, in both languages, with characters that must be escaped.
"""
import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from approvals import services
from approvals.views.cases import case_list_row_writer
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
RECEIVED = dt.date(2024, 9, 27)


@pytest.fixture
def cases(power, entrustment, clerk, head):
    # A name long enough to be shortened, with characters that must be escaped.
    type(power).objects.filter(pk=power.pk).update(name="企业<技术>改造" + "投资项目核准与备案" * 4)
    handled = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_accept(case=handled, acting_user=clerk, as_of=RECEIVED)
    services.case_assign(cases=[handled], handler=clerk.person, acting_user=head)
    type(handled).objects.filter(pk=handled.pk).update(applicant_name='王<五> & "六"')
    free = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_accept(case=free, acting_user=clerk, as_of=RECEIVED)
    register_case(power, clerk=clerk, received_on=RECEIVED)
    waiting = register_case(power, clerk=clerk, received_on=RECEIVED, materials=(("申请书", False),))
    services.case_request_correction(case=waiting, acting_user=clerk, as_of=RECEIVED)
    withdrawn = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_withdraw(case=withdrawn, acting_user=clerk, as_of=RECEIVED)
    return handled


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_are_the_templates(cases, clerk, client, language):
    client.force_login(clerk)
    with translation.override(language):
        response = client.get(reverse("approvals:case_list"), HTTP_ACCEPT_LANGUAGE=language)
        rows = response.context["rows"]
        write = case_list_row_writer()
        assert len(rows) == 5
        for row in rows:
            assert str(write(row)) == render_to_string("approvals/_case_list_row.html", {"row": row})


def test_the_page_carries_the_written_rows(cases, clerk, client):
    client.force_login(clerk)
    response = client.get(reverse("approvals:case_list"))
    html = response.content.decode()
    write = case_list_row_writer()
    assert "".join(str(write(row)) for row in response.context["rows"]) in html
    assert "王&lt;五&gt; &amp; &quot;六&quot;" in html
    assert {row["clock"]["days_left"] is None for row in response.context["rows"]} == {True, False}
