"""The approvals admin: scoped case lists, transitions through the services, entrustments, export."""
import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from approvals import services
from approvals.models import ApprovalCase, ApprovalSeal, Entrustment
from approvals.rules import DECREE_NUMBER
from policyops.audit import entries_for
from policyops.masking import PERSONAL_DATA_VIEWED
from policyops.roles import Role
from policyops.timeline import ACTION_LABELS
from tests.approvals.factories import DelegatedPowerFactory, EntrustmentFactory, register_case
from tests.conftest import make_user
from tests.factories import DistrictFactory, PersonFactory, PolicyDocumentFactory
from tests.pages import messages_of
from tests.policyops.test_export_formulas import every_column_ticked

pytestmark = pytest.mark.django_db
D = dt.date
S = ApprovalCase.State
CHANGELIST = "admin:approvals_approvalcase_changelist"
CONDITION_FAILED_ZH = "暂不能执行此操作"


@pytest.fixture
def other_clerk(db):
    return make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))


def transition_url(case, name):
    return reverse("admin:approvals_approvalcase_workflow_action", args=[case.pk, name])


def change_url(case):
    return reverse("admin:approvals_approvalcase_change", args=[case.pk])


def accepted_under_review(case, clerk, head, on):
    services.case_accept(case=case, acting_user=clerk, as_of=on)
    services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
    services.case_start_review(case=case, acting_user=clerk, as_of=on)
    case.refresh_from_db()
    return case


# --- Case list ------------------------------------------------------------------------------


