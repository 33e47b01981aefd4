"""The approvals JSON API: registration, reads, transitions and the error mapping."""
import datetime as dt
import functools
import re

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from rest_framework.test import APIClient

from approvals import services
from approvals.models import ApprovalCase, DelegatedPower
from policyops import api as policyops_api
from policyops.errors import STALE_OBJECT, InvalidInput
from policyops.roles import Role, group_for
from tests.approvals.factories import pingdu_hall, register_case
from tests.conftest import freeze_localdate, make_user
from tests.factories import DistrictFactory, ServiceHallFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
API = "/api/approvals"
PHONE = "0532-88881234"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def today(monkeypatch):
    """Freeze ``timezone.localdate()`` (the API's "today"); call the fixture to move the day."""

    set_today = functools.partial(freeze_localdate, monkeypatch)
    set_today(D(2024, 9, 27))
    return set_today


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def application(power, **changes):
    data = {"power": power.number, "applicant_name": "青岛测试有限公司", "applicant_type": "organisation",
            "applicant_phone": PHONE, "received_hall": pingdu_hall().pk,
            "materials": [{"name": "申请书", "provided": True}, {"name": "营业执照", "provided": True}]}
    data.update(changes)
    return data


def post(user, case_number, transition, data=None):
    return client_for(user).post(f"{API}/cases/{case_number}/{transition}/", data or {}, format="json")


def assert_no_phone(response):
    """The phone is masked (policyops.masking): the full number is in no response but the case's own."""
    body = response.content.decode()
    assert "88881234" not in body


# --- registration ------------------------------------------------------------------------------


def test_register_a_case(power, entrustment, clerk, today):
    response = client_for(clerk).post(f"{API}/cases/", application(power), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"PD-2024-\d{6}", body["number"])
    assert body["state"] == "submitted" and body["received_on"] == "2024-09-27"  # today by default
    assert body["power"] == power.number and body["power_name"] == power.name
    assert body["first_contact"] == clerk.person.name and body["handler"] is None
    assert [m["name"] for m in body["materials"]] == ["申请书", "营业执照"]
    assert body["clock"]["correction_due_on"] == "2024-10-10" and body["clock"]["due_state"] == "on_time"
    # The same steps the admin offers: the correction form ticks the missing items itself.
    assert set(body["allowed_transitions"]) == {"accept", "refuse", "request_correction", "withdraw"}
    assert_no_phone(response)
    case = ApprovalCase.objects.get(number=body["number"])
    assert case.applicant_phone == PHONE and case.first_contact == clerk.person


def test_register_on_an_earlier_day_but_never_a_later_one(power, entrustment, clerk, today):
    ok = client_for(clerk).post(f"{API}/cases/", application(power, received_on="2024-09-26"), format="json")
    assert ok.status_code == 201 and ok.json()["received_on"] == "2024-09-26"
    later = client_for(clerk).post(f"{API}/cases/", application(power, received_on="2024-09-28"), format="json")
    assert later.status_code == 400 and later.json()["field"] == "received_on"


