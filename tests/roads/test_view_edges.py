"""Edges of the road programme's pages and API that the journeys leave open (found by mutation testing)."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from policyops.models import PolicyDocument
from programs.roads import import_store, project_lists, rules, selectors, services, tasks
from programs.roads.models import Step
from programs.roads.resources import PROJECT_COLUMNS
from programs.roads.sample_files import sample_csv
from programs.roads.subsidy import ProjectQuoter
from programs.roads.views import _measure_cells, bar_chart, reward_budget
from programs.roads.views_import import REQUEST_OVERHEAD_BYTES, SESSION_KEY, _read_upload, pending_import
from tests.factories import IndicatorFactory, IndicatorReadingFactory
from tests.pages import messages_of, zh
from tests.roads.factories import RoadProjectFactory, dated
from tests.roads.test_projects import new_project

pytestmark = pytest.mark.django_db
D = Decimal
IMPORT_URL = "roads:project-import"
MAX_BYTES = project_lists.PROJECT_UPLOAD_MAX_BYTES
# --- the dashboard's cells, charts and budget -----------------------------------------------------------


def progress(target, planned=0, under_way=0, completed=0, accepted=0):
    return SimpleNamespace(target=D(target), planned=D(planned), under_way=D(under_way), completed=D(completed),
                           accepted=D(accepted))


def planned_cell(p):
    return next(cell for cell in _measure_cells(p) if cell["key"] == "planned")


def shown(cell):
    return cell["value"], cell["share"], cell["width"], cell["met"]


def test_a_measure_at_half_its_target_fills_half_its_bar():
    assert shown(planned_cell(progress(10, planned=5))) == ("5", "50.0%", 50, False)


def test_a_measure_at_its_target_is_met_with_a_full_bar():
    assert shown(planned_cell(progress(10, planned=10))) == ("10", "100.0%", 100, True)


def test_a_measure_beyond_its_target_fills_the_bar_no_further():
    assert shown(planned_cell(progress(10, planned=15))) == ("15", "150.0%", 100, True)


def test_a_measure_of_no_target_has_no_share_and_no_bar():
    assert shown(planned_cell(progress(0, planned=3))) == ("3", "", 0, False)


def test_the_cells_are_the_four_measures_in_order():
    assert [cell["key"] for cell in _measure_cells(progress(10))] == ["planned", "under_way", "completed", "accepted"]


def test_a_chart_names_the_work_types_of_its_column():
    assert bar_chart("major_medium_km", [])["work_types"] == "大修、中修"


BUDGET = SimpleNamespace(params={"city_budget_wan": D("100")})


def test_the_budget_committed_to_the_last_wan_is_not_over():
    budget = reward_budget(BUDGET, [2018, 2019], [D("40"), D("60")])
    assert [(row["year"], row["cumulative"], row["share"], row["over"]) for row in budget["rows"]] == [
        (2018, D("40"), "40.0%", False), (2019, D("100"), "100.0%", False)]
    assert budget["remaining"] == 0 and budget["over"] is False


def test_a_budget_committed_beyond_the_total_is_over():
    budget = reward_budget(BUDGET, [2018], [D("100.01")])
    assert budget["rows"][0]["over"] is True and budget["over"] is True


# --- the dashboard page ----------------------------------------------------------------------------------


def dashboard(client, user, **query):
    client.force_login(user)
    return client.get(reverse("roads:dashboard"), query)


def test_the_dashboard_shows_each_districts_km_target(seeded, client, supervisor):
    districts = {row["district"].name: row for row in dashboard(client, supervisor).context["districts"]}
    assert districts["平度市"]["km_target"] == "990.6"


def test_a_project_that_cannot_be_quoted_is_counted_as_unquoted(seeded, client, supervisor, manager):
    new_project(manager, pavement_width_m=None)  # no width: no rate applies
    rows = {row["district"]: row for row in dashboard(client, supervisor).context["subsidy"]["rows"]}
    assert rows["平度市"]["unquoted"] == 1 and rows["平度市"]["total"] == 0


def test_the_dashboard_says_when_the_subsidy_rates_are_missing(no_programme_data, client, supervisor):
    response = dashboard(client, supervisor)
    assert response.context["table_missing"] is True
    assert zh("The subsidy rates have not been loaded, so no project can be quoted.") in response.content.decode()


@pytest.fixture
def digest(monkeypatch):
    """A digest of the quotes' inputs as PostgreSQL gives it (selectors.quote_inputs_digest is None elsewhere)."""
    cache.clear()  # nothing kept by an earlier test
    monkeypatch.setattr(selectors, "quote_inputs_digest", lambda: "inputs-as-they-were")
    yield
    cache.clear()