def test_case_changelist_shows_only_own_district(client, power, entrustment, clerk, other_clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert case.number in html
    client.force_login(other_clerk)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert case.number not in response.content.decode()
    assert response.context["cl"].result_count == 0


def test_another_districts_clerk_cannot_open_the_case(client, power, entrustment, clerk, other_clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(other_clerk)
    assert client.get(change_url(case)).status_code in (302, 404)
    assert client.post(transition_url(case, "accept"), {"_confirm": "1"}).status_code == 404
    case.refresh_from_db()
    assert case.state == S.SUBMITTED


def test_case_changelist_query_count_is_constant(client, power, entrustment, clerk, head,
                                                 assert_constant_queries):
    def grow(n):
        for i in range(n):
            case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
            if i % 2:
                accepted_under_review(case, clerk, head, D(2024, 9, 27))

    client.force_login(clerk)
    response = assert_constant_queries(client, reverse(CHANGELIST), grow)
    assert response.context["cl"].result_count == 28


def test_the_case_lists_rows_read_only_the_columns_they_show(client, power, entrustment, clerk):
    register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    row = client.get(reverse(CHANGELIST)).context["cl"].result_list[0]
    deferred = row.get_deferred_fields()
    assert {"applicant_phone", "legal_due_on", "first_contact_id"} <= deferred
    assert not deferred & {"number", "applicant_name", "state", "received_on", "due_on", "power_id", "handler_id"}


def test_the_case_lists_actions_and_export_read_whole_rows(client, power, entrustment, clerk):
    register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(reverse(CHANGELIST))
    cl = response.context["cl"]
    assert not cl.get_queryset(response.wsgi_request).get().get_deferred_fields()


def test_due_filter(client, power, entrustment, clerk, today):
    today(D(2024, 10, 28))
    overdue = register_case(power, clerk=clerk, received_on=D(2024, 9, 2))
    soon = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    on_time = register_case(power, clerk=clerk, received_on=D(2024, 10, 25))
    for case in (overdue, soon, on_time):
        services.case_accept(case=case, acting_user=clerk, as_of=case.received_on)
    client.force_login(clerk)
    url = reverse(CHANGELIST)

    def numbers(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return {case.number for case in response.context["cl"].result_list}

    assert numbers("?due=overdue") == {overdue.number}
    assert numbers("?due=soon") == {soon.number}
    assert numbers("?due=on_time") == {on_time.number}
    html = client.get(url).content.decode()
    assert "due-badge due-overdue" in html and "due-badge due-soon" in html and "due-badge due-on_time" in html


# --- Registration and the change page ----------------------------------------------------------


def test_register_case_through_the_admin_uses_the_service(client, power, entrustment, clerk, today):
    from tests.approvals.factories import pingdu_hall

    today(D(2024, 9, 27))
    client.force_login(clerk)
    add_url = reverse("admin:approvals_approvalcase_add")
    assert client.get(add_url).status_code == 200
    data = {"power": power.pk, "applicant_name": "青岛测试有限公司", "applicant_type": "organisation",
            "applicant_phone": "0532-88881234", "inside_pingdu": "on", "received_hall": pingdu_hall().pk,
            "first_contact": clerk.person.pk, "received_on": "2024-09-27", "materials_provided": "申请书\n营业执照",
            "materials_missing": "场地证明"}
    response = client.post(add_url, data)
    case = ApprovalCase.objects.get()
    assert response.status_code == 302 and response["Location"] == change_url(case)
    assert case.number == "PD-2024-000001"
    assert sorted(case.materials.values_list("name", "provided")) == [("场地证明", False), ("申请书", True),
                                                                      ("营业执照", True)]
    assert [e.action for e in entries_for(case)] == ["register"]


def test_register_refusal_is_shown_on_the_form(client, power, clerk, today):
    from tests.approvals.factories import pingdu_hall

    today(D(2024, 9, 27))
    client.force_login(clerk)
    response = client.post(reverse("admin:approvals_approvalcase_add"), {
        "power": power.pk, "applicant_name": "张三", "applicant_type": "person", "applicant_phone": "12",
        "received_hall": pingdu_hall().pk, "first_contact": clerk.person.pk, "received_on": "2024-09-27",
        "materials_provided": "申请书"})
    assert response.status_code == 200
    assert "applicant_phone" in response.context["form"].errors
    assert not ApprovalCase.objects.exists()


def test_change_page_shows_clock_buttons_and_trail(client, power, entrustment, clerk, today):
    today(D(2024, 9, 27))
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(change_url(case))
    html = response.content.decode()
    assert response.status_code == 200
    names = {b["name"] for b in response.context["workflow_buttons"] if b["ready"]}
    assert {"accept", "refuse", "request_correction", "withdraw"} <= names
    assert "approve" not in names and "start_review" not in names
    assert transition_url(case, "accept") in html
    assert "approvals-clock" in html and str(ACTION_LABELS["register"]) in html  # the trail reads as labels


class _FormData(HTMLParser):
    """The data a browser would post from the form with ``form_id`` (inputs, selects, textareas)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data, self._select, self._textarea = form_id, False, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            self.data[-1] = (self._textarea, self.data[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def posted_form(response, form_id="approvalcase_form", **changes):
    parser = _FormData(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    data.update({k: [v] for k, v in changes.items()})
    return data


def test_state_cannot_be_posted_through_the_change_form(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.get(change_url(case))
    form = response.context["adminform"].form
    assert "state" not in form.fields and "due_on" not in form.fields and "applicant_name" in form.fields
    data = posted_form(response, applicant_name="改名后的公司", state=S.APPROVED, due_on="2030-01-01")
    response = client.post(change_url(case), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    case.refresh_from_db()
    assert case.applicant_name == "改名后的公司"
    assert case.state == S.SUBMITTED and case.due_on != D(2030, 1, 1)


def test_a_case_waiting_for_correction_can_be_saved_with_its_notice(client, power, entrustment, clerk, today):
    today(D(2024, 9, 30))
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 9, 30))
    client.force_login(clerk)
    page = client.get(change_url(case))
    assert reverse("approvals:notice_print", args=[case.notices.get().pk]) in page.content.decode()
    data = posted_form(page, applicant_phone="0532-88885678")
    assert data["notices-TOTAL_FORMS"] == ["1"]
    response = client.post(change_url(case), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    case.refresh_from_db()
    assert case.applicant_phone == "0532-88885678" and case.notices.count() == 1


def test_a_phone_corrected_in_the_admin_is_refused_without_seven_digits(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.post(change_url(case), posted_form(client.get(change_url(case)), applicant_phone="abc"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["applicant_phone"] == ["请填写至少7位数字的联系电话。"]
    case.refresh_from_db()
    assert case.applicant_phone != "abc"


def test_a_phone_corrected_in_the_admin_in_full_width_digits_is_kept_in_ascii(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    data = posted_form(client.get(change_url(case)), applicant_phone="０５３２－８８８８５６７８")
    response = client.post(change_url(case), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    case.refresh_from_db()
    assert case.applicant_phone == "0532-88885678"


def test_an_accepted_case_is_read_only(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(change_url(case))
    assert response.status_code == 200
    assert not response.context["adminform"].form.fields
    assert client.post(change_url(case), {"applicant_name": "x"}).status_code == 403


# --- Transitions -------------------------------------------------------------------------------


def test_accept_through_the_admin_button_runs_the_service(client, power, entrustment, clerk, today):
    today(D(2024, 9, 27))
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    # The button opens the form page; nothing changes yet.
    opened = client.post(transition_url(case, "accept"))
    assert opened.status_code == 200 and "_confirm" in opened.content.decode()
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    response = client.post(transition_url(case, "accept"), {"_confirm": "1"})
    assert response.status_code == 302 and response["Location"] == change_url(case)
    case.refresh_from_db()
    assert case.state == S.ACCEPTED and case.accepted_on == D(2024, 9, 27)
    assert case.legal_due_on == D(2024, 10, 30)
    entry = entries_for(case).get(action="accept")
    assert (entry.actor, entry.from_state, entry.to_state) == (clerk, S.SUBMITTED, S.ACCEPTED)
    assert case.notices.filter(kind="acceptance").exists()


def test_refused_transition_shows_the_chinese_error(client, clerk, today):
    today(D(2024, 9, 27))
    unentrusted = DelegatedPowerFactory()
    case = register_case(unentrusted, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.post(transition_url(case, "accept"), {"_confirm": "1"}, follow=True)
    assert response.status_code == 200
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and CONDITION_FAILED_ZH in str(errors[0])
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    assert [e.action for e in entries_for(case).exclude(action=PERSONAL_DATA_VIEWED)] == ["register"]  # no step


def test_change_page_shows_why_a_transition_is_blocked(client, clerk, today):
    today(D(2024, 9, 27))
    case = register_case(DelegatedPowerFactory(), clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    buttons = {b["name"]: b for b in client.get(change_url(case)).context["workflow_buttons"]}
    assert buttons["accept"]["ready"] is False and buttons["accept"]["reason"]
    assert buttons["refuse"]["ready"] is True


def test_refuse_form_is_prefilled_with_the_suggestion_and_field_errors_stay_on_the_form(
        client, power, entrustment, clerk, today):
    today(D(2024, 9, 27))
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), inside_pingdu=False)
    client.force_login(clerk)
    form = client.get(transition_url(case, "refuse")).context["form"]
    assert form["reason"].initial and "市测试委" in form["refer_to"].initial
    response = client.post(transition_url(case, "refuse"), {"_confirm": "1", "reason": "", "refer_to": ""})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(transition_url(case, "refuse"),
                           {"_confirm": "1", "reason": "不在平度市行政区域内", "refer_to": "市测试委"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.REFUSED and case.refer_to == "市测试委"


def test_pause_form_passes_the_ground_and_days(client, power, entrustment, clerk, head, today):
    case = accepted_under_review(register_case(power, clerk=clerk, received_on=D(2024, 9, 27)), clerk, head,
                                 D(2024, 9, 27))
    today(D(2024, 10, 10))
    client.force_login(clerk)
    response = client.post(transition_url(case, "pause"),
                           {"_confirm": "1", "ground": "expert_review", "expected_days": "5", "note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.PAUSED and case.suspensions.get().expected_days == 5


def test_bulk_assign_handler(client, power, entrustment, clerk, head):
    cases = [register_case(power, clerk=clerk) for _ in range(3)]
    handler = make_user(Role.CLERK, district=clerk.person.district).person
    no_login = PersonFactory(name="无账号人员", district=clerk.person.district)
    stranger = make_user(Role.CLERK, district=DistrictFactory(name="即墨区")).person
    client.force_login(head)
    url = reverse(CHANGELIST)
    selected = {"action": "assign_handler", "_selected_action": [c.pk for c in cases]}
    page = client.post(url, selected)
    assert page.status_code == 200
    choices = {p.pk for p in page.context["form"].fields["handler"].queryset}
    assert handler.pk in choices and clerk.person.pk in choices
    assert stranger.pk not in choices and no_login.pk not in choices and head.person.pk not in choices
    refused = client.post(url, {**selected, "apply": "1", "handler": stranger.pk})
    assert refused.status_code == 200 and refused.context["form"].errors
    response = client.post(url, {**selected, "apply": "1", "handler": handler.pk})
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.handler == handler
        assert entries_for(case).filter(action="assign").count() == 1


ACTION_REFUSED_ZH = "每次操作最多 1 条记录"


def test_an_action_on_more_rows_than_its_limit_is_refused(client, power, entrustment, clerk, head, monkeypatch):
    monkeypatch.setattr("policyops.admin_base.ACTION_MAX_ROWS", 1)
    cases = [register_case(power, clerk=clerk) for _ in range(2)]
    client.force_login(head)
    # "Select all": the list as filtered, whatever the ids posted.
    response = client.post(reverse(CHANGELIST), {"action": "assign_handler", "select_across": "1", "index": "0",
                                                 "_selected_action": [cases[0].pk]}, follow=True)
    assert any(ACTION_REFUSED_ZH in m for m in messages_of(response))
    assert response.redirect_chain and "cl" in response.context  # back on the list, no form asked
    assert not ApprovalCase.objects.filter(pk__in=[c.pk for c in cases], handler__isnull=False).exists()


def test_an_action_within_its_limit_asks_for_its_input(client, power, entrustment, clerk, head, monkeypatch):
    monkeypatch.setattr("policyops.admin_base.ACTION_MAX_ROWS", 2)
    cases = [register_case(power, clerk=clerk) for _ in range(2)]
    client.force_login(head)
    page = client.post(reverse(CHANGELIST), {"action": "assign_handler", "select_across": "1", "index": "0",
                                             "_selected_action": [cases[0].pk]})
    assert page.status_code == 200 and "handler" in page.context["form"].fields
    assert {obj.pk for obj in page.context["objects"]} == {c.pk for c in cases}


def test_a_clerk_has_no_assign_action(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.get(reverse(CHANGELIST))
    action_form = response.context["action_form"]
    assert action_form is None or "assign_handler" not in dict(action_form.fields["action"].choices)
    client.post(reverse(CHANGELIST), {"action": "assign_handler", "_selected_action": [case.pk], "apply": "1",
                                      "handler": clerk.person.pk})
    case.refresh_from_db()
    assert case.handler is None


# --- Entrustments ---------------------------------------------------------------------------------


def test_entrustment_revoke_recovers_the_seal_and_blocks_decisions(client, power, entrustment, clerk, head,
                                                                   supervisor, today):
    case = accepted_under_review(register_case(power, clerk=clerk, received_on=D(2024, 10, 8)), clerk, head,
                                 D(2024, 10, 8))
    today(D(2024, 10, 10))
    client.force_login(supervisor)
    url = reverse("admin:approvals_entrustment_changelist")
    selected = {"action": "revoke_entrustments", "_selected_action": [entrustment.pk]}
    page = client.post(url, selected)
    assert page.status_code == 200 and "details" in page.context["form"].fields
    missing_details = client.post(url, {**selected, "apply": "1", "reason": "seal_beyond_scope", "details": ""})
    assert missing_details.status_code == 200
    entrustment.refresh_from_db()
    assert entrustment.state == Entrustment.State.IN_FORCE
    response = client.post(url, {**selected, "apply": "1", "reason": "seal_beyond_scope",
                                 "details": "专用章用于委托范围以外的事项"})
    assert response.status_code == 302
    entrustment.refresh_from_db()
    assert entrustment.state == Entrustment.State.REVOKED
    assert entrustment.seals.get().recovered_on == D(2024, 10, 10)

    client.force_login(clerk)
    refused = client.post(transition_url(case, "approve"), {"_confirm": "1", "reason": "符合条件"}, follow=True)
    assert any(CONDITION_FAILED_ZH in str(m) for m in refused.context["messages"])
    case.refresh_from_db()
    assert case.state == S.UNDER_REVIEW and not case.seal_uses.filter(action="approve").exists()


def test_entrustment_buttons_run_the_service_and_show_refusals(client, supervisor):
    power = DelegatedPowerFactory()
    draft = EntrustmentFactory(agency=power.agency, signed_on=D(2018, 9, 20))
    draft.powers.set([power])
    client.force_login(supervisor)
    page = client.get(reverse("admin:approvals_entrustment_change", args=[draft.pk]))
    assert [b["name"] for b in page.context["workflow_buttons"] if b["ready"]] == ["sign"]
    sign = reverse("admin:approvals_entrustment_workflow_action", args=[draft.pk, "sign"])
    assert client.get(sign).status_code == 200  # the confirmation page changes nothing
    draft.refresh_from_db()
    assert draft.state == Entrustment.State.DRAFT
    assert client.post(sign, {"_confirm": "1"}).status_code == 302
    draft.refresh_from_db()
    assert draft.state == Entrustment.State.SIGNED
    page = client.get(reverse("admin:approvals_entrustment_change", args=[draft.pk]))
    options = {b["name"]: b for b in page.context["workflow_buttons"]}
    assert options["revoke"]["ready"] and not options["file"]["ready"] and options["file"]["reason"]
    file = reverse("admin:approvals_entrustment_workflow_action", args=[draft.pk, "file"])
    response = client.post(file, {"_confirm": "1"}, follow=True)
    assert any(CONDITION_FAILED_ZH in str(m) for m in response.context["messages"])
    draft.refresh_from_db()
    assert draft.state == Entrustment.State.SIGNED


def test_entrustment_list_flags_late_signing(client, supervisor, seeded):
    from policyops.models import PolicyDocument

    url = reverse("admin:approvals_entrustment_changelist")
    EntrustmentFactory(signed_on=D(2018, 9, 29))
    EntrustmentFactory(signed_on=D(2018, 10, 15))
    client.force_login(supervisor)
    client.cookies["django_language"] = "en"
    # Without the decree (the seeds carry it: take it away) there is no deadline to be late for.
    PolicyDocument.objects.filter(number=DECREE_NUMBER).delete()
    assert "signed late" not in client.get(url).content.decode()
    PolicyDocumentFactory(number=DECREE_NUMBER, title="青岛市人民政府关于向平度市下放市级行政管理权限的决定",
                          published_on=D(2018, 8, 30))
    html = client.get(url).content.decode()
    assert html.count("signed late") == 1  # 30 days after 2018-08-30 is 2018-09-29: on time that day


def test_entrustment_power_choices_are_the_agencys(client, supervisor):
    from policyops.models import Department

    other_agency = Department.objects.create(name="市其他委", kind=Department.Kind.AGENCY)
    own = DelegatedPowerFactory()
    foreign = DelegatedPowerFactory(agency=other_agency)
    entrustment = EntrustmentFactory(agency=own.agency)
    client.force_login(supervisor)
    form = client.get(reverse("admin:approvals_entrustment_change", args=[entrustment.pk])).context["adminform"].form
    choices = set(form.fields["powers"].queryset)
    assert own in choices and foreign not in choices


def test_entrustment_state_is_read_only(client, supervisor, power, entrustment):
    client.force_login(supervisor)
    form = client.get(reverse("admin:approvals_entrustment_change", args=[entrustment.pk])).context["adminform"].form
    assert "state" not in form.fields


def test_seal_upload_must_be_an_image(client, supervisor, power, entrustment):
    client.force_login(supervisor)
    url = reverse("admin:approvals_approvalseal_add")
    response = client.post(url, {"entrustment": entrustment.pk, "name": "测试章", "issued_on": "2018-09-20",
                                 "impression": SimpleUploadedFile("seal.png", b"not an image", "image/png")})
    assert response.status_code == 200 and "impression" in response.context["adminform"].form.errors
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    response = client.post(url, {"entrustment": entrustment.pk, "name": "测试章", "issued_on": "2018-09-20",
                                 "impression": SimpleUploadedFile("seal.png", png, "image/png")})
    assert response.status_code == 302
    assert ApprovalSeal.objects.get(name="测试章").impression


# --- Export ------------------------------------------------------------------------------------


def export_fields():
    """The case export form's boxes, every column ticked."""
    from approvals.resources import ApprovalCaseResource

    return every_column_ticked(ApprovalCaseResource)


def test_xlsx_export_has_the_cases_and_no_phone(client, power, entrustment, clerk, other_clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalcase_export")
    assert client.get(url).status_code == 200
    fields = export_fields()
    response = client.post(url, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert case.number in cells and "青岛测试有限公司" in cells
    assert not any("88881234" in c for c in cells)
    assert sheet.max_row == 2
    headers = [str(c.value) for c in sheet[1]]
    assert not any("phone" in h.lower() or "电话" in h for h in headers)

    client.force_login(other_clerk)
    sheet = load_workbook(io.BytesIO(client.post(url, {"format": "0", "resource": "0", **fields}).content)).active
    assert sheet.max_row == 1


def test_the_xlsx_export_holds_dates_as_dates_and_the_powers_number_as_a_number(client, power, entrustment,
                                                                               clerk):
    case = register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalcase_export")
    response = client.post(url, {"format": "0", "resource": "0", **export_fields()})
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = dict(zip([c.value for c in sheet[1]], [c for c in sheet[2]]))
    received, number = row["收件日期"], row["事项序号"]
    assert received.value == dt.datetime(2024, 9, 27) and received.is_date
    assert number.value == power.number and number.data_type == "n"
    assert row["案件编号"].value == case.number


EXPORT_REFUSED_ZH = "一次最多导出 1 条"


def test_rows_chosen_in_the_list_past_the_row_limit_are_refused(client, power, entrustment, clerk, monkeypatch):
    # The list's action "export the chosen rows" is exported in the request only (a list past
    # the limit is exported in the background: tests/approvals/test_background_export.py).
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 1)
    cases = [register_case(power, clerk=clerk), register_case(power, clerk=clerk)]
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalcase_export")
    response = client.post(url, {"format": "0", "resource": "0", "export_items": [c.pk for c in cases],
                                 **export_fields()})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert any(EXPORT_REFUSED_ZH in m for m in messages_of(response))


def test_rows_chosen_in_the_list_export_only_for_a_user_who_may_see_them(client, power, entrustment, clerk,
                                                                        other_clerk):
    case = register_case(power, clerk=clerk)
    url = reverse("admin:approvals_approvalcase_export")
    chosen = {"format": "0", "resource": "0", "export_items": [case.pk], **export_fields()}
    client.force_login(other_clerk)
    refused = client.post(url, chosen)
    assert refused["Content-Type"].startswith("text/html") and refused.context["form"].errors["export_items"]
    client.force_login(clerk)
    sheet = load_workbook(io.BytesIO(client.post(url, chosen).content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [case.number]


def test_chosen_keys_that_name_no_row_are_the_forms_error(client, power, entrustment, clerk):
    # A 30-digit key made SQLite fail (a 500); text is no key of a case.
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    chosen = [case.pk, "9" * 30, "x"]
    response = client.post(reverse("admin:approvals_approvalcase_export"),
                           {"format": "0", "resource": "0", "export_items": chosen, **export_fields()})
    assert response.status_code == 200 and response.context["form"].errors["export_items"]


def test_the_choices_of_chosen_rows_are_those_rows_not_the_table(rf, power, entrustment, clerk):
    # import-export offered every key of the table: 18 s and 285 MB for 50 cases of a million.
    chosen, _other = register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    request = rf.post(reverse("admin:approvals_approvalcase_export"), {"export_items": [chosen.pk]})
    request.user = clerk
    assert admin.site._registry[ApprovalCase].get_valid_export_item_pks(request) == [chosen.pk]


def test_a_list_narrowed_to_the_row_limit_exports(client, power, entrustment, clerk, monkeypatch):
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 1)
    wanted = register_case(power, clerk=clerk)
    register_case(power, clerk=clerk)
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalcase_export") + f"?q={wanted.number}"  # the list's search, kept
    assert not any(EXPORT_REFUSED_ZH in m for m in messages_of(client.get(url)))
    response = client.post(url, {"format": "0", "resource": "0", **export_fields()})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [wanted.number]


def test_the_revoke_button_opens_its_form_and_revokes(client, entrustment, supervisor, today):
    # The change page's 取消委托 button: its page builds the form with the entrustment.
    today(D(2024, 10, 10))
    client.force_login(supervisor)
    url = reverse("admin:approvals_entrustment_workflow_action", args=[entrustment.pk, "revoke"])
    page = client.post(url, {"_open": "revoke"})
    assert page.status_code == 200 and "details" in page.context["form"].fields
    response = client.post(url, {"_confirm": "1", "reason": "seal_beyond_scope",
                                 "details": "专用章用于委托范围以外的事项"})
    assert response.status_code == 302
    entrustment.refresh_from_db()
    assert entrustment.state == Entrustment.State.REVOKED
    assert entrustment.seals.get().recovered_on == D(2024, 10, 10)
