"""Factories for the road programme (programs/roads/models.py).

Projects and plan adjustments are created through the services, as the app creates
them: a project gets its four milestones and its audit entry. Both act as a user:
pass ``acting_user=`` (by default a new programme manager of the project's district).
They need the seeded districts (the ``seeded`` fixture).
"""
from decimal import Decimal

import factory

from policyops.models import District
from policyops.roles import Role
from programs.roads import services
from programs.roads.models import AnnualPlan, PlanAdjustment, ProjectMilestone, RoadProject
from programs.roads.rules import BaseLayer, Surface, WorkType

D = Decimal
# A design that passes every technical rule of 002:376, 455-459.
GOOD_DESIGN = {"pavement_width_m": D("6.5"), "surface": Surface.ASPHALT, "surface_thickness_cm": D("5"),
               "base_layer": BaseLayer.RIGID_CRUSHED_STONE}
NO_DESIGN = {"pavement_width_m": None, "surface": "", "surface_thickness_cm": None, "base_layer": ""}


def district(name="平度市") -> District:
    return District.objects.get(name=name)


def manager_of(name="平度市"):
    from tests.conftest import make_user

    return make_user(Role.PROGRAMME_MANAGER, district=district(name))


def dated(project, **dates):
    """Set milestone dates directly: dated(p, survey_design=(start, end), construction=(None, end))."""
    for step, (start, end) in dates.items():
        ProjectMilestone.objects.filter(project=project, step=step).update(actual_start=start, actual_end=end)
    return project


class RoadProjectFactory(factory.django.DjangoModelFactory):
    """A planned 10 km upgrade in 平度市 with a good design, made by ``services.project_create``.

    Extra keyword arguments: ``acting_user``, ``planned_ends`` ({Step: date}).
    Traits: ``major_repair``, ``bridge``, ``bus_stop``."""

    class Meta:
        model = RoadProject

    class Params:
        major_repair = factory.Trait(work_type=WorkType.MAJOR_REPAIR, estimate_wan=D("100000"))
        bridge = factory.Trait(work_type=WorkType.BRIDGE, quantity=D("2"), estimate_wan=D("300"), **NO_DESIGN)
        bus_stop = factory.Trait(work_type=WorkType.BUS_STOP, quantity=D("3"), estimate_wan=D("2"), **NO_DESIGN)

    district = factory.LazyFunction(district)
    town = "南村镇"
    name = factory.Sequence(lambda n: f"测试道路{n}")
    work_type = WorkType.UPGRADE
    quantity = D("10")
    estimate_wan = D("5000")
    plan_year = 2018
    responsible_unit = "平度市交通运输局"
    pavement_width_m = GOOD_DESIGN["pavement_width_m"]
    surface = GOOD_DESIGN["surface"]
    surface_thickness_cm = GOOD_DESIGN["surface_thickness_cm"]
    base_layer = GOOD_DESIGN["base_layer"]

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, planned_ends=None, **kwargs):
        user = acting_user or manager_of(kwargs["district"].name)
        return services.project_create(acting_user=user, planned_ends=planned_ends, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, acting_user=None, planned_ends=None, **kwargs):
        return model_class(*args, **kwargs)


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    """One plan year of a district's Annex 2 column (by default 平度市's upgrade km)."""

    class Meta:
        model = AnnualPlan

    district = factory.LazyFunction(district)
    target_field = "upgrade_km"
    year = 2018
    quantity = D("0")


def annual_plans(quantities, **fields):
    """annual_plans({2018: "20.0", 2019: "30.0"}): one column's plan years (平度市's upgrade km by default)."""
    return [AnnualPlanFactory(year=year, quantity=D(quantity), **fields) for year, quantity in quantities.items()]


class PlanAdjustmentFactory(factory.django.DjangoModelFactory):
    """A requested adjustment, made by ``services.adjustment_request``.

    ``lines`` is {year: new quantity}; extra keyword argument ``acting_user``."""

    class Meta:
        model = PlanAdjustment

    district = factory.LazyFunction(district)
    target_field = "upgrade_km"
    reason = "征地延误"
    lines = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        user = acting_user or manager_of(kwargs["district"].name)
        return services.adjustment_request(acting_user=user, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, acting_user=None, lines=None, **kwargs):
        return model_class(*args, **kwargs)
