"""Every admin URL of another district's objects, walked as every role: nothing shown, nothing written, no 500.

The district-scoped models are found in ``admin.site._registry`` (models that declare
``district_lookup``), so a new admin is walked as soon as it is registered; its 莱西市
object comes from ``BUILDERS`` (``test_every_district_scoped_admin_has_a_builder`` names
a missing one). Each object carries a *secret*: text that appears only on pages showing
it. Searches use part of the secret, so the search box echoing the term is no leak.

Also here: the user admin (no self-promotion, no setting others' passwords, the reset
link), and the pages that answered 500 (history of a model without simple-history, the
periodic tasks' "run selected tasks").
"""
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from approvals import services as approval_services
from approvals.models import ApprovalSeal, SealUse
from policyops.admin_base import tracks_history
from policyops.audit import entries_for
from policyops.models import Department, District, Person, ServiceHall
from policyops.roles import Role, group_for
from programs.halls.models import (
    Director,
    DutyShift,
    Evaluation,
    FollowUp,
    HallSettings,
    Problem,
    SignAttempt,
    Unavailability,
    WorkRecord,
)
from programs.roads import services as road_services
from programs.roads.models import AnnualPlan, PlanAdjustment, ProgrammePhase, RoadProject, RoadTarget
from tests.approvals.factories import DelegatedPowerFactory, EntrustmentFactory
from tests.conftest import make_user
from tests.factories import PolicyTaskFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def web():
    """A test client that returns a 500 response instead of raising, so every failure is collected."""
    return Client(raise_request_exception=False)


@pytest.fixture
def districts(seeded):
    return District.objects.get(name="平度市"), District.objects.get(name="莱西市")


# --- 莱西市's objects, one per district-scoped model --------------------------------------------


@dataclass
class Target:
    obj: object
    secret: str  # shown only on a page that shows the object

    @property
    def search(self):
        """Part of the secret: it finds the object but its echo in the search box is not the secret."""
        return self.secret[2:]


class LaixiWorld:
    """莱西市's objects (built on demand, once), each with its secret."""

    def __init__(self, laixi):
        self.laixi = laixi
        self._built = {}

    def get(self, label):
        if label not in self._built:
            self._built[label] = BUILDERS[label](self)
        return self._built[label]

    # Shared pieces.

    @property
    def authority(self):
        return Department.objects.get_or_create(name="莱西市行政审批测试局", defaults={
            "district": self.laixi, "kind": Department.Kind.APPROVAL_AUTHORITY})[0]

    @cached_property
    def clerk(self):
        return make_user(Role.CLERK, district=self.laixi, department=self.authority, username="laixi-clerk")

    @cached_property
    def manager(self):
        return make_user(Role.PROGRAMME_MANAGER, district=self.laixi, username="laixi-manager")


def build_department(w):
    return Target(Department.objects.create(name="莱西市独门测试局", district=w.laixi,
                                            kind=Department.Kind.RESPONSIBLE_UNIT), "莱西市独门测试局")


def build_hall(w):
    return Target(ServiceHall.objects.create(name="莱西市独门政务大厅", district=w.laixi,
                                             kind=ServiceHall.Kind.DISTRICT_HALL), "莱西市独门政务大厅")


def build_person(w):
    return Target(Person.objects.create(name="莱西独门工作人员", district=w.laixi), "莱西独门工作人员")


def build_policy_task(w):
    unit = w.get("policyops.Department").obj
    return Target(PolicyTaskFactory(lead_unit=unit, text="莱西独门政策任务文本"), "莱西独门政策任务文本")


def build_case(w):
    hall = ServiceHall.objects.create(name="莱西市审批测试大厅", district=w.laixi, kind=ServiceHall.Kind.DISTRICT_HALL)
    clerk = w.clerk
    case = approval_services.case_register(
        power=DelegatedPowerFactory(), applicant_name="莱西独门申请人有限公司", applicant_type="organisation",
        applicant_phone="0532-77712345", received_hall=hall, first_contact=clerk.person,
        received_on=dt.date(2024, 9, 27), materials=[("申请书", True)], acting_user=clerk)
    return Target(case, "莱西独门申请人有限公司")