def test_the_subsidy_totals_kept_under_a_digest_are_shown_again_without_quoting(seeded, client, supervisor, manager,
                                                                                digest, monkeypatch):
    new_project(manager, quantity=D("10"), pavement_width_m=D("6"), estimate_wan=D("5000"))
    first = dashboard(client, supervisor).context["subsidy"]
    quoted = []
    compute = ProjectQuoter._compute

    def counting(self, *args):
        quoted.append(args)
        return compute(self, *args)

    monkeypatch.setattr(ProjectQuoter, "_compute", counting)
    again = dashboard(client, supervisor).context["subsidy"]
    assert quoted == [] and again["rows"] == first["rows"]
    assert {row["district"]: row["total"] for row in again["rows"]}["平度市"] == D("900")


def test_without_the_rates_nothing_is_kept_and_the_dashboard_still_opens(no_programme_data, client, supervisor,
                                                                         digest):
    response = dashboard(client, supervisor)
    assert response.status_code == 200 and response.context["subsidy"]["total"] == 0


def test_an_indicator_its_latest_reading_meets_is_marked_met(seeded, client, supervisor):
    indicator = IndicatorFactory(document=PolicyDocument.objects.get(number=rules.PROGRAMME_DOCUMENT_NUMBER),
                                 name="测试中等路以上比例", unit="%", target_value=D("75"), target_year=2020)
    IndicatorReadingFactory(indicator=indicator, period_end=dt.date(2019, 12, 31), value=D("76"))
    rows = {row["indicator"].name: row for row in dashboard(client, supervisor).context["indicators"]}
    assert rows["测试中等路以上比例"]["met"] is True


# --- the project pages ----------------------------------------------------------------------------------------


@pytest.fixture
def in_design(manager):
    project = RoadProjectFactory(acting_user=manager)
    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=dt.date(2018, 6, 1))
    return project


def test_the_project_page_marks_the_current_step_only(client, manager, in_design):
    client.force_login(manager)
    response = client.get(reverse("roads:project-detail", args=[in_design.pk]))
    assert [row["milestone"].step for row in response.context["milestones"] if row["current"]] == [
        Step.SURVEY_DESIGN]


def test_a_step_page_heads_with_the_district_status_and_the_current_milestone(client, manager, in_design):
    dated(in_design, survey_design=(dt.date(2018, 6, 1), None))
    client.force_login(manager)
    head = client.get(reverse("roads:project-action", args=[in_design.pk, "approve_design"])).context["head"]
    with translation.override("zh-hans"):
        state = str(in_design.get_state_display())
    assert head[:2] == [(zh("district"), "平度市 · 南村镇"), (zh("status"), state)]
    assert head[3] == (zh("actual start"), "2018-06-01")


# --- the API ---------------------------------------------------------------------------------------------


def test_a_quote_of_no_length_is_nothing(seeded, manager):
    api = APIClient()
    api.force_authenticate(manager)
    response = api.post("/api/roads/subsidy-quote/", {
        "district": "平度市", "work_type": "路网提档升级", "length_km": "0", "width_m": "6.5", "estimate_wan": "2000"},
        format="json")
    assert response.status_code == 200 and response.json()["amount_wan"] == "0.00"


# --- importing project lists ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Previewed lists wait in a folder of this test (programs.roads.import_store)."""
    settings.ROADS_IMPORT_DIR = tmp_path / "imports"


def upload(client, content, name="清单.csv"):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, content)})


def test_the_upload_page_says_what_each_column_expects(client, manager):
    client.force_login(manager)
    columns = dict(client.get(reverse(IMPORT_URL)).context["columns"])
    assert columns[PROJECT_COLUMNS["district"]] == zh("the district's name, e.g. 平度市")