def test_a_bad_phone_is_a_400_naming_the_field(power, clerk, today):
    response = client_for(clerk).post(f"{API}/cases/", application(power, applicant_phone="12"), format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "applicant_phone" and response.json()["detail"]
    assert not ApprovalCase.objects.exists()


def test_serializer_errors_name_the_field_in_chinese(power, clerk, today):
    data = application(power)
    del data["applicant_name"]
    response = client_for(clerk).post(f"{API}/cases/", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "applicant_name" and CJK.search(body["detail"])  # zh-hans is the default language
    assert "applicant_name" in body["errors"]


def test_nested_material_errors_name_the_item(power, clerk, today):
    response = client_for(clerk).post(
        f"{API}/cases/", application(power, materials=[{"name": "申请书"}, {"provided": True}]), format="json")
    assert response.status_code == 400 and response.json()["field"] == "materials.1.name"


def test_unknown_power_is_a_400(clerk, today):
    response = client_for(clerk).post(f"{API}/cases/", application(DelegatedPower(number=999)), format="json")
    assert response.status_code == 400 and response.json()["field"] == "power"


def test_registration_needs_a_person_record(power, entrustment, today):
    user = UserFactory()
    user.groups.add(group_for(Role.CLERK))
    response = client_for(user).post(f"{API}/cases/", application(power), format="json")
    assert response.status_code == 400 and response.json()["field"] == "first_contact"
    assert not ApprovalCase.objects.exists()


def test_a_director_may_not_register(power, entrustment, head, today):
    response = client_for(head).post(f"{API}/cases/", application(power), format="json")
    assert response.status_code == 403 and response.json()["detail"]


# --- reads ----------------------------------------------------------------------------------


def test_list_and_detail(case, clerk, today):
    listing = client_for(clerk).get(f"{API}/cases/")
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 1 and [c["number"] for c in body["results"]] == [case.number]
    row = body["results"][0]
    assert "allowed_transitions" not in row
    assert row["state_display"] and row["clock"]["due_on"] == "2024-10-10"
    assert_no_phone(listing)

    detail = client_for(clerk).get(f"{API}/cases/{case.number}/")
    assert detail.status_code == 200
    assert detail.json()["number"] == case.number and detail.json()["allowed_transitions"]
    assert detail.json()["applicant_phone"] == PHONE  # the case's own endpoint, to its handling clerk


def test_list_filters(power, entrustment, clerk, head, today):
    waiting = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    accepted = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=accepted, acting_user=clerk, as_of=D(2024, 9, 27))
    client = client_for(clerk)

    assert [c["number"] for c in client.get(f"{API}/cases/?state=accepted").json()["results"]] == [accepted.number]
    today(D(2024, 10, 11))  # the correction notice of the waiting case was due on 10-10
    overdue = client.get(f"{API}/cases/?due=overdue").json()["results"]
    assert [c["number"] for c in overdue] == [waiting.number]
    assert overdue[0]["clock"]["due_state"] == "overdue"
    assert client.get(f"{API}/cases/?due=soon").json()["results"] == []

    bad = client.get(f"{API}/cases/?state=lost")
    assert bad.status_code == 400 and bad.json()["field"] == "state"


def test_list_query_count_does_not_grow(power, entrustment, clerk, today, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            case = register_case(power, clerk=clerk, materials=[("申请书", True), ("营业执照", False)])
            services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 9, 27))

    response = assert_constant_queries(client_for(clerk), f"{API}/cases/", grow)
    assert response.json()["count"] == 28
    assert all(row["notices"] and row["materials"] for row in response.json()["results"])


def test_another_districts_clerk_gets_404(case, today):
    stranger = make_user(Role.CLERK, district=DistrictFactory())
    assert client_for(stranger).get(f"{API}/cases/{case.number}/").status_code == 404
    assert post(stranger, case.number, "accept").status_code == 404
    assert client_for(stranger).get(f"{API}/cases/").json()["count"] == 0
    assert ApprovalCase.objects.get(pk=case.pk).state == ApprovalCase.State.SUBMITTED


def test_a_supervisor_sees_every_district(case, supervisor, today):
    assert client_for(supervisor).get(f"{API}/cases/{case.number}/").status_code == 200


def test_unknown_case_and_unknown_transition_are_404(case, clerk, today):
    missing = client_for(clerk).get(f"{API}/cases/PD-2024-999999/")
    assert missing.status_code == 404 and missing.json()["detail"]
    assert post(clerk, "PD-2024-999999", "accept").status_code == 404
    unknown = post(clerk, case.number, "teleport")
    assert unknown.status_code == 404 and unknown.json()["detail"]


def test_not_logged_in(case):
    assert client_for().get(f"{API}/cases/").status_code in (401, 403)
    assert client_for().post(f"{API}/cases/{case.number}/accept/").status_code in (401, 403)
    assert client_for().get(f"{API}/powers/").status_code in (401, 403)


def test_users_without_case_permissions_see_no_cases(case, today):
    manager = make_user(Role.PROGRAMME_MANAGER, district=case.district)
    assert client_for(manager).get(f"{API}/cases/").status_code == 403
    assert client_for(manager).get(f"{API}/cases/{case.number}/").status_code == 403


# --- transitions --------------------------------------------------------------------------------


def test_happy_path(power, entrustment, clerk, head, today):
    responses = [client_for(clerk).post(f"{API}/cases/", application(power), format="json")]
    number = responses[0].json()["number"]

    responses.append(post(clerk, number, "accept"))
    assert responses[-1].json()["state"] == "accepted"
    assert responses[-1].json()["clock"]["legal_due_on"] == "2024-10-30"
    assert "start_review" not in responses[-1].json()["allowed_transitions"]  # no handler yet
    responses.append(post(head, number, "assign", {"handler": clerk.person.pk}))
    assert responses[-1].json()["handler"] == clerk.person.name
    responses.append(post(clerk, number, "start_review"))
    assert responses[-1].json()["state"] == "under_review"
    assert {"approve", "deny", "pause", "withdraw"} <= set(responses[-1].json()["allowed_transitions"])
    today(D(2024, 10, 21))
    responses.append(post(clerk, number, "approve", {"reason": "符合法定条件"}))
    assert responses[-1].json()["state"] == "approved"
    assert responses[-1].json()["clock"]["licence_due_on"] == "2024-11-04"
    today(D(2024, 10, 22))
    responses.append(post(clerk, number, "issue_licence", {"licence_number": "平许〔2024〕1号"}))

    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200, 200]
    body = responses[-1].json()
    assert body["state"] == "closed" and body["licence_number"] == "平许〔2024〕1号"
    assert [n["kind"] for n in body["notices"]] == ["acceptance", "approval"]
    assert body["allowed_transitions"] == []
    for response in responses:
        assert_no_phone(response)