def build_seal_use(w):
    case = w.get("approvals.ApprovalCase").obj
    seal = ApprovalSeal.objects.create(entrustment=EntrustmentFactory(), name="测试专用章",
                                       issued_on=dt.date(2018, 9, 20))
    use = SealUse.objects.create(seal=seal, case=case, action="approve", used_on=dt.date(2024, 10, 8),
                                 used_by=w.clerk)
    return Target(use, case.number)


def build_road_target(w):
    target = RoadTarget.objects.get(district=w.laixi)
    target.upgrade_km = Decimal("4321.7")
    target.save()
    return Target(target, "4321.7")


def build_road_project(w):
    project = road_services.project_create(
        acting_user=w.manager, district=w.laixi, town="莱西独门镇", name="莱西独门道路工程",
        work_type="路网提档升级", quantity=Decimal("10"), pavement_width_m=Decimal("6"), surface="沥青混凝土",
        surface_thickness_cm=Decimal("6"), base_layer="碎石类刚性基层", estimate_wan=Decimal("2000"),
        plan_year=2019, responsible_unit="莱西市交通运输局")
    return Target(project, "莱西独门道路工程")


def build_annual_plan(w):
    plan, _ = AnnualPlan.objects.update_or_create(district=w.laixi, target_field="upgrade_km", year=2019,
                                                  defaults={"quantity": Decimal("8765.4")})
    return Target(plan, "8765.4")


def build_plan_adjustment(w):
    adjustment = PlanAdjustment.objects.create(district=w.laixi, target_field="upgrade_km",
                                               reason="莱西独门调整理由", requested_by=w.manager)
    return Target(adjustment, "莱西独门调整理由")


def _laixi_duty_hall(w):
    return ServiceHall.objects.get_or_create(name="莱西独门值班大厅", defaults={
        "district": w.laixi, "kind": ServiceHall.Kind.DISTRICT_HALL})[0]


def build_hall_settings(w):
    settings = HallSettings.objects.create(hall=_laixi_duty_hall(w), opens_at=dt.time(9), closes_at=dt.time(17))
    return Target(settings, "莱西独门值班大厅")


def build_director(w):
    person = Person.objects.create(name="莱西独门局长", district=w.laixi)
    return Target(Director.objects.create(person=person, hall=_laixi_duty_hall(w)), "莱西独门局长")


def build_duty_shift(w):
    director = w.get("halls.Director").obj
    day = dt.date(2024, 10, 9)
    shift = DutyShift.objects.create(hall=director.hall, date=day, director=director,
                                     starts_at=dt.datetime(2024, 10, 9, 9, tzinfo=TZ),
                                     ends_at=dt.datetime(2024, 10, 9, 12, tzinfo=TZ))
    return Target(shift, "莱西独门局长")


def build_unavailability(w):
    director = w.get("halls.Director").obj
    return Target(Unavailability.objects.create(director=director, date=dt.date(2024, 10, 10),
                                                reason="莱西独门请假事由"), "莱西独门请假事由")


def build_sign_attempt(w):
    shift = w.get("halls.DutyShift").obj
    attempt = SignAttempt.objects.create(at=dt.datetime(2024, 10, 9, 9, 1, tzinfo=TZ), user=w.clerk, hall=shift.hall,
                                         shift=shift, action="in", success=False, reason="莱西独门签到拒绝原因")
    return Target(attempt, "莱西独门签到拒绝原因")


def build_work_record(w):
    shift = w.get("halls.DutyShift").obj
    return Target(WorkRecord.objects.create(shift=shift, opinions="莱西独门群众意见"), "莱西独门群众意见")


def build_problem(w):
    record = w.get("halls.WorkRecord").obj
    return Target(Problem.objects.create(record=record, description="莱西独门发现问题"), "莱西独门发现问题")