def test_a_file_of_the_largest_size_is_read_whole():
    assert len(_read_upload(SimpleUploadedFile("清单.csv", b"x" * MAX_BYTES))) == MAX_BYTES


def test_a_larger_file_is_read_one_byte_past_the_limit_only():
    assert len(_read_upload(SimpleUploadedFile("清单.csv", b"x" * (MAX_BYTES + 100)))) == MAX_BYTES + 1


def test_a_request_of_exactly_the_largest_body_is_read_not_refused_unread(client, manager):
    client.force_login(manager)
    envelope = len(encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("big.csv", b"")}))
    content = b"x" * (MAX_BYTES + REQUEST_OVERHEAD_BYTES - envelope)
    response = upload(client, content, name="big.csv")
    assert response.wsgi_request.META["CONTENT_LENGTH"] == str(MAX_BYTES + REQUEST_OVERHEAD_BYTES)
    assert response.context["error"] is None
    assert response.context["form"].errors["file"] == [zh("The file is too large (at most 5 MB).")]


def test_a_list_of_exactly_the_background_size_is_saved_at_once(client, manager, monkeypatch):
    monkeypatch.setattr(project_lists, "BACKGROUND_ROWS", 3)
    client.force_login(manager)
    response = upload(client, sample_csv(3))
    assert response.context["confirm_form"] is not None and response.context["in_background"] is False


def test_an_expired_upload_is_no_longer_waiting(client, manager, monkeypatch):
    client.force_login(manager)
    upload(client, sample_csv(2))
    later = timezone.now() + project_lists.PREVIEW_LIFETIME + dt.timedelta(minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert pending_import(client.session) is None


def test_confirming_a_list_gone_from_the_store_goes_back_with_the_reason(client, manager):
    client.force_login(manager)
    upload(client, sample_csv(2))
    token = client.session[SESSION_KEY]["token"]
    import_store.discard(token)
    response = client.post(reverse(IMPORT_URL), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT_URL)
    assert messages_of(client.get(response["Location"]), "error") == [str(project_lists.expired_problem().reason)]


@pytest.fixture
def background(monkeypatch):
    """Lists of more than 2 rows saved by the Celery task (eager in tests)."""
    monkeypatch.setattr(project_lists, "BACKGROUND_ROWS", 2)


def test_a_list_another_tab_took_for_the_background_goes_back_with_the_reason(client, manager, background,
                                                                              monkeypatch):
    client.force_login(manager)
    upload(client, sample_csv(3))
    monkeypatch.setattr(project_lists, "claim_for_background", lambda token, *, user, now=None: None)
    response = client.post(reverse(IMPORT_URL), {"token": client.session[SESSION_KEY]["token"]})
    assert response.status_code == 302 and response["Location"] == reverse(IMPORT_URL)
    assert messages_of(client.get(response["Location"]), "error") == [str(project_lists.expired_problem().reason)]


def test_a_list_the_broker_did_not_take_shows_its_failure_to_the_uploader(client, manager, background,
                                                                         monkeypatch):
    def broker_gone(*args, **kwargs):
        raise OperationalError("the broker went away")

    monkeypatch.setattr(tasks.import_project_list, "apply_async", broker_gone)
    client.force_login(manager)
    upload(client, sample_csv(3))
    token = client.session[SESSION_KEY]["token"]
    client.post(reverse(IMPORT_URL), {"token": token})
    response = client.get(reverse("roads:project-import-status", args=[token]))
    assert response.status_code == 200 and response.context["progress"]["state"] == "failed"
    assert [p["reason"] for p in response.context["problems"]] == [zh("This import could not be saved.")]


def test_a_finished_import_offers_another_upload(client, manager, background):
    client.force_login(manager)
    upload(client, sample_csv(3))
    token = client.session[SESSION_KEY]["token"]
    client.post(reverse(IMPORT_URL), {"token": token})
    response = client.get(reverse("roads:project-import-status", args=[token]))
    assert response.context["progress"]["state"] == "done" and response.context["finished"] is True
    assert zh("Upload another file") in response.content.decode()


def test_the_project_list_is_downloaded_as_an_attachment(client, manager):
    client.force_login(manager)
    response = client.get(reverse("roads:project-export-csv"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