def test_pause_and_resume_move_the_due_date(case, clerk, head, today):
    post(clerk, case.number, "accept")
    post(head, case.number, "assign", {"handler": clerk.person.pk})
    post(clerk, case.number, "start_review")
    today(D(2024, 10, 10))
    paused = post(clerk, case.number, "pause", {"ground": "expert_review", "expected_days": 5})
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert paused.json()["clock"]["due_on"] is None and paused.json()["suspensions"][0]["end"] is None
    today(D(2024, 10, 17))
    resumed = post(clerk, case.number, "resume")
    assert resumed.status_code == 200 and resumed.json()["state"] == "under_review"
    assert resumed.json()["clock"]["legal_due_on"] == "2024-11-07"
    assert resumed.json()["clock"]["days_paused"] == 6


def test_pause_needs_a_legal_ground(case, clerk, head, today):
    post(clerk, case.number, "accept")
    post(head, case.number, "assign", {"handler": clerk.person.pk})
    post(clerk, case.number, "start_review")
    response = post(clerk, case.number, "pause", {"ground": "holiday", "expected_days": 5})
    assert response.status_code == 400 and response.json()["field"] == "ground"


def test_refuse_without_a_reason_uses_the_scope_suggestion(power, entrustment, clerk, today):
    case = register_case(power, clerk=clerk, inside_pingdu=False)
    detail = client_for(clerk).get(f"{API}/cases/{case.number}/").json()
    assert "accept" not in detail["allowed_transitions"] and "refuse" in detail["allowed_transitions"]
    refused = post(clerk, case.number, "refuse")
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    assert refused.json()["refusal_reason"] and power.agency.name in refused.json()["refer_to"]


def test_refuse_inside_scope_needs_a_reason(case, clerk, today):
    response = post(clerk, case.number, "refuse")
    assert response.status_code == 400 and response.json()["field"] == "reason"


def test_request_correction_lists_the_missing_materials(power, entrustment, clerk, today):
    case = register_case(power, clerk=clerk, materials=[("申请书", True), ("营业执照", True)])
    response = post(clerk, case.number, "request_correction", {"missing": ["营业执照"]})
    assert response.status_code == 200 and response.json()["state"] == "correction_requested"
    assert {m["name"]: m["provided"] for m in response.json()["materials"]} == {"申请书": True, "营业执照": False}
    resubmitted = post(clerk, case.number, "resubmit", {"provided": ["营业执照"]})
    assert resubmitted.status_code == 200 and resubmitted.json()["state"] == "resubmitted"
    assert all(m["provided"] for m in resubmitted.json()["materials"])


def test_a_director_may_not_accept(case, head, today):
    response = post(head, case.number, "accept")
    assert response.status_code == 403 and response.json()["detail"]
    assert ApprovalCase.objects.get(pk=case.pk).state == ApprovalCase.State.SUBMITTED


def test_only_the_head_extends(case, clerk, head, today):
    post(clerk, case.number, "accept")
    post(head, case.number, "assign", {"handler": clerk.person.pk})
    post(clerk, case.number, "start_review")
    assert post(clerk, case.number, "extend", {"reason": "需要现场核查"}).status_code == 403
    assert post(head, case.number, "extend", {}).json()["field"] == "reason"
    extended = post(head, case.number, "extend", {"reason": "需要现场核查"})
    assert extended.status_code == 200 and extended.json()["extended"]
    assert post(head, case.number, "extend", {"reason": "再次延期"}).status_code == 409


def test_assigning_someone_from_another_district_is_a_400(case, head, today):
    stranger = make_user(Role.CLERK, district=DistrictFactory())
    response = post(head, case.number, "assign", {"handler": stranger.person.pk})
    assert response.status_code == 400 and response.json()["field"] == "handler"
    assert stranger.person.name not in response.content.decode()


def test_an_illegal_transition_is_a_409(case, clerk, today):
    response = post(clerk, case.number, "approve")
    assert response.status_code == 409 and response.json()["detail"]
    assert ApprovalCase.objects.get(pk=case.pk).state == ApprovalCase.State.SUBMITTED


