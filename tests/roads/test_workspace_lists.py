"""Issue 11: the project list's search box, the import saving what its preview showed, the
waiting upload shown again, and one reminder per project however many steps are late."""
import datetime as dt
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from policyops.models import District, Notification
from programs.roads import reminders
from programs.roads.models import RoadProject, Step
from programs.roads.views_import import SESSION_KEY
from tests.roads.factories import RoadProjectFactory
from tests.roads.test_import_export import csv_bytes, row

pytestmark = pytest.mark.django_db
LIST_URL = "roads:project-list"
IMPORT_URL = "roads:project-import"




def names(response):
    return {r["project"].name for r in response.context["rows"]}


# --- search ----------------------------------------------------------------------------------------


@pytest.fixture
def three(supervisor, pingdu):
    laixi = District.objects.get(name="莱西市")
    RoadProjectFactory(acting_user=supervisor, name="东西大道提档", town="南村镇")
    RoadProjectFactory(acting_user=supervisor, name="北环路中修", town="店子镇")
    RoadProjectFactory(acting_user=supervisor, district=laixi, name="莱西南北路", town="院上镇")


@pytest.mark.parametrize("q, expected", [
    ("东西", {"东西大道提档"}),        # project name
    ("店子", {"北环路中修"}),          # town
    ("莱西", {"莱西南北路"}),          # district
    ("  南村镇 ", {"东西大道提档"}),   # trimmed
    ("没有这条路", set()),
])
def test_one_box_searches_name_town_and_district(client, supervisor, three, q, expected):
    client.force_login(supervisor)
    assert names(client.get(reverse(LIST_URL), {"q": q})) == expected


def test_the_search_combines_with_the_filters_and_stays_in_the_pager_links(client, supervisor, three):
    client.force_login(supervisor)
    response = client.get(reverse(LIST_URL), {"q": "路", "district": "平度市"})
    assert names(response) == {"北环路中修"}
    assert response.context["query"] == "q=%E8%B7%AF&district=%E5%B9%B3%E5%BA%A6%E5%B8%82"


def test_the_search_is_scoped_to_the_users_district(client, manager, three):
    client.force_login(manager)
    assert names(client.get(reverse(LIST_URL), {"q": "莱西"})) == set()


def test_an_overlong_or_odd_search_is_harmless(client, supervisor, three):
    client.force_login(supervisor)
    response = client.get(reverse(LIST_URL), {"q": "%_<script>" * 40, "status": "bogus", "page": "x"})
    assert response.status_code == 200 and names(response) == set()
    assert len(response.context["search"]) == 100


def test_the_searched_list_query_count_is_constant(client, supervisor, assert_constant_queries):
    def grow(n):
        for _i in range(n):
            RoadProjectFactory(acting_user=supervisor, town="查询镇",
                               planned_ends={Step.SURVEY_DESIGN: dt.date(2018, 5, 1)})

    client.force_login(supervisor)
    response = assert_constant_queries(client, reverse(LIST_URL) + "?q=查询", grow)
    assert response.context["page"].paginator.count == 28


# --- the import saves what its preview showed ------------------------------------------------------


WIDE = "甲镇（一期）东西路１号"  # full-width brackets and digit, as typed in Excel


def test_the_import_saves_the_names_its_preview_showed(client, manager):
    client.force_login(manager)
    response = client.post(reverse(IMPORT_URL), {"file": _upload(csv_bytes([row(name=WIDE, town="演示甲镇　")]))})
    previewed = response.context["report"].rows[0].name
    assert previewed == unicodedata.normalize("NFKC", WIDE) == "甲镇(一期)东西路1号"
    client.post(reverse(IMPORT_URL), {"token": client.session[SESSION_KEY]["token"]})
    saved = RoadProject.objects.get()
    assert saved.name == previewed and saved.town == "演示甲镇"


def test_a_normalised_name_updates_the_same_project_on_a_second_import(client, manager):
    client.force_login(manager)
    for _i in range(2):
        client.post(reverse(IMPORT_URL), {"file": _upload(csv_bytes([row(name=WIDE)]))})
        client.post(reverse(IMPORT_URL), {"token": client.session[SESSION_KEY]["token"]})
    assert RoadProject.objects.count() == 1


def test_a_file_with_one_bad_row_saves_nothing_and_keeps_nothing_waiting(client, manager):
    client.force_login(manager)
    bad = csv_bytes([row(), row(name="乙路", quantity="约5公里")])
    response = client.post(reverse(IMPORT_URL), {"file": _upload(bad)})
    report = response.context["report"]
    assert [(p.line, p.column) for p in report.problems] == [(3, "建设规模(公里/座/个)")]
    assert response.context["confirm_form"] is None and SESSION_KEY not in client.session
    assert RoadProject.objects.count() == 0


def _upload(content, name="清单.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_waiting_upload_is_shown_again_with_its_confirm_button(client, manager):
    client.force_login(manager)
    client.post(reverse(IMPORT_URL), {"file": _upload(csv_bytes([row()]))})
    token = client.session[SESSION_KEY]["token"]
    response = client.get(reverse(IMPORT_URL), {"pending": "1"})
    assert response.status_code == 200 and response.context["report"].totals["new"] == 1
    assert response.context["confirm_form"]["token"].value() == token
    assert RoadProject.objects.count() == 0  # showing it again saves nothing


def test_without_a_waiting_upload_the_pending_link_says_so(client, manager):
    client.force_login(manager)
    response = client.get(reverse(IMPORT_URL), {"pending": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(IMPORT_URL)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


# --- one reminder per project ------------------------------------------------------------------------


NOW = dt.datetime(2019, 5, 10, 8, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_planned_project_with_several_late_steps_gets_one_message(manager):
    RoadProjectFactory(acting_user=manager, work_type="中修", quantity=Decimal("5"), estimate_wan=Decimal("200"),
                       plan_year=2019, planned_ends={Step.SURVEY_DESIGN: dt.date(2019, 3, 1),
                                                     Step.TENDERING: dt.date(2019, 4, 1),
                                                     Step.CONSTRUCTION: dt.date(2019, 5, 15)})
    assert reminders.sweep_milestones(today=NOW.date(), now=NOW) == 1  # the manager's inbox (no email address)
    message = Notification.objects.get(channel="inbox")
    assert message.kind == "milestone.overdue" and message.due_date == dt.date(2019, 3, 1)
    steps = dict(Step.CHOICES)
    assert str(steps[Step.SURVEY_DESIGN]) in message.subject and str(steps[Step.TENDERING]) in message.subject
    assert message.body.count("\n") == 2  # every late or near step with its planned end
    assert reminders.sweep_milestones(today=NOW.date(), now=NOW) == 0


def test_a_started_project_is_reminded_of_its_current_step_only(manager):
    project = RoadProjectFactory(acting_user=manager, planned_ends={Step.SURVEY_DESIGN: dt.date(2019, 5, 12),
                                                                   Step.TENDERING: dt.date(2019, 5, 1)})
    from programs.roads import services

    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=dt.date(2019, 4, 1))
    reminders.sweep_milestones(today=NOW.date(), now=NOW)
    message = Notification.objects.get(channel="inbox")
    assert message.kind == "milestone.due" and message.due_date == dt.date(2019, 5, 12)
