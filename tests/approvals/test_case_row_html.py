"""approvals.workspace.case_row_writer writes a queue row exactly as _case_row.html renders it.

The template is the row's readable reference; the home page writes rows in Python for speed
(issue 12). Compared over rows on time, due soon, overdue and stopped, with and without a
handler, with the claim form and the handler line, in both languages, and with characters
that must be escaped.
"""
import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from approvals import services, workspace
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date
RECEIVED = D(2024, 9, 27)
CSRF = '<input type="hidden" name="csrfmiddlewaretoken" value="TOKEN">'
NEXT = "/?tab=1&x=<y>&f={0}"  # braces too: nothing is formatted twice


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _rows(clerk, today):
    rows = workspace.case_rows(workspace_cases(clerk), clerk, today)
    assert rows
    return rows


def workspace_cases(clerk):
    from approvals.models import ApprovalCase

    return (ApprovalCase.objects.select_related("power", "handler").prefetch_related("materials", "suspensions")
            .order_by("pk"))


def _template(row, **flags):
    context = {"row": row, "may_claim": flags.get("may_claim", False),
               "show_handler": flags.get("show_handler", False), "csrf_token": "TOKEN",
               "request": type("R", (), {"get_full_path": staticmethod(lambda: NEXT)})()}
    return render_to_string("approvals/panels/_case_row.html", context)


def _ours(row, **flags):
    write = workspace.case_row_writer(csrf_input=CSRF if flags.get("may_claim") else "", next_path=NEXT, **flags)
    return write(row)


@pytest.fixture
def cases(power, entrustment, clerk, head):
    # A name long enough to be shortened, with characters that must be escaped.
    type(power).objects.filter(pk=power.pk).update(name="企业<技术>改造" + "投资项目核准与备案" * 4)
    handled = register_case(power, clerk=clerk, received_on=RECEIVED)
    # A name with characters that must be escaped, set as an old record might hold it.
    type(handled).objects.filter(pk=handled.pk).update(applicant_name='王<五> & "六"')
    services.case_accept(case=handled, acting_user=clerk, as_of=RECEIVED)
    services.case_assign(cases=[handled], handler=clerk.person, acting_user=head)
    free = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_accept(case=free, acting_user=clerk, as_of=RECEIVED)
    register_case(power, clerk=clerk, received_on=RECEIVED)  # submitted
    waiting = register_case(power, clerk=clerk, received_on=RECEIVED, materials=(("申请书", False),))
    services.case_request_correction(case=waiting, acting_user=clerk, as_of=RECEIVED)  # its clock stopped
    handled.refresh_from_db()
    return handled


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("flags", [{}, {"may_claim": True}, {"show_handler": True},
                                   {"may_claim": True, "show_handler": True}])
@pytest.mark.parametrize("days_after_due", [None, -1, 0, 3, 400, "weekend"])
def test_rows_are_the_templates(cases, clerk, language, flags, days_after_due):
    if days_after_due == "weekend":  # overdue, with no working day passed since the due date
        type(cases).objects.filter(pk=cases.pk).update(due_on=D(2024, 11, 15), legal_due_on=D(2024, 11, 15))
        today = D(2024, 11, 17)
    else:
        today = RECEIVED if days_after_due is None else cases.due_on + dt.timedelta(days=days_after_due)
    with translation.override(language):
        for row in _rows(clerk, today):
            assert str(_ours(row, **flags)) == _template(row, **flags)


def test_the_kinds_of_row_compared_are_there(cases, clerk):
    overdue = _rows(clerk, cases.due_on + dt.timedelta(days=10))
    assert {row["alert"] for row in overdue} >= {"red"}
    assert any(row["days_overdue"] for row in overdue)
    assert any(row["clock"]["days_left"] is None for row in overdue)  # the case waiting for materials
    assert any(not row["case"].handler_id for row in overdue) and any(row["case"].handler_id for row in overdue)
    assert any(url for row in overdue for _a, url in row["links"])
    assert {row["alert"] for row in _rows(clerk, cases.due_on - dt.timedelta(days=1))} >= {"yellow"}


def test_special_characters_are_escaped(cases, clerk):
    row = next(row for row in _rows(clerk, RECEIVED) if row["case"].pk == cases.pk)
    html = str(_ours(row, may_claim=True))
    assert "王&lt;五&gt; &amp; &quot;六&quot;" in html and 'value="/?tab=1&amp;x=&lt;y&gt;&amp;f={0}"' in html


def test_the_panels_write_their_rows_in_python(cases, clerk, head):
    panel = workspace.build_my_cases(_request(clerk), RECEIVED)
    assert str(panel["rows_html"]) == "".join(str(_ours(row)) for row in panel["rows"])