def build_evaluation(w):
    shift = w.get("halls.DutyShift").obj
    evaluation = Evaluation.objects.create(shift=shift, level=2, comment="莱西独门评价内容", device="laixi-device",
                                           created_at=dt.datetime(2024, 10, 9, 10, tzinfo=TZ))
    return Target(evaluation, "莱西独门评价内容")


def build_follow_up(w):
    evaluation = w.get("halls.Evaluation").obj
    follow_up = FollowUp.objects.filter(evaluation=evaluation).first() or FollowUp(evaluation=evaluation)
    follow_up.answer = "莱西独门回访答复"
    follow_up.save()
    return Target(follow_up, "莱西独门回访答复")


BUILDERS = {
    "policyops.Department": build_department,
    "policyops.ServiceHall": build_hall,
    "policyops.Person": build_person,
    "policyops.PolicyTask": build_policy_task,
    "approvals.ApprovalCase": build_case,
    "approvals.SealUse": build_seal_use,
    "roads.RoadTarget": build_road_target,
    "roads.RoadProject": build_road_project,
    "roads.AnnualPlan": build_annual_plan,
    "roads.PlanAdjustment": build_plan_adjustment,
    "halls.HallSettings": build_hall_settings,
    "halls.Director": build_director,
    "halls.DutyShift": build_duty_shift,
    "halls.Unavailability": build_unavailability,
    "halls.SignAttempt": build_sign_attempt,
    "halls.WorkRecord": build_work_record,
    "halls.Problem": build_problem,
    "halls.Evaluation": build_evaluation,
    "halls.FollowUp": build_follow_up,
}


def scoped_admins():
    """(model, its ModelAdmin) of every registered district-scoped model."""
    return sorted(((model, model_admin) for model, model_admin in admin.site._registry.items()
                   if getattr(model, "district_lookup", None)), key=lambda pair: pair[0]._meta.label)


def test_every_district_scoped_admin_has_a_builder():
    missing = [model._meta.label for model, _admin in scoped_admins() if model._meta.label not in BUILDERS]
    assert not missing, f"add a 莱西市 object builder to BUILDERS for: {missing}"


# --- Walking the URLs -----------------------------------------------------------------------------


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def autocomplete_sources(model):
    """(app_label, model_name, field_name) of the relations to ``model`` that the autocomplete view answers for.

    The admins' own autocomplete fields, and one other relation: the view takes any relation to a model
    whose admin has search fields.
    """
    configured, other = [], []
    for source in apps.get_models():
        source_admin = admin.site._registry.get(source)
        for field in source._meta.get_fields():
            if not (field.is_relation and not field.auto_created and field.related_model is model):
                continue
            key = (source._meta.app_label, source._meta.model_name, field.name)
            if source_admin is not None and field.name in source_admin.autocomplete_fields:
                configured.append(key)
            elif not other:
                other.append(key)
    return configured + other


def snapshot(obj):
    model = type(obj)
    return list(model._default_manager.filter(pk=obj.pk).values())


class Walk:
    """Requests of one user, and what went wrong: ("error", …) a 5xx, ("leak", …) the object shown,
    ("write", …) the object changed or deleted."""

    def __init__(self, client):
        self.client = client
        self.problems = []

    def _check(self, what, response, secret, *, context_object=None):
        if response.status_code >= 500:
            self.problems.append(("error", f"{what}: {response.status_code}"))
            return
        if response.status_code == 200 and secret in response.content.decode(errors="replace"):
            self.problems.append(("leak", f"{what}: 200 shows {secret!r}"))
        cl = response.context["cl"] if response.context and "cl" in response.context else None
        if cl is not None and context_object is not None and cl.queryset.filter(pk=context_object.pk).exists():
            self.problems.append(("leak", f"{what}: the changelist holds the object"))

    def get(self, what, url, secret, params=None, **kwargs):
        self._check(what, self.client.get(url, params or {}), secret, **kwargs)

    def post(self, what, url, secret, data=None, **kwargs):
        self._check(what, self.client.post(url, data or {}, **kwargs), secret)

    def report(self, *kinds):
        return "\n".join(message for kind, message in self.problems if kind in kinds)


