"""The URL walker of test_url_matrix: every URL pattern outside the admin, filled with real objects.

``patterns()`` lists the project's URL patterns (django.urls.get_resolver(), recursively);
``FILLERS`` says, per pattern name, which path parameters fill it for one district's
objects (``Side``). A pattern that is neither filled nor skipped makes the matrix fail
with its name, so a new URL is walked as soon as it exists.

Every object of the *other* district (莱西市) carries ``MARK`` in its text: a page that
shows one of them shows the mark. Lists are fetched with ``?q=`` set to part of the mark,
so that a search box echoing the term is no leak but a matching row is.
"""
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from approvals import services as approval_services
from approvals.actions import CASE_ACTIONS
from approvals.models import ApprovalCase, ApprovalSeal, CaseNotice
from policyops import job_files
from policyops.actions import POLICY_TASK_ACTIONS
from policyops.models import AuditEntry, Department, District, PolicyTask
from policyops.models.notifications import Notification
from policyops.roles import Role
from programs.halls import codes
from programs.halls.actions import PROBLEM_ACTIONS
from programs.halls.models import Director, DutyShift, Problem, WorkRecord
from programs.roads import import_store
from programs.roads import services as road_services
from programs.roads.actions import PROJECT_ACTIONS
from programs.roads.models import RoadProject
from tests.approvals.factories import DelegatedPowerFactory, EntrustmentFactory
from tests.conftest import make_user
from tests.factories import PolicyTaskFactory
from tests.halls.factories import (
    DutyShiftFactory,
    HallFactory,
    ProblemFactory,
    WorkRecordFactory,
)

TZ = ZoneInfo("Asia/Shanghai")
MARK = "莱西秘密"  # in every text of the other district's objects
SEARCH = MARK[1:]  # what the lists are searched for: finds the objects, its echo is not the mark
UNKNOWN_STEP = "no-such-step"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

# Patterns walked elsewhere or not at all. Each one says why.
EXCLUDED_PREFIXES = (
    "admin/",  # tests/policyops/test_access_matrix.py walks every admin URL of another district's objects
    "static/", "media/",  # files served by the web server in production, not views of this project
)
SKIPPED = {
    # Django's own language switch: writes only the caller's session/cookie, reads nothing.
    "set_language": "django.views.i18n.set_language changes only the caller's own language",
}
DOCS = {"api-schema", "api-docs"}  # fetched once per role with GET (no objects, no writes)

# What anonymous visitors may open (an answer other than login/403/404/405 is fine here only).
PUBLIC = {
    "policyops:home",  # the start page: a login prompt for visitors
    "approvals:public_status",  # applicants look up their case with its number and phone digits
    "halls:index", "halls:rota", "halls:rota_print", "halls:evaluate",  # the published rota, the evaluation form
    "halls:kiosk",  # the hall's screen, behind its signed token
}
# Health and metrics endpoints (another change adds them; tolerated under any of these names).
PUBLIC_ENDPOINTS = {"healthz", "readyz", "livez", "metrics"}


def is_public(name: str, route: str) -> bool:
    last = route.strip("/").rsplit("/", 1)[-1].strip("^$")
    return name in PUBLIC or name.rsplit(":", 1)[-1] in PUBLIC_ENDPOINTS or last in PUBLIC_ENDPOINTS


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str  # namespaced ("approvals:case_detail"); "" when the pattern has none
    methods: tuple[str, ...]  # the DRF viewset's, or ("GET", "POST") for any other view

    @property
    def public(self) -> bool:
        return is_public(self.name, self.route)


def patterns() -> list[Pattern]:
    found = []

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = ":".join(filter(None, (namespace, entry.namespace)))
                walk(entry, route, ns)
            elif isinstance(entry, URLPattern):
                name = ":".join(filter(None, (namespace, entry.name))) if entry.name else ""
                actions = getattr(entry.callback, "actions", None)  # a DRF viewset route
                # DRF adds "head" to a viewset's actions on its first request: keep GET and POST only.
                methods = tuple(m for m in ("GET", "POST") if m.lower() in actions) if actions else ("GET", "POST")
                found.append(Pattern(route, name, methods))

    walk(get_resolver(), "", "")
    return [p for p in found if not p.route.startswith(EXCLUDED_PREFIXES)]


# --- Each district's objects ----------------------------------------------------------------


