"""Demo part of the road programme: ~60 projects at every step, annual plans, one adjustment.

Register it with ``policyops.demo.register(build_roads_demo)``. Projects are created and
moved through programs.roads.services (so milestones, dates and audit rows are the real
ones), dated April 2018 to November 2020; each step runs in the service's own durable
transaction, as a manager's would, so the builder opens none around them. Towns and
project names are invented and marked 演示. Annual plans split each district's Annex 2
targets over 2018/2019/2020 (20 %, 45 %, the rest), so every district's plans add up to
its targets. Running it twice changes nothing: existing projects (by district, name and
plan year), plans and the demo adjustment are left alone.

The random choices come from a generator of this module's own (seeded), not from the shared
one, so a second run makes the same projects even when earlier builders drew differently.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from policyops.models import District
from programs.roads import rules, services
from programs.roads.models import AnnualPlan, PlanAdjustment, RoadProject, RoadTarget, Step
from programs.roads.rules import BaseLayer, Surface, WorkType

S = RoadProject.State

SEED = 20180401
MARK = "（演示）"
PLAN_YEARS = (2018, 2019, 2020)
PLAN_SHARES = (Decimal("0.20"), Decimal("0.45"))  # 2018, 2019; 2020 takes the rest
FIRST_DAY = dt.date(2018, 4, 16)
LAST_DAY = dt.date(2020, 11, 30)
PROJECTS_PER_WORK_TYPE = 2
ADJUSTMENT_REASON = "演示：部分路段前移至2019年实施，三年总任务不变。"
ROAD_WORDS = ["东西路", "南北路", "环村路", "通村路", "产业路", "旅游路", "连接线", "干线"]
TOWN_WORDS = ["甲", "乙", "丙", "丁"]
MANAGERS = {"平度市": "manager_pingdu", "莱西市": "manager_laixi"}
# The step each project is taken to, by weight: some not started, some closed.
STAGES = [(S.PLANNED, 2), (S.SURVEY_DESIGN, 2), (S.TENDERING, 2), (S.CONSTRUCTION, 3), (S.ACCEPTANCE, 2),
          (S.CLOSED, 3)]
ADVANCE = ["start_design", "approve_design", "award_contract", "complete_construction", "accept"]
STAGE_INDEX = {S.PLANNED: 0, S.SURVEY_DESIGN: 1, S.TENDERING: 2, S.CONSTRUCTION: 3, S.ACCEPTANCE: 4, S.CLOSED: 5}
STEP_DAYS = {"start_design": 0, "approve_design": 75, "award_contract": 45, "complete_construction": 200,
             "accept": 40}
PLANNED_DAYS = {Step.SURVEY_DESIGN: 60, Step.TENDERING: 100, Step.CONSTRUCTION: 280, Step.ACCEPTANCE: 320}
ONE_DECIMAL = Decimal("0.1")


def _q(value, places=ONE_DECIMAL) -> Decimal:
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def split_target(target: Decimal, whole: bool) -> list[Decimal]:
    """The target over 2018, 2019, 2020; the parts add up to it exactly."""
    places = Decimal(1) if whole else ONE_DECIMAL
    first = _q(target * PLAN_SHARES[0], places)
    second = _q(target * PLAN_SHARES[1], places)
    return [first, second, target - first - second]


def build_annual_plans(log) -> int:
    created = 0
    for target in RoadTarget.objects.select_related("district"):
        for field in rules.TARGET_FIELDS:
            total = Decimal(getattr(target, field))
            if total <= 0 or AnnualPlan.objects.filter(district=target.district, target_field=field).exists():
                continue
            whole = field in ("dangerous_bridges", "bus_stops")
            for year, quantity in zip(PLAN_YEARS, split_target(total, whole)):
                AnnualPlan.objects.create(district=target.district, target_field=field, year=year, quantity=quantity)
                created += 1
    log(f"  road annual plans: {created} created")
    return created


def _design(rng, work_type):
    """Design facts that pass the technical rules (002:376, 002:455-459)."""
    width = Decimal(rng.choice(["4.5", "5.0", "5.5", "6.0", "6.5", "7.0"]))
    if rng.random() < 0.6:
        surface, thickness, base = Surface.ASPHALT, Decimal(rng.choice(["5", "6", "8"])), BaseLayer.RIGID_CRUSHED_STONE
    else:
        surface, thickness, base = Surface.CEMENT, Decimal(rng.choice(["20", "22"])), rng.choice(
            [BaseLayer.RIGID_CRUSHED_STONE, BaseLayer.OTHER_BASE])
    bays = rng.randint(2, 8) if width < rules.MIN_WIDTH_WITHOUT_PASSING_BAYS_M else 0
    if work_type in WorkType.COUNTED:
        return {"pavement_width_m": None, "surface": "", "surface_thickness_cm": None, "base_layer": "",
                "passing_bays": 0}
    return {"pavement_width_m": width, "surface": surface, "surface_thickness_cm": thickness, "base_layer": base,
            "passing_bays": bays}


def _quantity(rng, work_type, target: Decimal) -> Decimal:
    if work_type == WorkType.BRIDGE:
        return Decimal(rng.randint(1, max(1, min(3, int(target) // 2))))
    if work_type == WorkType.BUS_STOP:
        return Decimal(rng.randint(1, max(1, min(40, int(target) // 3))))
    share = Decimal(str(rng.uniform(0.06, 0.2)))
    return max(Decimal("0.5"), _q(target * share))


def _estimate(rng, work_type, quantity: Decimal) -> Decimal:
    per_unit = {WorkType.UPGRADE: (180, 320), WorkType.VILLAGE_ACCESS: (120, 220), WorkType.MAJOR_REPAIR: (150, 260),
                WorkType.MEDIUM_REPAIR: (60, 120), WorkType.PREVENTIVE: (12, 30), WorkType.BRIDGE: (150, 600),
                WorkType.BUS_STOP: (1, 3)}[work_type]
    return _q(quantity * Decimal(rng.randint(*per_unit)), Decimal("0.01"))


def _work_types_for(target: RoadTarget) -> list[str]:
    types = []
    for work_type in WorkType.VALUES:
        if Decimal(getattr(target, rules.TARGET_FIELD[work_type])) > 0:
            types.append(work_type)
    return types


def _advance(project, stage, rng, user, start: dt.date, number: int):
    """Take the project to ``stage`` through the services, dating each step."""
    day = start
    for action in ADVANCE[:STAGE_INDEX[stage]]:
        day = min(day + dt.timedelta(days=STEP_DAYS[action] + rng.randint(0, 20)), LAST_DAY)
        if action == "complete_construction" and project.work_type not in WorkType.COUNTED:
            services.project_report_progress(project=project, acting_user=user, completed_km=project.quantity)
        evidence = "" if action == "start_design" else f"演示{day.year}第{number:03d}-{ADVANCE.index(action)}号"
        services.project_advance(project=project, action=action, acting_user=user, as_of=day,
                                 evidence_number=evidence)
    if stage == S.CONSTRUCTION and project.work_type not in WorkType.COUNTED:
        done = _q(project.quantity * Decimal(str(rng.uniform(0.2, 0.8))), Decimal("0.01"))
        services.project_report_progress(project=project, acting_user=user, completed_km=done)


def build_projects(rng, users, log) -> int:
    created = 0
    number = 0
    stages = [stage for stage, weight in STAGES for _i in range(weight)]
    targets = RoadTarget.objects.select_related("district").order_by("district__position")
    existing = set(RoadProject.objects.values_list("district_id", "name", "plan_year"))
    for target in targets:
        district = target.district
        user = users.get(MANAGERS.get(district.name, "supervisor")) or users["supervisor"]
        for work_type in _work_types_for(target):
            for k in range(PROJECTS_PER_WORK_TYPE):
                number += 1
                town = f"演示{TOWN_WORDS[(number + k) % len(TOWN_WORDS)]}镇"
                name = f"{district.name[:2]}{town}{ROAD_WORDS[number % len(ROAD_WORDS)]}{work_type}{k + 1}{MARK}"
                plan_year = PLAN_YEARS[(number + k) % len(PLAN_YEARS)]
                # Draw every value even for an existing project, so the rest stay the same.
                quantity = _quantity(rng, work_type, Decimal(getattr(target, rules.TARGET_FIELD[work_type])))
                design = _design(rng, work_type)
                estimate = _estimate(rng, work_type, quantity)
                poverty = _q(quantity * Decimal("0.3")) if work_type in (WorkType.UPGRADE, WorkType.MEDIUM_REPAIR) \
                    and k == 0 else Decimal(0)
                stage = rng.choice(stages)
                start = max(FIRST_DAY, dt.date(plan_year, 3, 1)) + dt.timedelta(days=rng.randint(0, 60))
                if (district.pk, name, plan_year) in existing:
                    continue
                excess = work_type in (WorkType.UPGRADE, WorkType.MAJOR_REPAIR) and district.name == "平度市" and k == 1
                planned_ends = {step: start + dt.timedelta(days=days) for step, days in PLANNED_DAYS.items()}
                # 002:499: a passenger-stop project's facilities (derived from its count, not drawn).
                facilities = ({"bus_bays": int(quantity) // 3, "bus_shelters": int(quantity) // 2,
                               "bus_signs": int(quantity)} if work_type == WorkType.BUS_STOP else {})
                project = services.project_create(
                    acting_user=user, planned_ends=planned_ends, district=district, town=town, name=name,
                    work_type=work_type, quantity=quantity, estimate_wan=estimate, poverty_km=poverty,
                    plan_year=plan_year, excess=excess, responsible_unit=f"{district.name}交通运输局{MARK}",
                    contact=f"演示联系人{number:02d}", **design, **facilities)
                _advance(project, stage, rng, user, start, number)
                created += 1
    log(f"  road projects: {created} created")
    return created


def build_adjustment(users, log) -> bool:
    if PlanAdjustment.objects.filter(reason=ADJUSTMENT_REASON).exists():
        return False
    district = District.objects.filter(name="平度市").first()
    user = users.get("manager_pingdu")
    if district is None or user is None:
        return False
    plans = dict(AnnualPlan.objects.filter(district=district, target_field="upgrade_km").values_list("year",
                                                                                                    "quantity"))
    if not {2019, 2020} <= set(plans) or plans[2020] < 5:
        return False
    services.adjustment_request(district=district, target_field="upgrade_km", reason=ADJUSTMENT_REASON,
                                lines={2019: plans[2019] + 5, 2020: plans[2020] - 5}, acting_user=user)
    log("  road plan adjustment: 1 requested (平度市, 路网提档升级, 2020 → 2019)")
    return True


def build_roads_demo(rng, users, log=print) -> None:
    """Projects, annual plans and a pending adjustment of the road programme (idempotent)."""
    if not RoadTarget.objects.exists():
        log("  road programme: no targets loaded (run load_seeds first); skipped")
        return
    own_rng = random.Random(SEED)
    with transaction.atomic():
        build_annual_plans(log)
    # Outside any transaction: the services own theirs (durable for the steps).
    build_projects(own_rng, users, log)
    build_adjustment(users, log)
