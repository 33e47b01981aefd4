"""Rules of the rural-road programme (青政办发〔2018〕19号), each once with its source line.

Rates, caps and multipliers are data (seeds/road_subsidy_*.csv → SubsidyRate and
SubsidyParameter); this module holds the rules that are not numbers in a table.
"""
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# The programme's document, as seeds/policy_documents.csv keys it (its number).
PROGRAMME_DOCUMENT_NUMBER = "青政办发〔2018〕19号"  # 002:352


# 002:487-489 补助范围为纳入青岛市“三年集中攻坚”专项行动实施计划的项目: the plan's districts are
# those Annex 2 sets targets for (002:531-537, RoadTarget); a district without one (市南区, 市北区,
# 李沧区: no rural roads) has no projects in the programme and no subsidy.
NOT_IN_PROGRAMME = _("%(district)s is not in the programme: Annex 2 of 青政办发〔2018〕19号 sets no targets "
                     "for it, and only the projects of its implementation plan are subsidised (002:487–489).")


def in_programme(district) -> bool:
    """Whether ``district`` is one of the programme's, by its Annex 2 targets (``District.road_target``:
    no query where the district was read with ``select_related("road_target")``, as a bulk import reads it)."""
    return hasattr(district, "road_target")


def in_programme_q() -> models.Q:
    """The same rule in SQL, over districts (the admin's choice of district)."""
    return models.Q(road_target__isnull=False)


class DistrictGroup(models.TextChoices):
    """The two groups whose rates and caps differ (002:491): those listed in pl_districts, and the rest."""

    PL = "PL", _("平度市、莱西市")
    OTHER = "other", _("other districts")


class WorkType:
    """Work types as the programme names them; stored as the Chinese name itself."""

    UPGRADE = "路网提档升级"
    VILLAGE_ACCESS = "自然村庄通达"
    MAJOR_REPAIR = "大修"
    MEDIUM_REPAIR = "中修"
    PREVENTIVE = "预防养护"
    BRIDGE = "危桥改造"
    BUS_STOP = "客运站点"

    CHOICES = [
        (UPGRADE, _("road-network upgrade (路网提档升级)")),
        (VILLAGE_ACCESS, _("natural-village access (自然村庄通达)")),
        (MAJOR_REPAIR, _("major repair (大修)")),
        (MEDIUM_REPAIR, _("medium repair (中修)")),
        (PREVENTIVE, _("preventive maintenance (预防养护)")),
        (BRIDGE, _("dangerous-bridge rebuild (危桥改造)")),
        (BUS_STOP, _("passenger stop (客运站点)")),
    ]
    VALUES = [v for v, _label in CHOICES]
    COUNTED = (BRIDGE, BUS_STOP)  # counted in pieces, not km

    @classmethod
    def unit(cls, work_type) -> str:
        return "座" if work_type == cls.BRIDGE else "个" if work_type == cls.BUS_STOP else "公里"


# Annex 2 columns (002:527-539): which target each work type counts toward.
TARGET_FIELD = {
    WorkType.UPGRADE: "upgrade_km",
    WorkType.VILLAGE_ACCESS: "village_access_km",
    WorkType.MAJOR_REPAIR: "major_medium_km",
    WorkType.MEDIUM_REPAIR: "major_medium_km",
    WorkType.PREVENTIVE: "preventive_km",
    WorkType.BRIDGE: "dangerous_bridges",
    WorkType.BUS_STOP: "bus_stops",
}
TARGET_LABELS = {
    "upgrade_km": _("road-network upgrade (km)"),
    "village_access_km": _("natural-village access (km)"),
    "major_medium_km": _("of which major/medium repair (km)"),
    "preventive_km": _("of which preventive maintenance (km)"),
    "dangerous_bridges": _("dangerous bridges"),
    "bus_stops": _("passenger stops"),
}
TARGET_FIELDS = list(TARGET_LABELS)