def walk_admin(walk, target, *, write=True):
    obj, secret = target.obj, target.secret
    model = type(obj)
    label = model._meta.label
    walk.get(f"{label} change", admin_url(model, "change", obj.pk), secret)
    walk.get(f"{label} history", admin_url(model, "history", obj.pk), secret)
    if tracks_history(model):
        record = obj.history.order_by("-history_id").first()
        assert record is not None, f"{label}: the builder left no historical record"
        walk.get(f"{label} history form", admin_url(model, "simple_history", obj.pk, record.history_id), secret)
        walk.get(f"{label} history form of another object's record", admin_url(
            model, "simple_history", obj.pk + 10_000, record.history_id), secret)
    walk.get(f"{label} delete", admin_url(model, "delete", obj.pk), secret)
    walk.get(f"{label} changelist ?q=", admin_url(model, "changelist"), secret, {"q": target.search},
             context_object=obj)
    for app_label, model_name, field_name in autocomplete_sources(model):
        walk.get(f"{label} autocomplete via {model_name}.{field_name}", reverse("admin:autocomplete"), secret,
                 {"app_label": app_label, "model_name": model_name, "field_name": field_name,
                  "term": target.search})
    if write:
        before = snapshot(obj)
        walk.post(f"{label} change POST", admin_url(model, "change", obj.pk), secret, {"_save": "1"})
        walk.post(f"{label} delete POST", admin_url(model, "delete", obj.pk), secret, {"post": "yes"})
        walk.post(f"{label} bulk delete", admin_url(model, "changelist"), secret,
                  {"action": "delete_selected", ACTION_CHECKBOX_NAME: [obj.pk], "post": "yes"})
        if snapshot(obj) != before:
            walk.problems.append(("write", f"{label}: changed or deleted"))


def walk_api_and_pages(walk, world):
    case = world.get("approvals.ApprovalCase")
    number, secret = case.obj.number, case.secret
    before = snapshot(case.obj)
    walk.get("API case detail", f"/api/approvals/cases/{number}/", secret)
    walk.get("API case list", "/api/approvals/cases/", secret)
    walk.post("API case accept", f"/api/approvals/cases/{number}/accept/", secret, {}, content_type="application/json")
    walk.post("API case assign", f"/api/approvals/cases/{number}/assign/", secret,
              {"handler": world.clerk.person.pk}, content_type="application/json")
    walk.get("case list page", reverse("approvals:case_list"), secret, {"q": case.search})
    if snapshot(case.obj) != before:
        walk.problems.append(("write", "API: the case was changed"))
    project = world.get("roads.RoadProject")
    walk.get("API road projects", "/api/roads/projects/", project.secret, {"district": "莱西市"})
    walk.get("road project page", reverse("roads:project-detail", args=[project.obj.pk]), project.secret)
    walk.get("road project list page", reverse("roads:project-list"), project.secret, {"q": project.search})


VIEWERS = {
    "clerk": (Role.CLERK, "平度市"),
    "programme manager": (Role.PROGRAMME_MANAGER, "平度市"),
    "director": (Role.DIRECTOR, "平度市"),
    "city-level director": (Role.DIRECTOR, None),
}


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_another_districts_objects_stay_hidden_and_unwritten(web, districts, viewer):
    role, district_name = VIEWERS[viewer]
    user = make_user(role, district=District.objects.get(name=district_name) if district_name else None)
    world = LaixiWorld(districts[1])
    targets = [world.get(model._meta.label) for model, _admin in scoped_admins()]
    web.force_login(user)
    walk = Walk(web)
    for target in targets:
        walk_admin(walk, target)
    walk_api_and_pages(walk, world)
    assert not walk.problems, walk.report("error", "leak", "write")


