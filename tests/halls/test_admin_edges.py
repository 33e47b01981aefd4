"""Edges of the hall-duty admin (programs/halls/admin/): what the mutation run found unpinned."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from policyops.admin_base import audit_trail_html
from policyops.roles import Role
from programs.halls import codes, services
from programs.halls.admin.rota import SignActionFilter, SignAttemptInline
from programs.halls.admin.work import ProblemInline
from programs.halls.models import (
    Director,
    DutyShift,
    FollowUp,
    HallSettings,
    MonthlyBriefing,
    Problem,
    SignAttempt,
    Unavailability,
    WorkRecord,
)
from tests.admin_pages import admin_request, model_admin
from tests.conftest import make_user
from tests.factories import PersonFactory
from tests.halls.conftest import make_director
from tests.halls.factories import (
    DutyShiftFactory,
    EvaluationFactory,
    HallFactory,
    ProblemFactory,
    WorkRecordFactory,
    at,
)
from tests.pages import messages_of, zh

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State
SHIFTS = "admin:halls_dutyshift_changelist"
GENERATE = "admin:halls_dutyshift_generate"


@pytest.fixture
def zhang(hall):
    return make_director(hall, "张局长", "市教育局")


@pytest.fixture
def wang(hall):
    return make_director(hall, "王局长", "市民政局")


def _no_department_director(hall, name):
    return Director.objects.create(person=PersonFactory(name=name), hall=hall)


# --- The shifts' columns and pages (rota.DutyShiftAdmin) --------------------------------------------


def test_a_shifts_columns_name_its_director_department_substitute_and_sign_times(zhang, wang):
    shift = DutyShiftFactory(director=zhang, substitute=wang, state=S.SIGNED_OUT,
                             signed_in_at=at(9, 5), signed_out_at=at(17, 2))
    shifts = model_admin(DutyShift)
    assert shifts.director_name(shift) == "张局长"
    assert str(shifts.department(shift)) == "市教育局"
    assert shifts.substitute_name(shift) == "王局长"
    assert (shifts.signed_in(shift), shifts.signed_out(shift)) == ("09:05", "17:02")


def test_a_shift_without_department_substitute_or_signatures_shows_dashes(hall):
    shift = DutyShiftFactory(director=_no_department_director(hall, "无部门局长"))
    shifts = model_admin(DutyShift)
    assert [shifts.department(shift), shifts.substitute_name(shift), shifts.signed_in(shift),
            shifts.signed_out(shift)] == ["—"] * 4


def test_a_shifts_audit_trail_is_its_entries(hall, zhang, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=zhang)
    assert model_admin(DutyShift).audit_trail(shift) == audit_trail_html(shift)


def test_a_shifts_step_page_heads_with_its_date_hall_director_and_state(client, hall, zhang, rota_manager):
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    shift = DutyShift.objects.get(director=zhang)
    client.force_login(rota_manager)
    response = client.get(reverse("admin:halls_dutyshift_workflow_action", args=[shift.pk, "move"]))
    assert [(str(label), value) for label, value in response.context["head"]] == [
        (zh("date"), shift.date), (zh("service hall"), hall), (zh("director"), zhang), (zh("substitute"), "—"),
        (zh("state"), shift.get_state_display())]


def test_the_shift_steps_act_at_the_present_moment_not_on_a_date(clock, rota_manager):
    moment = clock(at(9, 30))
    assert model_admin(DutyShift).workflow_as_of(admin_request(rota_manager)) == moment


def test_the_shift_list_offers_generating_to_rota_managers_only(client, hall, rota_manager):
    link = reverse(GENERATE)
    client.force_login(rota_manager)
    assert link in client.get(reverse(SHIFTS)).content.decode()
    client.force_login(make_user(Role.DIRECTOR, district=hall.district))
    assert link not in client.get(reverse(SHIFTS)).content.decode()


# --- Generating a month (rota.DutyShiftAdmin.generate_view) -----------------------------------------


def test_the_generate_page_opens_with_a_blank_form(client, hall, rota_manager):
    client.force_login(rota_manager)
    response = client.get(reverse(GENERATE))
    assert response.status_code == 200 and not response.context["form"].is_bound


def test_a_generate_form_without_a_hall_is_shown_again_with_its_error(client, hall, zhang, rota_manager):
    client.force_login(rota_manager)
    response = client.post(reverse(GENERATE), {"year": 2024, "month": 10})
    assert response.status_code == 200 and "hall" in response.context["form"].errors
    assert not DutyShift.objects.exists()


def test_a_generated_month_is_announced_with_its_count_hall_and_month(client, hall, zhang, wang, rota_manager):
    client.force_login(rota_manager)
    response = client.post(reverse(GENERATE), {"hall": hall.pk, "year": 2024, "month": 10}, follow=True)
    assert messages_of(response, "success") == [zh(
        "%(count)s shifts generated for %(hall)s in %(year)s-%(month)02d. Check them, move single shifts "
        "if needed, then publish the month.", count=2, hall=hall, year=2024, month=10)]


# --- The sign-in log (rota.SignAttemptInline, SignActionFilter, SignAttemptAdmin) --------------------


def _attempt(zhang, hall, action="sign_in"):
    return SignAttempt.objects.create(at=at(9, 5), user=zhang.person.user, hall=hall, action=action,
                                      code_counter=1, success=True)


def test_a_sign_in_attempt_is_labelled_by_its_action(zhang, hall):
    attempt = _attempt(zhang, hall)
    label = SignAttemptInline(DutyShift, admin.site).action_label(attempt)
    assert label and label != "sign_in"
    assert model_admin(SignAttempt).action_label(attempt) == label


def test_a_shifts_sign_in_attempts_are_never_added_or_changed_by_hand(rota_manager):
    inline = SignAttemptInline(DutyShift, admin.site)
    request = admin_request(make_user(is_superuser=True))
    assert not inline.has_add_permission(request) and not inline.has_change_permission(request)


def test_the_sign_in_log_is_filtered_by_sign_in_or_sign_out(client, zhang, hall, rota_manager):
    _attempt(zhang, hall, "sign_in")
    _attempt(zhang, hall, "sign_out")
    client.force_login(rota_manager)
    response = client.get(reverse("admin:halls_signattempt_changelist"))
    (actions,) = [spec for spec in response.context["cl"].filter_specs if isinstance(spec, SignActionFilter)]
    assert [value for value, _label in actions.lookup_choices] == ["sign_in", "sign_out"]


# --- Hall settings, directors, unavailable dates (setup) --------------------------------------------


def test_renewing_two_halls_code_secrets_counts_both(client, hall, rota_manager):
    other = HallFactory(district=hall.district)
    client.force_login(rota_manager)
    response = client.post(reverse("admin:halls_hallsettings_changelist"), {
        "action": "renew_code_secret", ACTION_CHECKBOX_NAME: [hall.duty_settings.pk, other.duty_settings.pk]},
        follow=True)
    assert messages_of(response, "success") == [zh(
        "%(count)s hall(s) have a new code secret; open the new kiosk link on each hall's screen.", count=2)]


def test_a_new_hall_settings_hall_is_chosen_a_saved_ones_is_fixed(client, hall, rota_manager):
    client.force_login(make_user(is_superuser=True))
    adding = client.get(reverse("admin:halls_hallsettings_add")).context["adminform"].form
    changing = client.get(reverse("admin:halls_hallsettings_change", args=[hall.duty_settings.pk]))
    assert "hall" in adding.fields
    assert "hall" not in changing.context["adminform"].form.fields


def test_a_saved_hall_settings_page_shows_the_hall_first_then_the_public_pages_and_kiosk(hall, rota_manager):
    readonly = model_admin(HallSettings).get_readonly_fields(admin_request(rota_manager), hall.duty_settings)
    assert readonly == ["hall", "public_pages", "kiosk_link"]


def test_unsaved_hall_settings_have_no_kiosk_link_nor_public_pages():
    settings_admin = model_admin(HallSettings)
    assert settings_admin.kiosk_link(HallSettings()) == "—"
    assert settings_admin.public_pages(HallSettings()) == "—"


def test_a_halls_public_pages_are_its_rota_of_this_month_its_print_and_its_evaluation(hall, clock):
    clock(dt.datetime(2025, 3, 4, 10, tzinfo=TZ))
    html = model_admin(HallSettings).public_pages(hall.duty_settings)
    for url in (reverse("halls:rota", args=[hall.pk, 2025, 3]), reverse("halls:rota_print", args=[hall.pk, 2025, 3]),
                reverse("halls:evaluate", args=[hall.pk])):
        assert f'href="{url}"' in html


def test_a_saved_halls_kiosk_link_carries_its_token(hall):
    html = model_admin(HallSettings).kiosk_link(hall.duty_settings)
    assert reverse("halls:kiosk", args=[codes.kiosk_token(hall.duty_settings)]) in html


def test_a_directors_columns_are_its_name_and_department(hall, zhang):
    directors = model_admin(Director)
    assert directors.name(zhang) == "张局长" and str(directors.department(zhang)) == "市教育局"
    assert directors.department(_no_department_director(hall, "无部门局长")) == "—"


def test_an_unavailable_dates_directors_are_offered_by_name(client, hall, rota_manager):
    # Created 王 first: by the directors' own order (department, then name) 王 (教育) comes before 张 (民政).
    make_director(hall, "王局长", "市教育局")
    make_director(hall, "张局长", "市民政局")
    client.force_login(rota_manager)
    form = client.get(reverse("admin:halls_unavailability_add")).context["adminform"].form
    assert [str(d) for d in form.fields["director"].queryset] == ["张局长", "王局长"]
    assert Unavailability.objects.count() == 0


# --- Work records and problems (work) ---------------------------------------------------------------


def test_an_unsaved_problem_has_no_follow_up_link():
    inline = ProblemInline(WorkRecord, admin.site)
    assert inline.follow_up(Problem()) == "—"


def test_a_saved_problem_links_its_follow_up_page(zhang):
    problem = ProblemFactory(record=WorkRecordFactory(shift=DutyShiftFactory(director=zhang)))
    html = ProblemInline(WorkRecord, admin.site).follow_up(problem)
    assert reverse("admin:halls_problem_change", args=[problem.pk]) in html and zh("Follow up…") in html


def test_the_work_record_list_shows_each_records_hall_and_counts(client, hall, zhang, rota_manager):
    record = WorkRecordFactory(shift=DutyShiftFactory(director=zhang))
    ProblemFactory.create_batch(2, record=record)
    client.force_login(rota_manager)
    (row,) = client.get(reverse("admin:halls_workrecord_changelist")).context["cl"].result_list
    records = model_admin(WorkRecord)
    assert (records.hall(row), records.case_count(row), records.problem_count(row)) == (hall, 0, 2)


def test_a_work_record_lists_its_cases_by_number(hall, zhang):
    from tests.halls.test_doors import register_case

    record = WorkRecordFactory(shift=DutyShiftFactory(director=zhang))
    case = register_case(hall)
    record.cases.add(case)
    html = model_admin(WorkRecord).case_list(record)
    assert reverse("admin:approvals_approvalcase_change", args=[case.pk]) in html and case.number in html


def test_a_work_record_without_cases_shows_a_dash(zhang):
    records = model_admin(WorkRecord)
    assert records.case_list(WorkRecordFactory(shift=DutyShiftFactory(director=zhang))) == "—"
    assert records.case_list(WorkRecord()) == "—"


def test_a_work_record_and_a_problems_audit_trails_are_their_entries(zhang):
    problem = ProblemFactory(record=WorkRecordFactory(shift=DutyShiftFactory(director=zhang)))
    assert model_admin(WorkRecord).audit_trail(problem.record) == audit_trail_html(problem.record)
    assert model_admin(Problem).audit_trail(problem) == audit_trail_html(problem)


def test_the_work_record_page_offers_the_director_on_duty_only_the_record_step(client, zhang):
    shift = DutyShiftFactory(director=zhang, state=S.SIGNED_IN, signed_in_at=at(9, 5))
    record = WorkRecordFactory(shift=shift)
    client.force_login(zhang.person.user)
    response = client.get(reverse("admin:halls_workrecord_change", args=[record.pk]))
    assert [button["name"] for button in response.context["workflow_buttons"]] == ["record_work"]


def test_problems_are_followed_up_in_bulk_by_those_who_may(hall, rota_manager):
    actions = model_admin(Problem).get_actions(admin_request(rota_manager))
    assert {"workflow_start_rectification", "workflow_mark_rectified", "workflow_reopen"} <= set(actions)
    assert not model_admin(Problem).get_actions(admin_request(make_user(Role.CLERK, district=hall.district)))


def test_a_problem_is_listed_and_headed_by_its_description_proposal_and_state(zhang, rota_manager):
    problem = ProblemFactory(record=WorkRecordFactory(shift=DutyShiftFactory(director=zhang)),
                             description="材料清单不一致" * 10, proposal="统一清单")
    problems = model_admin(Problem)
    assert problems.short_description(problem) == ("材料清单不一致" * 10)[:40]
    assert [(str(label), value) for label, value in problems.workflow_head(admin_request(rota_manager), problem)] == [
        (zh("problem found"), problem.description), (zh("rectification proposal"), "统一清单"),
        (zh("rectification"), problem.get_state_display())]


def test_a_problem_without_a_proposal_is_headed_with_a_dash(zhang, rota_manager):
    problem = ProblemFactory(record=WorkRecordFactory(shift=DutyShiftFactory(director=zhang)))
    head = model_admin(Problem).workflow_head(admin_request(rota_manager), problem)
    assert head[1][1] == "—"


# --- Ratings, follow-ups, briefings (evaluations) ---------------------------------------------------


def _follow_up(shift, *, answered_by=None, comment="态度差"):
    evaluation = EvaluationFactory(shift=shift, level=1, comment=comment, created_at=at(10, 7))
    if answered_by is None:
        return FollowUp.objects.create(evaluation=evaluation)
    return FollowUp.objects.create(evaluation=evaluation, answer="已约谈", answered_by=answered_by,
                                   answered_at=at(16))


def test_a_rating_names_its_hall_and_the_director_who_was_on_duty(hall, zhang, wang):
    from programs.halls.models import Evaluation

    evaluation = EvaluationFactory(shift=DutyShiftFactory(director=zhang, substitute=wang))
    ratings = model_admin(Evaluation)
    assert (ratings.hall(evaluation), ratings.director(evaluation)) == (hall, "王局长")


def test_a_follow_ups_columns_read_its_rating(hall, zhang, wang):
    follow_up = _follow_up(DutyShiftFactory(director=zhang, substitute=wang))
    follow_ups = model_admin(FollowUp)
    assert [follow_ups.rated_at(follow_up), follow_ups.hall(follow_up), follow_ups.director(follow_up),
            follow_ups.level(follow_up), follow_ups.comment(follow_up), follow_ups.is_open_display(follow_up)] == [
        "2024-10-14 10:07", hall, "王局长", follow_up.evaluation.get_level_display(), "态度差", True]


def test_a_follow_up_of_a_rating_without_comment_shows_a_dash(zhang):
    follow_up = _follow_up(DutyShiftFactory(director=zhang), comment="")
    assert model_admin(FollowUp).comment(follow_up) == "—"


@pytest.fixture
def open_and_answered(zhang, rota_manager):
    return (_follow_up(DutyShiftFactory(director=zhang, date=dt.date(2024, 10, 14))),
            _follow_up(DutyShiftFactory(director=zhang, date=dt.date(2024, 10, 15)), answered_by=rota_manager))


@pytest.mark.parametrize(("value", "shown"), [("1", 0), ("0", 1)])
def test_the_follow_ups_are_filtered_open_or_answered(client, open_and_answered, rota_manager, value, shown):
    client.force_login(rota_manager)
    response = client.get(reverse("admin:halls_followup_changelist"), {"open": value})
    assert [row.pk for row in response.context["cl"].result_list] == [open_and_answered[shown].pk]


def test_a_follow_up_is_neither_added_nor_deleted_by_hand(client, open_and_answered):
    client.force_login(make_user(is_superuser=True))
    assert client.get(reverse("admin:halls_followup_add")).status_code == 403
    open_one = open_and_answered[0]
    assert client.get(reverse("admin:halls_followup_delete", args=[open_one.pk])).status_code == 403


def test_an_open_follow_ups_answer_is_written_an_answered_ones_is_read(client, open_and_answered, rota_manager):
    client.force_login(rota_manager)
    forms = [client.get(reverse("admin:halls_followup_change", args=[f.pk])).context["adminform"].form
             for f in open_and_answered]
    assert "answer" in forms[0].fields and "answer" not in forms[1].fields


def test_saving_an_answered_follow_up_again_changes_nothing(client, open_and_answered, rota_manager):
    answered = open_and_answered[1]
    client.force_login(make_user(Role.SUPERVISOR))
    response = client.post(reverse("admin:halls_followup_change", args=[answered.pk]), {"answer": "另一答复"},
                           follow=True)
    assert response.status_code == 200 and not messages_of(response, "error")
    kept = FollowUp.objects.get(pk=answered.pk)
    assert (kept.answer, kept.answered_by) == ("已约谈", rota_manager)


def test_a_monthly_briefing_links_its_page():
    briefing = MonthlyBriefing.objects.create(year=2024, month=10, generated_at=at(8, day=dt.date(2024, 11, 1)),
                                              figures={})
    html = model_admin(MonthlyBriefing).page(briefing)
    assert f'href="{reverse("halls:briefing", args=[2024, 10])}"' in html and zh("Open") in html

