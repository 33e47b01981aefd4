"""A notice is plain text, escaped once: where it is shown (issue 13 #5: "P&G" printed as "P&amp;G")."""
import datetime as dt

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalCase, CaseNotice
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
NAME = "P&G <青岛> \"测试\""


@pytest.fixture
def accepted_notice(power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    ApprovalCase.objects.filter(pk=case.pk).update(applicant_name=NAME)
    case.refresh_from_db()
    services.case_accept(case=case, acting_user=clerk, as_of=dt.date(2024, 9, 30))
    return CaseNotice.objects.get(case=case, kind=CaseNotice.Kind.ACCEPTANCE)


def test_the_stored_notice_holds_the_name_as_typed(accepted_notice):
    assert f"申请人：{NAME}" in accepted_notice.body


def test_the_printed_notice_escapes_the_name_once(client, clerk, accepted_notice):
    client.force_login(clerk)
    html = client.get(reverse("approvals:notice_print", args=[accepted_notice.pk])).content.decode()
    assert "P&amp;G &lt;青岛&gt; &quot;测试&quot;" in html and "&amp;amp;" not in html
