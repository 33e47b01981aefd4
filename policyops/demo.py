"""A bounded, realistic synthetic data set for trying the app (`manage.py demo`).

Everything here is invented for the demo and marked so (source "演示数据"); the seeds
stay the only data transcribed from the sources. Apps add their own part with
``register``; every builder is deterministic (seeded random) and safe to run twice.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from policyops import roles, services
from policyops.models import Department, District, Indicator, IndicatorReading, Person, PolicyTask, ServiceHall
from policyops.roles import Role

DEMO_SOURCE = "演示数据"


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: str | None
    district: str | None
    department: str | None


DEMO_USERS = [
    DemoUser("admin", "系统管理员", None, None, None),
    DemoUser("supervisor", "周敏", Role.SUPERVISOR, None, "市政务服务管理办"),
    DemoUser("clerk_pingdu", "王晓明", Role.CLERK, "平度市", "平度市行政审批机关"),
    DemoUser("manager_pingdu", "李建国", Role.PROGRAMME_MANAGER, "平度市", "平度市交通运输局"),
    DemoUser("manager_laixi", "赵丽", Role.PROGRAMME_MANAGER, "莱西市", "莱西市交通运输局"),
    DemoUser("director_edu", "陈志强", Role.DIRECTOR, None, "市教育局"),
    # The head of Pingdu's approval authority: extends time limits and assigns handlers.
    DemoUser("director_pingdu", "刘宏", Role.DIRECTOR, "平度市", "平度市行政审批机关"),
]

_builders = []


def register(builder) -> None:
    """Add ``builder(rng, users, log)`` to the demo; it runs after the shared part."""
    _builders.append(builder)


def ensure_users(log) -> dict[str, object]:
    """Create the demo users once; a new user's password is printed here and never again."""
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(spec.username, password=password, first_name=spec.name,
                                            is_staff=True, is_superuser=spec.role is None)
            log(f"  {spec.username:<16} {password}   ({spec.name})")
        else:
            log(f"  {spec.username:<16} (exists; password unchanged)")
        if spec.role:
            user.groups.add(roles.group_for(spec.role))
        district = District.objects.get(name=spec.district) if spec.district else None
        department = None
        if spec.department:
            department, _created = Department.objects.get_or_create(
                name=spec.department, defaults={"district": district, "source": DEMO_SOURCE})
        Person.objects.update_or_create(user=user, defaults={
            "name": spec.name, "district": district, "department": department})
        users[spec.username] = user
    return users


def build_halls(rng):
    for district in District.objects.all():
        hall = ServiceHall.objects.filter(district=district, kind=ServiceHall.Kind.DISTRICT_HALL).first()
        for n in (1, 2):
            ServiceHall.objects.get_or_create(
                name=f"{district.name}演示便民服务中心{n}",
                defaults={"kind": ServiceHall.Kind.CONVENIENCE_CENTRE, "district": district, "parent": hall,
                          "source": DEMO_SOURCE})


def build_readings(rng, users, last_year: int):
    for indicator in Indicator.objects.select_related("document"):
        if IndicatorReading.objects.filter(indicator=indicator).exists():
            continue
        start = indicator.baseline_value if indicator.baseline_value is not None else Decimal(0)
        first_year = (indicator.baseline_year or indicator.target_year - 3) + 1
        for year in range(first_year, min(indicator.target_year, last_year) + 1):
            share = Decimal(str(round(rng.uniform(0.15, 0.35) * (year - first_year + 1), 3)))
            value = (start + (indicator.target_value - start) * share).quantize(Decimal("0.01"))
            IndicatorReading.objects.create(indicator=indicator, period_end=dt.date(year, 12, 31), value=value,
                                            source=DEMO_SOURCE, entered_by=users["supervisor"])


def build_task_progress(rng, users, as_of: dt.date):
    supervisor = users["supervisor"]
    for task in PolicyTask.objects.filter(state=PolicyTask.State.ASSIGNED).order_by("id"):
        roll = rng.random()
        if roll < 0.4:
            continue
        services.policy_task_start(task=task, acting_user=supervisor, as_of=as_of)
        if roll < 0.7:
            continue
        services.policy_task_submit(task=task, acting_user=supervisor, as_of=as_of,
                                    progress_report="已按要求推进，材料见附件（演示）。")
        if roll < 0.85:
            services.policy_task_return(task=task, acting_user=supervisor, as_of=as_of,
                                        reason="请补充量化完成情况（演示）。")
        else:
            services.policy_task_accept(task=task, acting_user=supervisor, as_of=as_of)


def build_demo(log=print, seed: int = 2018) -> None:
    rng = random.Random(seed)
    with transaction.atomic():
        log("Demo users (passwords are shown once, when a user is created):")
        users = ensure_users(log)
        build_halls(rng)
        build_readings(rng, users, last_year=timezone.localdate().year - 1)
        build_task_progress(rng, users, as_of=timezone.localdate())
    # Outside that transaction: builders drive the apps' services, which own theirs (durable).
    for builder in _builders:
        builder(rng, users, log)
