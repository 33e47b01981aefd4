"""Edges of the approvals admin (approvals/admin/): what the mutation run found unpinned."""
import datetime as dt

import pytest
from django.urls import reverse

from approvals.admin.cases import _power_cell
from approvals.models import ApprovalCase, DelegatedPower, Entrustment
from tests.admin_pages import model_admin
from tests.approvals.factories import DelegatedPowerFactory, pingdu_hall, register_case
from tests.conftest import make_user
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db
D = dt.date
S = ApprovalCase.State
CHANGELIST = "admin:approvals_approvalcase_changelist"


def change_url(case):
    return reverse("admin:approvals_approvalcase_change", args=[case.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- The case list's power column -----------------------------------------------------------------


def test_a_power_name_of_24_characters_is_shown_whole():
    name = "甲" * 24
    assert _power_cell(901, name) == f'<span title="{name}">901. {name}</span>'


def test_a_power_name_longer_than_24_characters_is_cut_with_an_ellipsis():
    name = "乙" * 25
    assert _power_cell(902, name) == f'<span title="{name}">902. {"乙" * 24}…</span>'


def test_a_notice_not_yet_saved_has_no_print_link():
    from django.contrib import admin

    from approvals.admin.cases import CaseNoticeInline
    from approvals.models import CaseNotice

    assert CaseNoticeInline(ApprovalCase, admin.site).print_link(CaseNotice()) == "—"


def test_the_agency_filter_offers_the_agencies_of_the_powers_only(client, power, entrustment, clerk):
    from approvals.admin.cases import PowerAgencyFilter
    from policyops.models import Department

    powerless = Department.objects.create(name="市无事项委", kind=Department.Kind.AGENCY)
    client.force_login(clerk)
    (agencies,) = [spec for spec in client.get(reverse(CHANGELIST)).context["cl"].filter_specs
                   if isinstance(spec, PowerAgencyFilter)]
    assert (power.agency.pk, power.agency.name) in agencies.lookup_choices
    assert powerless.pk not in {pk for pk, _name in agencies.lookup_choices}


def test_the_power_filter_offers_the_powers_in_their_numbers_order(client, clerk):
    from approvals.admin.cases import PowerFilter

    later, earlier = DelegatedPowerFactory(number=932), DelegatedPowerFactory(number=931)  # stored in that order
    client.force_login(clerk)
    (powers,) = [spec for spec in client.get(reverse(CHANGELIST)).context["cl"].filter_specs
                 if isinstance(spec, PowerFilter)]
    chosen = [pk for pk, _name in powers.lookup_choices if pk in (later.pk, earlier.pk)]
    assert chosen == [earlier.pk, later.pk]


def test_the_unsearched_case_list_is_read_without_a_duplicate_check(client, power, entrustment, clerk):
    register_case(power, clerk=clerk)
    client.force_login(clerk)
    cl = client.get(reverse(CHANGELIST)).context["cl"]
    assert not cl.queryset.query.distinct  # no DISTINCT over a million cases


@pytest.mark.parametrize("term", ["青岛", "PD-2024"])
def test_a_searched_case_list_is_read_without_a_duplicate_check(client, power, entrustment, clerk, term):
    register_case(power, clerk=clerk)
    client.force_login(clerk)
    cl = client.get(reverse(CHANGELIST), {"q": term}).context["cl"]
    assert cl.result_count == 1
    assert not cl.queryset.query.distinct  # no DISTINCT over a million cases


def test_the_case_list_joins_the_power_and_the_handler_to_its_rows(client, power, entrustment, clerk):
    register_case(power, clerk=clerk)
    client.force_login(clerk)
    cl = client.get(reverse(CHANGELIST)).context["cl"]
    assert {"power", "handler"} <= set(cl.queryset.query.select_related)


def test_not_even_a_superuser_deletes_a_case(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(make_user(is_superuser=True))
    assert client.get(reverse("admin:approvals_approvalcase_delete", args=[case.pk])).status_code == 403
    assert ApprovalCase.objects.filter(pk=case.pk).exists()


def test_the_case_list_shows_each_cases_power_by_number_and_name(client, power, entrustment, clerk):
    register_case(power, clerk=clerk)
    client.force_login(clerk)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert f'<span title="{power.name}">{power.number}. {power.name}</span>' in html


def test_the_change_page_shows_the_cases_due_badge(client, power, entrustment, clerk, today):
    today(D(2024, 9, 27))
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.get(change_url(case))
    shown = {field.field["name"]: field.contents() for fieldset in response.context["adminform"]
             for line in fieldset for field in line if field.is_readonly}
    assert 'class="due-badge due-' in shown["due_badge"]


def test_the_clock_shows_each_due_date_or_a_dash_and_the_working_days_left(power, entrustment, clerk, today):
    from django.utils import translation

    from approvals import services
    from policyops.calendar import working_days_between

    power.promised_limit_days = 5
    power.save()
    case = register_case(power, clerk=clerk)
    services.case_accept(case=case, acting_user=clerk, as_of=case.received_on)
    case.refresh_from_db()
    today(D(2024, 10, 8))
    with translation.override("en"):
        html = model_admin(ApprovalCase).clock_summary(case)
    for label, value in [("correction notice due", case.correction_due_on), ("legal due date", case.legal_due_on),
                         ("promised due date", case.promised_due_on), ("licence due", "—"),
                         ("governing due date", case.due_on),
                         ("working days left", working_days_between(D(2024, 10, 8), case.due_on))]:
        assert f"<tr><th>{label}</th><td>{value}</td></tr>" in html, label


def test_the_clock_of_a_withdrawn_case_shows_dashes_for_what_no_longer_runs(power, entrustment, clerk):
    from django.utils import translation

    from approvals import services

    case = register_case(power, clerk=clerk)
    services.case_withdraw(case=case, acting_user=clerk, as_of=case.received_on, reason="申请人撤回")
    case.refresh_from_db()
    with translation.override("en"):
        html = model_admin(ApprovalCase).clock_summary(case)
    for label in ("legal due date", "promised due date", "licence due", "governing due date", "working days left"):
        assert f"<tr><th>{label}</th><td>—</td></tr>" in html, label


def test_an_actions_page_heads_with_the_case_and_its_due_date(client, power, entrustment, clerk, today):
    today(D(2024, 9, 27))
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    head = dict(client.get(reverse("admin:approvals_approvalcase_workflow_action",
                                   args=[case.pk, "accept"])).context["head"])
    assert head["案件编号"] == case.number and head["申请人"] == case.applicant_name
    assert head["到期"] == case.due_on


def test_whoever_may_not_change_a_case_reads_its_intake_fields_only(rf, power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk)
    request = rf.get("/")
    request.user = head
    assert {"applicant_name", "applicant_phone"} <= set(model_admin(ApprovalCase).get_readonly_fields(request, case))
    request.user = clerk
    assert "applicant_name" not in model_admin(ApprovalCase).get_readonly_fields(request, case)


# --- Registration ---------------------------------------------------------------------------------


def registration(clerk, **changes):
    return {"power": DelegatedPowerFactory().pk, "applicant_name": "青岛测试有限公司",
            "applicant_type": "organisation", "applicant_phone": "0532-88881234",
            "received_hall": pingdu_hall().pk, "first_contact": clerk.person.pk, "received_on": "2024-09-27",
            "materials_provided": "申请书", **changes}


def test_a_user_who_does_not_process_cases_cannot_open_the_registration_page(client, head):
    client.force_login(head)
    assert client.get(reverse("admin:approvals_approvalcase_add")).status_code == 403


def test_a_too_long_material_refused_by_the_service_is_shown_on_the_materials_box(client, clerk, today):
    today(D(2024, 9, 27))
    client.force_login(clerk)
    response = client.post(reverse("admin:approvals_approvalcase_add"),
                           registration(clerk, materials_provided="材" * 201))
    assert response.status_code == 200
    assert response.context["form"].errors["materials_provided"] == ["材料名称最多200个字：" + "材" * 20 + "…"]
    assert not ApprovalCase.objects.exists()


def test_a_registration_refused_by_the_service_for_a_form_field_is_shown_on_that_field(client, clerk, today):
    today(D(2024, 9, 27))
    client.force_login(clerk)
    response = client.post(reverse("admin:approvals_approvalcase_add"), registration(clerk, received_on="2018-01-02"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["received_on"]
    assert not ApprovalCase.objects.exists()


def test_a_registration_says_the_case_number_it_gave(client, clerk, today):
    today(D(2024, 9, 27))
    client.force_login(clerk)
    response = client.post(reverse("admin:approvals_approvalcase_add"), registration(clerk), follow=True)
    assert "案件PD-2024-000001已登记。" in messages_of(response)


# --- Assigning the handler ------------------------------------------------------------------------


def test_the_head_is_offered_the_assign_button_on_an_open_case(client, power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk)
    client.force_login(head)
    buttons = {b["name"]: b for b in client.get(change_url(case)).context["workflow_buttons"]}
    assert buttons["assign"]["ready"] is True
    assert buttons["assign"]["url"] == reverse(CHANGELIST)
    assert buttons["assign"]["hidden"] == [("action", "assign_handler"), ("_selected_action", str(case.pk))]


def test_a_clerk_is_not_offered_the_assign_button(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    names = {b["name"] for b in client.get(change_url(case)).context["workflow_buttons"]}
    assert "assign" not in names


def test_a_closed_case_offers_no_assign_button(client, power, entrustment, clerk, head):
    from approvals import services

    case = register_case(power, clerk=clerk)
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 9, 27), reason="申请人撤回")
    case.refresh_from_db()
    assert not case.is_open
    client.force_login(head)
    names = {b["name"] for b in client.get(change_url(case)).context["workflow_buttons"]}
    assert "assign" not in names


def test_cases_of_two_districts_cannot_be_assigned_together(client, power, entrustment, clerk, supervisor):
    cases = [register_case(power, clerk=clerk) for _ in range(2)]
    ApprovalCase.objects.filter(pk=cases[1].pk).update(district=DistrictFactory(name="即墨区"))
    client.force_login(supervisor)
    response = client.post(reverse(CHANGELIST), {"action": "assign_handler",
                                                 "_selected_action": [c.pk for c in cases]}, follow=True)
    assert "请选择同一区（市）的案件：承办人须在该区（市）工作。" in messages_of(response)
    assert "form" not in response.context or "handler" not in getattr(response.context["form"], "fields", {})
    assert not ApprovalCase.objects.filter(handler__isnull=False).exists()


def test_assigning_one_case_returns_to_its_page_and_says_so(client, power, entrustment, clerk, head):
    case = register_case(power, clerk=clerk)
    client.force_login(head)
    response = client.post(reverse(CHANGELIST), {"action": "assign_handler", "_selected_action": [case.pk],
                                                 "apply": "1", "handler": clerk.person.pk})
    assert response.status_code == 302 and response["Location"] == change_url(case)
    case.refresh_from_db()
    assert case.handler == clerk.person
    shown = messages_of(client.get(response["Location"]))
    assert f"已将1件案件交由{clerk.person}承办。" in shown


def test_assigning_several_cases_returns_to_the_list(client, power, entrustment, clerk, head):
    cases = [register_case(power, clerk=clerk) for _ in range(2)]
    client.force_login(head)
    response = client.post(reverse(CHANGELIST), {"action": "assign_handler",
                                                 "_selected_action": [c.pk for c in cases],
                                                 "apply": "1", "handler": clerk.person.pk})
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)


# --- The materials inline -------------------------------------------------------------------------


def materials_inline(response):
    (inline,) = [i for i in response.context["inline_admin_formsets"] if i.opts.model.__name__ == "CaseMaterial"]
    return inline


def test_the_clerk_corrects_the_materials_of_a_case_at_the_counter(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    inline = materials_inline(client.get(change_url(case)))
    assert inline.has_change_permission and inline.has_add_permission
    assert not inline.has_delete_permission


def test_the_materials_of_an_accepted_case_are_read_only(client, power, entrustment, clerk):
    from approvals import services

    case = register_case(power, clerk=clerk)
    services.case_accept(case=case, acting_user=clerk, as_of=case.received_on)
    client.force_login(clerk)
    inline = materials_inline(client.get(change_url(case)))
    assert not inline.has_change_permission and not inline.has_add_permission


def test_the_head_reads_the_materials_of_a_case_at_the_counter_without_changing_them(client, power, entrustment,
                                                                                     clerk, head):
    case = register_case(power, clerk=clerk)
    client.force_login(head)
    inline = materials_inline(client.get(change_url(case)))
    assert not inline.has_change_permission and not inline.has_add_permission


# --- Entrustments ---------------------------------------------------------------------------------


def other_agency():
    from policyops.models import Department

    return Department.objects.get_or_create(name="市其他委", defaults={"kind": Department.Kind.AGENCY})[0]


def new_entrustment_posted(client, **changes):
    from tests.admin_pages import posted_as_shown
    from tests.approvals.factories import pingdu_authority

    url = reverse("admin:approvals_entrustment_add")
    data = posted_as_shown(client.get(url))
    data |= {"authority": str(pingdu_authority().pk), **changes}
    return client.post(url, data)


def test_an_entrustment_of_powers_of_another_agency_is_refused(client, supervisor):
    own, foreign = DelegatedPowerFactory(), DelegatedPowerFactory(agency=other_agency())
    client.force_login(supervisor)
    response = new_entrustment_posted(client, agency=str(own.agency_id), powers=[str(own.pk), str(foreign.pk)])
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["powers"] == [f"以下事项的实施机关不是该委托机关：{foreign.number}"]
    assert not Entrustment.objects.exists()


def test_an_entrustment_of_its_agencys_own_powers_is_saved(client, supervisor):
    own = DelegatedPowerFactory()
    client.force_login(supervisor)
    response = new_entrustment_posted(client, agency=str(own.agency_id), powers=[str(own.pk)])
    assert response.status_code == 302
    assert list(Entrustment.objects.get().powers.all()) == [own]


def test_an_entrustment_posted_without_its_agency_is_refused_for_the_agency_alone(client, supervisor):
    own = DelegatedPowerFactory()
    client.force_login(supervisor)
    response = new_entrustment_posted(client, agency="", powers=[str(own.pk)])
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["agency"]


def test_a_new_entrustment_offers_every_power_and_only_agencies_with_powers(client, supervisor):
    from policyops.models import Department

    own, foreign = DelegatedPowerFactory(), DelegatedPowerFactory(agency=other_agency())
    powerless = Department.objects.create(name="市无事项委", kind=Department.Kind.AGENCY)
    client.force_login(supervisor)
    form = client.get(reverse("admin:approvals_entrustment_add")).context["adminform"].form
    assert {own, foreign} <= set(form.fields["powers"].queryset)
    agencies = set(form.fields["agency"].queryset)
    assert own.agency in agencies and powerless not in agencies
    assert {d.kind for d in form.fields["authority"].queryset} == {Department.Kind.APPROVAL_AUTHORITY}


def readonly_of(obj):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    return set(model_admin(Entrustment).get_readonly_fields(request, obj))


def test_a_draft_entrustments_contents_and_filing_may_be_written(supervisor):
    from tests.approvals.factories import EntrustmentFactory

    readonly = readonly_of(EntrustmentFactory())
    assert "agency" not in readonly and "powers" not in readonly
    assert "filed_with_legal_office_on" not in readonly and "state" in readonly


def test_a_signed_entrustments_contents_are_fixed_and_its_filing_may_be_written(supervisor):
    from approvals import services
    from tests.approvals.factories import EntrustmentFactory

    power = DelegatedPowerFactory()
    entrustment = EntrustmentFactory(agency=power.agency, signed_on=D(2018, 9, 20))
    entrustment.powers.set([power])
    services.entrustment_transition(entrustment=entrustment, action="sign", acting_user=supervisor)
    readonly = readonly_of(entrustment)
    assert {"agency", "powers", "signed_on"} <= readonly
    assert "filed_with_legal_office_on" not in readonly and "filed_with_reform_office_on" not in readonly


def test_an_entrustment_in_force_has_its_filing_fixed_too(power, entrustment):
    readonly = readonly_of(entrustment)
    assert {"agency", "filed_with_legal_office_on", "filed_with_reform_office_on"} <= readonly


def test_the_implementation_period_column():
    column = model_admin(Entrustment).period
    assert column(Entrustment()) == "—"
    assert column(Entrustment(period_start=D(2018, 10, 8))) == "2018-10-08 – …"
    assert column(Entrustment(period_end=D(2030, 12, 31))) == "… – 2030-12-31"
    assert column(Entrustment(period_start=D(2018, 10, 8), period_end=D(2030, 12, 31))) == "2018-10-08 – 2030-12-31"


def test_without_the_decree_an_entrustment_has_no_signing_deadline():
    assert model_admin(Entrustment).signing_deadline(Entrustment()) == "—"
    assert model_admin(Entrustment).signed_on_display(Entrustment()) == "—"


def test_the_signing_deadline_is_thirty_days_after_the_decree():
    entrustment = Entrustment(signed_on=D(2018, 9, 30))
    entrustment.decree_published_on = D(2018, 8, 30)
    assert model_admin(Entrustment).signing_deadline(entrustment) == D(2018, 9, 29)
    assert "逾期签订" in model_admin(Entrustment).signed_on_display(entrustment)
    entrustment.signed_on = D(2018, 9, 29)
    assert model_admin(Entrustment).signed_on_display(entrustment) == D(2018, 9, 29)


# --- The delegated powers -------------------------------------------------------------------------


def checklist_inline(response):
    (inline,) = response.context["inline_admin_formsets"]
    return inline


def test_a_supervisor_edits_a_powers_checklist(client, supervisor):
    power = DelegatedPowerFactory()
    client.force_login(supervisor)
    inline = checklist_inline(client.get(reverse("admin:approvals_delegatedpower_change", args=[power.pk])))
    assert inline.has_add_permission and inline.has_change_permission and inline.has_delete_permission


def test_a_clerk_reads_a_powers_checklist_without_editing_it(client, clerk):
    power = DelegatedPowerFactory()
    client.force_login(clerk)
    inline = checklist_inline(client.get(reverse("admin:approvals_delegatedpower_change", args=[power.pk])))
    assert inline.has_view_permission
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)


def test_a_user_without_the_view_permission_is_not_shown_the_checklist(rf):
    from django.contrib import admin

    from approvals.admin.powers import PowerMaterialInline
    request = rf.get("/")
    request.user = make_user()
    assert not PowerMaterialInline(DelegatedPower, admin.site).has_view_permission(request)


def test_a_power_whose_name_ends_in_preliminary_review_is_flagged(db):
    assert model_admin(DelegatedPower).preliminary_review(DelegatedPowerFactory(name="测试事项初审")) is True
    assert model_admin(DelegatedPower).preliminary_review(DelegatedPowerFactory(name="测试事项")) is False


def test_the_scope_rule_column_shows_the_rule_with_the_remark_as_its_title(db):
    shown = model_admin(DelegatedPower).scope_rule_display(DelegatedPowerFactory(remark="限于民办普通高中、中职学校"))
    assert shown == '<span title="限于民办普通高中、中职学校">限于民办普通高中、中职学校</span>'


def test_the_scope_rule_column_of_a_power_without_a_remark_is_a_dash(db):
    assert model_admin(DelegatedPower).scope_rule_display(DelegatedPowerFactory(remark="")) == "—"


def test_only_who_may_set_it_writes_the_promised_time_limit(rf, supervisor):
    from django.contrib.auth.models import Permission

    power = DelegatedPowerFactory()
    editor = make_user()
    editor.user_permissions.add(Permission.objects.get(codename="change_delegatedpower"))
    request = rf.get("/")
    request.user = type(editor).objects.get(pk=editor.pk)  # permissions read afresh
    assert "promised_limit_days" in model_admin(DelegatedPower).get_readonly_fields(request, power)
    request.user = supervisor
    assert "promised_limit_days" not in model_admin(DelegatedPower).get_readonly_fields(request, power)


def test_revoking_an_entrustment_that_cannot_be_revoked_says_why_and_reports_no_success(client, supervisor, today):
    from tests.approvals.factories import EntrustmentFactory

    today(D(2024, 10, 10))
    draft = EntrustmentFactory()
    client.force_login(supervisor)
    response = client.post(reverse("admin:approvals_entrustment_changelist"), {
        "action": "revoke_entrustments", "_selected_action": [draft.pk], "apply": "1",
        "reason": "seal_beyond_scope", "details": "专用章用于委托范围以外的事项"}, follow=True)
    shown = messages_of(response)
    assert len(shown) == 1 and shown[0].startswith(f"{draft}: ")
    assert not any("已取消" in m for m in shown)
    draft.refresh_from_db()
    assert draft.state == Entrustment.State.DRAFT


def test_revoking_an_entrustment_reports_how_many_were_revoked(client, supervisor, power, entrustment, today):
    today(D(2024, 10, 10))
    client.force_login(supervisor)
    response = client.post(reverse("admin:approvals_entrustment_changelist"), {
        "action": "revoke_entrustments", "_selected_action": [entrustment.pk], "apply": "1",
        "reason": "seal_beyond_scope", "details": "专用章用于委托范围以外的事项"}, follow=True)
    assert messages_of(response) == ["已取消1项委托，相应行政审批专用章已收回。"]


# --- Seals, their use log and the heads of the authorities -----------------------------------------


def test_a_seal_is_in_use_from_its_issue_until_its_recovery(power, entrustment, today):
    from django.contrib import admin

    from approvals.models import ApprovalSeal

    seal = entrustment.seals.get()
    seal_admin = admin.site._registry[ApprovalSeal]
    today(seal.issued_on)
    assert seal_admin.in_use(seal) is True
    today(seal.issued_on - dt.timedelta(days=1))
    assert seal_admin.in_use(seal) is False


def test_a_seals_entrustment_is_chosen_among_the_entrustments(client, supervisor, power, entrustment):
    client.force_login(supervisor)
    form = client.get(reverse("admin:approvals_approvalseal_add")).context["adminform"].form
    assert entrustment in set(form.fields["entrustment"].queryset)


def test_the_use_log_filters_by_the_step_that_used_the_seal(client, supervisor, power, entrustment, clerk):
    from approvals.models import SealUse

    seal = entrustment.seals.get()
    kept, other = (SealUse.objects.create(seal=seal, case=register_case(power, clerk=clerk), action=step,
                                          used_on=D(2024, 9, 27), used_by=clerk) for step in SealUse.STEPS[:2])
    client.force_login(supervisor)
    response = client.get(reverse("admin:approvals_sealuse_changelist"), {"action": kept.action})
    assert [use.pk for use in response.context["cl"].result_list] == [kept.pk]
    response = client.get(reverse("admin:approvals_sealuse_changelist"))
    assert {use.pk for use in response.context["cl"].result_list} == {kept.pk, other.pk}


def test_the_head_of_an_authority_is_chosen_among_the_approval_authorities(client, power, entrustment):
    from policyops.models import Department

    client.force_login(make_user(is_superuser=True))
    form = client.get(reverse("admin:approvals_authorityhead_add")).context["adminform"].form
    kinds = {d.kind for d in form.fields["authority"].queryset}
    assert kinds == {Department.Kind.APPROVAL_AUTHORITY}


def test_a_seals_impression_is_shown_through_the_login_only_view(power, entrustment):
    from django.contrib import admin

    from approvals.admin.entrustments import ApprovalSealInline, impression_html
    from approvals.models import ApprovalSeal, Entrustment

    seal = entrustment.seals.get()
    seal.impression = "seals/impression.png"
    expected = (f'<img class="seal-impression-thumb" src="{reverse("approvals:seal_impression", args=[seal.pk])}" '
                f'alt="{seal.name}">')
    assert impression_html(seal) == expected
    assert ApprovalSealInline(Entrustment, admin.site).impression_preview(seal) == expected
    assert admin.site._registry[ApprovalSeal].impression_preview(seal) == expected


def test_a_seal_without_an_impression_shows_a_dash(power, entrustment):
    from django.contrib import admin

    from approvals.admin.entrustments import ApprovalSealInline, impression_html
    from approvals.models import ApprovalSeal, Entrustment

    seal = entrustment.seals.get()
    assert not seal.impression
    assert impression_html(seal) == "—"
    assert impression_html(None) == "—"
    assert impression_html(ApprovalSeal(name="未保存", impression="seals/x.png")) == "—"
    assert ApprovalSealInline(Entrustment, admin.site).impression_preview(seal) == "—"


def test_not_even_a_superuser_deletes_an_entrustment_or_a_seal(client, power, entrustment):
    client.force_login(make_user(is_superuser=True))
    assert client.get(reverse("admin:approvals_entrustment_delete", args=[entrustment.pk])).status_code == 403
    seal = entrustment.seals.get()
    assert client.get(reverse("admin:approvals_approvalseal_delete", args=[seal.pk])).status_code == 403


def test_an_entrustments_page_shows_its_audit_trail(client, supervisor, power, entrustment):
    client.force_login(supervisor)
    response = client.get(reverse("admin:approvals_entrustment_change", args=[entrustment.pk]))
    shown = {field.field["name"]: field.contents() for fieldset in response.context["adminform"]
             for line in fieldset for field in line if field.is_readonly}
    assert 'class="approvals-audit' in shown["audit_trail"]
    assert "<td" in shown["audit_trail"]  # its entries (sign, file, bring into force), not an empty table


def test_a_superuser_names_the_head_of_an_authority(client):
    from approvals.models import AuthorityHead
    from policyops.models import Department
    from tests.approvals.factories import pingdu, pingdu_authority
    from tests.factories import PersonFactory

    authority, person = pingdu_authority(), PersonFactory(pk=987654, name="局长", district=pingdu())
    assert not Department.objects.filter(pk=person.pk).exists()  # the person's key names no department
    client.force_login(make_user(is_superuser=True))
    response = client.post(reverse("admin:approvals_authorityhead_add"),
                           {"authority": authority.pk, "person": person.pk})
    assert response.status_code == 302
    assert AuthorityHead.objects.get(authority=authority).person == person


def material_rights(rf, user, case):
    """What the materials inline itself allows ``user`` on ``case`` (the page also asks the case's own right)."""
    from django.contrib import admin

    from approvals.admin.cases import CaseMaterialInline

    request = rf.get("/")
    request.user = user
    inline = CaseMaterialInline(ApprovalCase, admin.site)
    return inline.has_change_permission(request, case), inline.has_add_permission(request, case)


def test_the_materials_inline_allows_the_clerk_only_at_the_counter(rf, power, entrustment, clerk, head):
    from approvals import services

    case = register_case(power, clerk=clerk)
    assert material_rights(rf, clerk, case) == (True, True)
    assert material_rights(rf, head, case) == (False, False)
    assert material_rights(rf, clerk, None) == (False, False)
    services.case_accept(case=case, acting_user=clerk, as_of=case.received_on)
    case.refresh_from_db()
    assert material_rights(rf, clerk, case) == (False, False)