def test_supervisors_see_every_district_and_no_page_fails(web, districts):
    """Supervisors see all districts: the same walk (reads only) answers no 5xx, and shows the objects.

    The second half is the control of the test above: each secret is really on the object's page.
    """
    supervisor = make_user(Role.SUPERVISOR, district=districts[0])
    world = LaixiWorld(districts[1])
    targets = [world.get(model._meta.label) for model, _admin in scoped_admins()]
    web.force_login(supervisor)
    walk = Walk(web)
    for target in targets:
        walk_admin(walk, target, write=False)
    walk_api_and_pages(walk, world)
    assert not walk.report("error")
    for target in targets:
        model = type(target.obj)
        if supervisor.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            response = web.get(admin_url(model, "change", target.obj.pk))
            assert response.status_code == 200 and target.secret in response.content.decode(), model


def test_own_districts_history_stays_open(web, districts):
    pingdu = districts[0]
    manager = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    project = road_services.project_create(
        acting_user=manager, district=pingdu, town="平度甲镇", name="平度自己的路", work_type="路网提档升级",
        quantity=Decimal("5"), pavement_width_m=Decimal("6"), surface="沥青混凝土", surface_thickness_cm=Decimal("6"),
        base_layer="碎石类刚性基层", estimate_wan=Decimal("1000"), plan_year=2019, responsible_unit="交通运输局")
    web.force_login(manager)
    record = project.history.first()
    assert web.get(admin_url(RoadProject, "history", project.pk)).status_code == 200
    response = web.get(admin_url(RoadProject, "simple_history", project.pk, record.history_id))
    assert response.status_code == 200 and "平度自己的路" in response.content.decode()
    assert web.post(admin_url(RoadProject, "simple_history", project.pk, record.history_id)).status_code == 403
    assert web.get(admin_url(RoadProject, "simple_history", project.pk, "abc")).status_code == 404


# --- The user admin ---------------------------------------------------------------------------------


@pytest.fixture
def people(districts):
    supervisor = make_user(Role.SUPERVISOR, username="sup", email="sup@example.cn")
    clerk = make_user(Role.CLERK, district=districts[0], username="clerk", email="clerk@example.cn")
    root = User.objects.create_superuser("root", "root@example.cn", "root-pw")
    return supervisor, clerk, root