# --- Technical rules at design approval (002:376, 002:455-459) ---------------------
# They apply to new or rebuilt roads (新改建): upgrade and village-access projects.
NEW_ROAD_WORK_TYPES = (WorkType.UPGRADE, WorkType.VILLAGE_ACCESS)
MIN_WIDTH_WITHOUT_PASSING_BAYS_M = Decimal("6")  # 002:376, 002:459 错车平台
MIN_ASPHALT_CM = Decimal("5")  # 002:455
MIN_CEMENT_CM = Decimal("20")  # 002:457


class Surface:
    ASPHALT = "沥青混凝土"
    CEMENT = "水泥混凝土"
    CHOICES = [(ASPHALT, _("asphalt concrete (沥青混凝土)")), (CEMENT, _("cement concrete (水泥混凝土)"))]


class BaseLayer:
    RIGID_CRUSHED_STONE = "碎石类刚性基层"
    OTHER_BASE = "其他基层"
    NONE = "无基层"
    CHOICES = [
        (RIGID_CRUSHED_STONE, _("rigid crushed-stone base (碎石类刚性基层)")),
        (OTHER_BASE, _("other base layer")),
        (NONE, _("no base layer")),
    ]


NEEDS_PASSING_BAYS = _("The pavement is %(width)s m wide, under 6 m: passing bays (错车平台) are required.")
ASPHALT_TOO_THIN = _("An asphalt-concrete surface must be at least 5 cm thick (%(thickness)s cm given).")
CEMENT_TOO_THIN = _("A cement-concrete surface must be at least 20 cm thick (%(thickness)s cm given).")
ASPHALT_NEEDS_RIGID_BASE = _("An asphalt-concrete surface must lie on a rigid crushed-stone base (碎石类刚性基层).")
CEMENT_NEEDS_BASE = _("A cement-concrete surface must lie on a base layer (基层).")
DESIGN_FACTS_MISSING = _("Give the pavement width, surface, surface thickness and base layer.")


def technical_problems(*, work_type, width_m, surface, thickness_cm, base_layer, passing_bays) -> list[str]:
    """Every reason a new or rebuilt road's design fails the programme's technical rules."""
    if work_type not in NEW_ROAD_WORK_TYPES:
        return []
    if width_m is None or not surface or thickness_cm is None or not base_layer:
        return [str(DESIGN_FACTS_MISSING)]
    problems = []
    if width_m < MIN_WIDTH_WITHOUT_PASSING_BAYS_M and not passing_bays:
        problems.append(str(NEEDS_PASSING_BAYS % {"width": width_m}))
    if surface == Surface.ASPHALT:
        if thickness_cm < MIN_ASPHALT_CM:
            problems.append(str(ASPHALT_TOO_THIN % {"thickness": thickness_cm}))
        if base_layer != BaseLayer.RIGID_CRUSHED_STONE:
            problems.append(str(ASPHALT_NEEDS_RIGID_BASE))
    if surface == Surface.CEMENT:
        if thickness_cm < MIN_CEMENT_CM:
            problems.append(str(CEMENT_TOO_THIN % {"thickness": thickness_cm}))
        if base_layer == BaseLayer.NONE:
            problems.append(str(CEMENT_NEEDS_BASE))
    return problems


# --- The date of a step's evidence (002:477) ------------------------------------------------
EVIDENCE_DATE_IN_FUTURE = _("The evidence is dated %(date)s, after today (%(today)s): give the date on the document.")
EVIDENCE_DATE_BEFORE_PREVIOUS = _("The evidence is dated %(date)s, before the previous step (%(previous)s).")


def evidence_date_problem(evidence_date, *, as_of, previous_date) -> str | None:
    """Why a step cannot be dated ``evidence_date`` when recorded on ``as_of``, or None.

    002:477 勘察设计 → 招标投标 → 建设实施 → 工程验收 follow one another: a step's evidence is
    dated no earlier than the step before it, and no later than the day it is recorded.
    """
    if evidence_date > as_of:
        return str(EVIDENCE_DATE_IN_FUTURE % {"date": evidence_date.isoformat(), "today": as_of.isoformat()})
    if previous_date is not None and evidence_date < previous_date:
        return str(EVIDENCE_DATE_BEFORE_PREVIOUS % {"date": evidence_date.isoformat(),
                                                     "previous": previous_date.isoformat()})
    return None