def test_a_transition_no_longer_possible_is_a_409(case, clerk, today):
    assert post(clerk, case.number, "accept").status_code == 200
    again = post(clerk, case.number, "accept")
    assert again.status_code == 409


def test_a_stale_concurrent_transition_is_a_409(case, clerk, today, monkeypatch):
    """Another clerk refused the case after this request loaded it: one wins, this one gets 409.

    (On PostgreSQL the view's row lock makes the second request wait and fail on the state;
    the stale copy is what ConcurrentTransitionMixin still catches where there is no lock.)
    """
    from approvals.api import CaseViewSet

    stale = ApprovalCase.objects.select_related("power").get(pk=case.pk)
    services.case_refuse(case=ApprovalCase.objects.get(pk=case.pk), acting_user=clerk, as_of=D(2024, 9, 27),
                         reason="材料不实", refer_to="市测试委")
    copies = iter([stale])
    real_get = CaseViewSet.get_workflow_object
    monkeypatch.setattr(CaseViewSet, "get_workflow_object",
                        lambda self, number: next(copies, None) or real_get(self, number))
    response = post(clerk, case.number, "accept")
    assert response.status_code == 409
    with translation.override("zh-hans"):
        assert response.json() == {"detail": str(STALE_OBJECT)}
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.REFUSED and not case.notices.filter(kind="acceptance").exists()


# --- powers, schema, the handler itself -------------------------------------------------------


def test_powers(seeded, clerk):
    response = client_for(clerk).get(f"{API}/powers/?limit=100")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 49 and [p["number"] for p in body["results"]] == list(range(1, 50))
    first = body["results"][0]
    assert set(first) == {"number", "agency", "name", "item", "sub_item", "remark", "is_preliminary_review",
                          "scope_rule", "legal_limit_days", "promised_limit_days"}
    assert [p["number"] for p in body["results"] if p["is_preliminary_review"]] == [16, 17, 24]


def test_schema_renders(clerk):
    response = client_for(clerk).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/approvals/cases/{number}/issue_licence/" in response.content


def test_the_schema_gives_each_step_its_own_body_and_the_case_as_its_answer(clerk):
    schema = client_for(clerk).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    step = schema["paths"]["/api/approvals/cases/{number}/refuse/"]["post"]
    assert step["summary"] == "不予受理"  # the step's label, as its page is titled
    assert step["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RefuseInput")
    answer = step["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert answer == "#/components/schemas/CaseDetail" and "409" in step["responses"]
    assert "requestBody" not in schema["paths"]["/api/approvals/cases/{number}/accept/"]["post"]


@pytest.mark.parametrize("field", ["school_type", "hospital_grade"])
def test_the_schema_allows_the_empty_value_the_api_returns_for_a_fact_that_does_not_apply(clerk, field):
    schema = client_for(clerk).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    refs = [item["$ref"] for item in schema["components"]["schemas"]["CaseDetail"]["properties"][field]["oneOf"]]
    assert "#/components/schemas/BlankEnum" in refs


def test_http_basic_credentials_are_not_accepted(client, clerk):
    import base64

    clerk.set_password("right-password")
    clerk.save()
    token = base64.b64encode(f"{clerk.username}:right-password".encode()).decode()
    response = client.get(f"{API}/cases/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 403


def test_model_validation_errors_are_400():
    response = policyops_api.exception_handler(
        DjangoValidationError({"applicant_name": ["too long"], "__all__": ["bad"]}), {})
    assert response.status_code == 400
    assert response.data["field"] == "applicant_name" and response.data["detail"] == "too long"
    plain = policyops_api.exception_handler(DjangoValidationError("bad"), {})
    assert plain.status_code == 400 and plain.data["field"] is None and plain.data["detail"] == "bad"


def test_invalid_input_without_a_field():
    response = policyops_api.exception_handler(InvalidInput("nope"), {})
    assert response.status_code == 400 and response.data == {"detail": "nope", "field": None}


def test_registering_in_a_hall_the_clerk_does_not_serve_is_a_403(power, entrustment, clerk, today):
    other_hall = ServiceHallFactory()
    response = client_for(clerk).post(f"{API}/cases/", application(power, received_hall=other_hall.pk),
                                      format="json")
    assert response.status_code == 403




def test_a_list_rows_clock_is_what_the_clock_serializer_writes(case, clerk, today):
    """The list writes each clock without a serializer per row (issue 12): the same JSON as ClockSerializer."""
    from approvals.selectors import case_clock_summary
    from approvals.serializers import ClockSerializer

    row = client_for(clerk).get(f"{API}/cases/").json()["results"][0]
    assert row["clock"] == dict(ClockSerializer(case_clock_summary(case, D(2024, 9, 27))).data)