def offered_form_data(client, user):
    """What the change page of ``user`` posts back unchanged: every field its form offers, as rendered."""
    from django.forms import CheckboxInput, MultiWidget

    form = client.get(admin_url(User, "change", user.pk)).context["adminform"].form
    data = {"_save": "1"}
    for bound in form:
        widget, value = bound.field.widget, bound.value()
        if bound.field.disabled or value is None:
            continue
        if isinstance(widget, MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
        elif isinstance(widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[bound.html_name] = str(value)
    return data


ESCALATIONS = {
    "superuser": {"is_superuser": "on"},
    "staff": {"is_staff": ""},  # withdrawing it: staff status is granted and withdrawn by superusers only
    "group": {"groups": ["GROUP"]},
    "permission": {"user_permissions": ["PERM"]},
}


def _escalation(name):
    from django.contrib.auth.models import Permission

    data = dict(ESCALATIONS[name])
    if "groups" in data:  # a role the actor lacks, besides the supervisors'
        data["groups"] = [group_for(Role.SUPERVISOR).pk, group_for(Role.DIRECTOR).pk]
    if "user_permissions" in data:
        data["user_permissions"] = [Permission.objects.get(codename="delete_user").pk]
    return data


def privileges(user):
    user = User.objects.get(pk=user.pk)
    return (user.is_staff, user.is_superuser, sorted(user.groups.values_list("pk", flat=True)),
            sorted(user.user_permissions.values_list("pk", flat=True)))


@pytest.mark.parametrize("escalation", list(ESCALATIONS))
@pytest.mark.parametrize("whose", ["own", "clerk's"])
def test_a_supervisor_grants_no_privilege(web, people, escalation, whose):
    supervisor, clerk, _root = people
    account = supervisor if whose == "own" else clerk
    before = privileges(account)
    web.force_login(supervisor)
    data = {**offered_form_data(web, account), **_escalation(escalation)}
    response = web.post(admin_url(User, "change", account.pk), data)
    assert response.status_code in (302, 403)
    assert privileges(account) == before


@pytest.mark.parametrize("escalation", list(ESCALATIONS))
def test_a_superuser_keeps_full_power(web, people, escalation):
    _supervisor, clerk, root = people
    before = privileges(clerk)
    web.force_login(root)
    data = {**offered_form_data(web, clerk), **_escalation(escalation)}
    response = web.post(admin_url(User, "change", clerk.pk), data)
    assert response.status_code == 302
    assert privileges(clerk) != before


def test_the_change_form_offers_a_supervisor_no_privilege_field(web, people):
    supervisor, clerk, _root = people
    web.force_login(supervisor)
    response = web.get(admin_url(User, "change", clerk.pk))
    assert response.status_code == 200
    fields = set(response.context["adminform"].form.fields)
    assert fields.isdisjoint({"is_staff", "is_superuser", "groups", "user_permissions", "password", "email"})


@pytest.mark.parametrize("actor", ["supervisor", "superuser"])
def test_the_user_admin_pages_open(web, people, actor):
    supervisor, clerk, root = people
    me = supervisor if actor == "supervisor" else root
    web.force_login(me)
    for url in (reverse("admin:auth_user_changelist"), reverse("admin:auth_user_add"),
                admin_url(User, "change", clerk.pk), admin_url(User, "change", root.pk),
                admin_url(User, "change", me.pk), admin_url(User, "history", clerk.pk)):
        assert web.get(url).status_code == 200, url
    invalid_link = reverse("admin:auth_user_password_reset_confirm", args=["MQ", "not-a-token"])
    assert Client(raise_request_exception=False).get(invalid_link).status_code == 200  # "the link is invalid"


def test_a_supervisor_cannot_change_a_superuser(web, people):
    supervisor, _clerk, root = people
    web.force_login(supervisor)
    data = {"username": "root", "first_name": "改名", "last_name": "", "email": "root@example.cn", "_save": "1"}
    response = web.post(admin_url(User, "change", root.pk), data)
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.first_name == "" and root.is_active
    assert web.post(admin_url(User, "delete", root.pk), {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("actor", ["supervisor", "superuser"])
def test_nobody_sets_another_persons_password_in_the_admin(web, people, actor):
    supervisor, clerk, root = people
    web.force_login(supervisor if actor == "supervisor" else root)
    for account, old_password in ((clerk, "pw-for-tests"), (root, "root-pw")):
        if account.pk == (supervisor if actor == "supervisor" else root).pk:
            continue
        url = reverse("admin:auth_user_password_change", args=[account.pk])
        assert web.get(url).status_code == 403
        response = web.post(url, {"password1": "Hijack-2024!x", "password2": "Hijack-2024!x",
                                  "usable_password": "true"})
        assert response.status_code == 403
        account.refresh_from_db()
        assert account.check_password(old_password)


def test_ones_own_password_is_changed_on_the_normal_page(web, people):
    supervisor, _clerk, _root = people
    web.force_login(supervisor)
    response = web.get(reverse("admin:auth_user_password_change", args=[supervisor.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("admin:password_change")
    assert web.get(reverse("admin:password_change")).status_code == 200


def test_a_supervisor_adds_an_account_without_privileges_and_its_owner_gets_a_link(web, people):
    supervisor, _clerk, _root = people
    web.force_login(supervisor)
    response = web.post(reverse("admin:auth_user_add"), {
        "username": "newcomer", "email": "new@example.cn", "first_name": "新", "last_name": "人",
        "password1": "Chosen-by-sup-1!", "password2": "Chosen-by-sup-1!", "is_superuser": "on", "is_staff": "on",
        "groups": [group_for(Role.SUPERVISOR).pk], "_save": "1"})
    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert privileges(newcomer) == (False, False, [], [])
    assert not newcomer.has_usable_password()
    assert [m.to for m in mail.outbox] == [["new@example.cn"]]
    assert entries_for(newcomer).filter(action="send_password_reset_link", actor=supervisor).count() == 1


def test_the_reset_link_action_sends_an_audited_link_that_sets_the_password(web, people):
    supervisor, clerk, root = people
    web.force_login(supervisor)
    response = web.post(reverse("admin:auth_user_changelist"), {
        "action": "send_password_reset_links", ACTION_CHECKBOX_NAME: [clerk.pk, root.pk]})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["clerk@example.cn"]]  # not the superuser's: not theirs to act on
    entry = entries_for(clerk).get(action="send_password_reset_link")
    assert entry.actor == supervisor
    assert not entries_for(root).exists()
    # The owner follows the link and sets a password; the supervisor never knows it.
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)
    owner = Client(raise_request_exception=False)
    response = owner.get(link)
    assert response.status_code == 302
    response = owner.post(response["Location"], {"new_password1": "Owners-own-9!", "new_password2": "Owners-own-9!"})
    assert response.status_code == 302
    assert owner.get(response["Location"]).status_code == 200
    clerk.refresh_from_db()
    assert clerk.check_password("Owners-own-9!")


# --- Pages that answered 500 ----------------------------------------------------------------------------


ALL_ROLES = [Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR, "superuser"]


def _user(role, district):
    if role == "superuser":
        return User.objects.create_superuser("root", "root@example.cn", "root-pw")
    return make_user(role, district=district)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_history_of_a_programme_phase_answers(web, districts, role):
    assert not tracks_history(ProgrammePhase)  # the reason it answered 500: simple-history has no records of it
    web.force_login(_user(role, districts[0]))
    phase = ProgrammePhase.objects.first()
    response = web.get(admin_url(ProgrammePhase, "history", phase.pk))
    assert response.status_code == (200 if role in ("superuser", Role.PROGRAMME_MANAGER, Role.DIRECTOR,
                                                   Role.SUPERVISOR) else 403)
    with pytest.raises(NoReverseMatch):
        admin_url(ProgrammePhase, "simple_history", phase.pk, 1)


@pytest.fixture
def periodic_task(seeded):
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.get(task="policyops.tasks.deliver_notifications")


RUN_TASKS = "admin:django_celery_beat_periodictask_changelist"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_run_selected_tasks_never_fails(web, districts, periodic_task, role):
    web.force_login(_user(role, districts[0]))
    response = web.post(reverse(RUN_TASKS), {"action": "run_tasks", ACTION_CHECKBOX_NAME: [periodic_task.pk]})
    assert response.status_code == (302 if role in ("superuser", Role.SUPERVISOR) else 403)


def test_run_selected_tasks_reports_an_unreachable_broker(web, districts, periodic_task, monkeypatch):
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(Task, "apply_async", unreachable)
    monkeypatch.setattr("policyops.admin_beat.embedded_broker", lambda app: False)  # a Redis broker, queued
    web.force_login(_user("superuser", districts[0]))
    response = web.post(reverse(RUN_TASKS), {"action": "run_tasks", ACTION_CHECKBOX_NAME: [periodic_task.pk]},
                        follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_filesystem_broker_folders_are_created_before_sending(tmp_path):
    from types import SimpleNamespace

    from policyops.admin_beat import ensure_broker_folders

    folder = tmp_path / "var" / "celery-broker"
    conf = SimpleNamespace(broker_url="filesystem://", broker_transport_options={
        "data_folder_in": str(folder), "data_folder_out": str(folder), "processed_folder": str(folder / "processed")})
    ensure_broker_folders(SimpleNamespace(conf=conf))
    assert (folder / "processed").is_dir()