@dataclass
class Side:
    """One district's objects, each reachable by a URL of the front pages or the API."""

    label: str  # "own" or "other"
    district: District
    task: PolicyTask
    case: ApprovalCase
    notice: CaseNotice
    seal: ApprovalSeal
    project: RoadProject
    director: Director
    shift: DutyShift
    record: WorkRecord
    problem: Problem
    notification: Notification
    import_token: str
    kiosk_token: str
    watched: list = field(default_factory=list)  # objects whose rows must not change

    def snapshot(self):
        """The watched rows, the rows made under them and their audit entries: raw SQL, as it runs ~1,500 times."""
        if not hasattr(self, "_queries"):
            self._queries = self._snapshot_queries()
        with connection.cursor() as cursor:
            rows = []
            for sql, params in self._queries:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall())
        return rows, import_store.progress(self.import_token)

    def _snapshot_queries(self):
        def rows_of(queryset):
            sql, params = queryset.order_by("pk").values_list().query.sql_with_params()
            return sql, params

        queries = [rows_of(type(o)._default_manager.filter(pk=o.pk)) for o in self.watched]
        queries += [rows_of(CaseNotice.objects.filter(case=self.case)),
                    rows_of(WorkRecord.objects.filter(shift=self.shift)),
                    rows_of(Problem.objects.filter(record__shift=self.shift))]
        # A step writes an audit entry; a full view of personal data does too, and is no write.
        audit = Q(pk__in=[])
        for obj in self.watched:
            audit |= Q(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        queries.append(rows_of(AuditEntry.objects.filter(audit).exclude(action="view_personal_data")))
        return queries


def _text(side_label, what):
    return f"{MARK}{what}" if side_label == "other" else f"平度{what}"


def build_side(label, district, *, clerk, manager, director_user, power):
    def text(what):
        return _text(label, what)

    authority = Department.objects.create(name=text("审批局"), district=district,
                                          kind=Department.Kind.APPROVAL_AUTHORITY)
    unit = Department.objects.create(name=text("牵头单位"), district=district, kind=Department.Kind.RESPONSIBLE_UNIT)
    task = PolicyTaskFactory(lead_unit=unit, text=text("政策任务"))
    # Hall names are public (the rota, the sign-in form of directors serving anywhere): no mark.
    hall = HallFactory(name=f"{district.name}测试值班大厅", district=district)
    case = approval_services.case_register(
        power=power, applicant_name=text("申请人"), applicant_type="person", applicant_phone="13812345678",
        received_hall=hall, first_contact=clerk.person, received_on=dt.date(2024, 9, 27),
        materials=[("申请书", True)], acting_user=clerk)
    seal = ApprovalSeal.objects.create(entrustment=EntrustmentFactory(authority=authority), name=text("专用章"),
                                       issued_on=dt.date(2018, 9, 20),
                                       impression=ContentFile(PNG, name=f"seal-{label}.png"))
    notice = CaseNotice.objects.create(case=case, kind=CaseNotice.Kind.ACCEPTANCE, number=f"NOTICE-{label}",
                                       issued_on=dt.date(2024, 9, 27), body=text("受理通知书正文"), seal=seal)
    project = road_services.project_create(
        acting_user=manager, district=district, town=text("镇"), name=text("道路工程"), work_type="路网提档升级",
        quantity=10, pavement_width_m=6, surface="沥青混凝土", surface_thickness_cm=6, base_layer="碎石类刚性基层",
        estimate_wan=2000, plan_year=2019, responsible_unit=text("交通运输局"))
    project.milestones.order_by("pk").first().evidence_file.save(f"evidence-{label}.pdf",
                                                                 ContentFile(b"%PDF-1.4 evidence"))
    director_user.person.name = text("局长")
    director_user.person.save()
    director = Director.objects.create(person=director_user.person, hall=hall)
    shift = DutyShiftFactory(director=director, hall=hall, date=dt.date(2024, 10, 14))
    record = WorkRecordFactory(shift=shift, opinions=text("群众意见"))
    problem = ProblemFactory(record=record, description=text("发现问题"))
    notification = Notification.objects.create(
        recipient=clerk, kind="walk", content_type=ContentType.objects.get_for_model(case), object_id=str(case.pk),
        due_date=dt.date(2024, 10, 8), subject=text("提醒"), body=text("提醒正文"), url="/approvals/cases/",
        created_at=timezone.now())
    import_token = job_files.new_token()
    import_store.write_progress(import_token, {"user_id": manager.pk, "state": "failed", "done": 0, "total": 1,
                                               "problems": [[2, "name", text("导入错误")]]})
    side = Side(label, district, task, case, notice, seal, project, director, shift, record, problem, notification,
                import_token, codes.kiosk_token(hall.duty_settings))
    side.watched = [task, case, notice, seal, project, director, shift, record, problem, notification,
                    hall.duty_settings]
    return side


@dataclass
class World:
    own: Side
    other: Side
    users: dict  # role name -> user (None for anonymous)


ROLES = ("anonymous", "clerk", "manager", "director", "supervisor", "superuser")
SEE_EVERY_DISTRICT = {"supervisor", "superuser"}


def build_world():
    from django.contrib.auth import get_user_model

    pingdu, laixi = District.objects.get(name="平度市"), District.objects.get(name="莱西市")
    power = DelegatedPowerFactory()
    users = {
        "anonymous": None,
        "clerk": make_user(Role.CLERK, district=pingdu, username="walk-clerk"),
        "manager": make_user(Role.PROGRAMME_MANAGER, district=pingdu, username="walk-manager"),
        "director": make_user(Role.DIRECTOR, district=pingdu, username="walk-director"),
        "supervisor": make_user(Role.SUPERVISOR, username="walk-supervisor"),
        "superuser": get_user_model().objects.create_superuser("walk-root", "root@example.cn", "pw"),
    }
    own = build_side("own", pingdu, clerk=users["clerk"], manager=users["manager"],
                     director_user=users["director"], power=power)
    other = build_side("other", laixi, clerk=make_user(Role.CLERK, district=laixi, username="walk-laixi-clerk"),
                       manager=make_user(Role.PROGRAMME_MANAGER, district=laixi, username="walk-laixi-manager"),
                       director_user=make_user(Role.DIRECTOR, district=laixi, username="walk-laixi-director"),
                       power=power)
    return World(own, other, users)


# --- Filling the path parameters ---------------------------------------------------------


def _steps(actions, **kwargs):
    """One fill per registered step, and one unknown step (it must answer 404, not 500)."""
    return [{**kwargs, "action": name} for name in [a.name for a in actions] + [UNKNOWN_STEP]]


def _named(key, actions, value):
    return [{key: value, "name": name} for name in [a.name for a in actions] + [UNKNOWN_STEP]]


# Pattern name -> fills for one district's objects (Side) -> list of kwargs. Patterns whose
# parameters are no object of a district (a year, a month) take NEUTRAL_FILLERS instead.
FILLERS = {
    "policyops:task-detail": lambda s: [{"pk": s.task.pk}],
    "policyops:task-action": lambda s: _steps(POLICY_TASK_ACTIONS, pk=s.task.pk),
    "policyops:inbox_open": lambda s: [{"pk": s.notification.pk}],
    "approvals:case_detail": lambda s: [{"pk": s.case.pk}],
    "approvals:case_claim": lambda s: [{"pk": s.case.pk}],
    "approvals:case_release": lambda s: [{"pk": s.case.pk}],
    "approvals:case_follow_up": lambda s: [{"pk": s.case.pk}],
    "approvals:case_assign": lambda s: [{"pk": s.case.pk}],
    "approvals:case_action": lambda s: _steps(CASE_ACTIONS, pk=s.case.pk),
    "approvals:notice_print": lambda s: [{"pk": s.notice.pk}],
    "approvals:seal_impression": lambda s: [{"pk": s.seal.pk}],
    "policyops-api:policy-task-detail": lambda s: [{"pk": s.task.pk}],
    "policyops-api:policy-task-unknown-action": lambda s: [{"pk": s.task.pk, "action": UNKNOWN_STEP}],
    "approvals-api:case-detail": lambda s: [{"number": s.case.number}],
    "approvals-api:case-assign": lambda s: [{"number": s.case.number}],
    "approvals-api:case-unknown-action": lambda s: [{"number": s.case.number, "action": UNKNOWN_STEP}],
    "roads:project-detail": lambda s: [{"pk": s.project.pk}],
    "roads:milestone-evidence": lambda s: [{"pk": s.project.milestones.order_by("pk").first().pk}],
    "roads:project-action": lambda s: _steps(PROJECT_ACTIONS, pk=s.project.pk),
    "roads:project-import-status": lambda s: [{"token": s.import_token}],
    "roads:project-import-progress": lambda s: [{"token": s.import_token}],
    "halls:rota": lambda s: [{"hall_id": s.shift.hall_id, "year": 2024, "month": 10}],
    "halls:rota_print": lambda s: [{"hall_id": s.shift.hall_id, "year": 2024, "month": 10}],
    "halls:evaluate": lambda s: [{"hall_id": s.shift.hall_id}],
    "halls:kiosk": lambda s: [{"token": s.kiosk_token}],
    "halls:file_substitution": lambda s: [{"shift_id": s.shift.pk}],
    "halls:work_record": lambda s: [{"shift_id": s.shift.pk}],
    "halls:problem_step": lambda s: _named("problem_id", PROBLEM_ACTIONS, s.problem.pk),
}
# The DRF router's step endpoints of the workflow kernel: one pattern per step, filled alike.
for _action in POLICY_TASK_ACTIONS:
    FILLERS[f"policyops-api:policy-task-{_action.name.replace('_', '-')}"] = lambda s: [{"pk": s.task.pk}]
for _action in CASE_ACTIONS:
    FILLERS[f"approvals-api:case-{_action.name.replace('_', '-')}"] = lambda s: [{"number": s.case.number}]

NEUTRAL_FILLERS = {
    "halls:briefing": [{"year": 2024, "month": 10}],
    "halls:briefing_xlsx": [{"year": 2024, "month": 10}],
    "halls:assessment": [{"year": 2024}],
    "halls:assessment_xlsx": [{"year": 2024}],
}
