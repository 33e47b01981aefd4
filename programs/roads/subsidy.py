"""The city subsidy (市级补助) of the rural-road programme — the one place that computes it.

002:485-507. Rates, caps, multipliers and the district groups are data (SubsidyRate,
SubsidyParameter, loaded from seeds/road_subsidy_*.csv); the arithmetic is here:

- amount = rate(work type, width class, district group) × km, with segments serving
  省定贫困村/市定经济薄弱村 at poverty_multiplier × rate for the poverty work types;
- capped at cap_share (PL: 平度市/莱西市, other) × the approved estimate (不高于: the cap is
  rounded down to the cent, so that no quote passes it);
- 危桥改造: the bridge cap share of the estimate is the subsidy (no per-km rate);
- excess work beyond the annual target (reward): 平度市 gets pingdu_reward_multiplier ×
  the standard subsidy capped at pingdu_reward_cap_share of the estimate; other
  districts the standard subsidy within their usual cap; only the reward work types;
  the reward is earned, not declared: only once the district has met that year's annual
  plan in the column (RewardLedger, 002:503), otherwise the standard quote says why;
- a passenger-stop (客运站点) project is quoted from its bus facilities (002:499);
- the excluded district (青岛西海岸新区) receives nothing, bus facilities included (002:485).

Decisions where the source is silent: the poverty multiplier is part of the "standard"
(上述补助标准) that the 1.4× reward multiplies; other districts' rewards keep the usual cap.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops.errors import InvalidInput
from programs.roads import rules
from programs.roads.rules import DistrictGroup, WorkType

# What each SubsidyParameter key (seeds/road_subsidy_rules.csv) means, in the source's words; the keys
# are the ones this module reads, so their meanings are kept beside it.
PARAMETER_MEANINGS = {
    "pl_districts": gettext_lazy("districts on the 平度、莱西 rates and cap"),  # 002:491
    "excluded_districts": gettext_lazy("districts outside the city subsidy"),  # 002:485
    "wide_min_width_m": gettext_lazy("pavement width from which the wider rates apply (m)"),  # 002:491
    "cap_share_pl": gettext_lazy("cap for 平度、莱西 (share of the estimate)"),  # 002:491
    "cap_share_other": gettext_lazy("cap for the other districts (share of the estimate)"),  # 002:491
    "bridge_cap_share": gettext_lazy("cap for dangerous-bridge rebuilds (share of the estimate)"),  # 002:491
    "poverty_multiplier": gettext_lazy("multiplier for sections serving poor or weak villages"),  # 002:493
    "poverty_work_types": gettext_lazy("work types the poverty multiplier applies to"),  # 002:493
    "reward_work_types": gettext_lazy("work types rewarded for work beyond the annual target"),  # 002:503
    "pingdu_reward_district": gettext_lazy(
        "district whose excess work is rewarded at the higher multiplier"),  # 002:503
    "pingdu_reward_multiplier": gettext_lazy("reward multiplier for that district's excess work"),  # 002:503
    "pingdu_reward_cap_share": gettext_lazy(
        "reward cap for that district's excess work (share of the estimate)"),  # 002:503
    "bus_bay_yuan": gettext_lazy("per bus bay (元)"),  # 002:499
    "bus_shelter_yuan": gettext_lazy("per bus shelter (元)"),  # 002:499
    "bus_sign_yuan": gettext_lazy("per bus-stop sign (元)"),  # 002:499
    "demonstration_district_reward_wan": gettext_lazy("reward per demonstration district (万元)"),  # 002:507
    "city_budget_wan": gettext_lazy("city funds for the programme (万元)"),  # 002:485
}

CENT = Decimal("0.01")
YUAN_PER_WAN = Decimal(10000)


def _money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _cap_money(x: Decimal) -> Decimal:
    """A cap to the cent, rounded down: 002:491 不高于概算投资的…% — rounding up would pay above it."""
    return x.quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Quote:
    amount_wan: Decimal
    breakdown: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SubsidyTable:
    rates: dict  # (work_type, wide, group) -> Decimal 万元/km
    params: dict  # key -> Decimal or str
    # Each list parameter split once: a dashboard's totals ask them for every project.
    _names: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def load(cls) -> SubsidyTable:
        from programs.roads.models import SubsidyParameter, SubsidyRate

        rates = {(r.work_type, r.wide, r.district_group): r.rate_wan_per_km for r in SubsidyRate.objects.all()}
        params = {p.key: (p.value if p.value is not None else p.text) for p in SubsidyParameter.objects.all()}
        if not rates or not params:
            raise InvalidInput(_("The subsidy rates have not been loaded (python manage.py load_seeds)."))
        return cls(rates=rates, params=params)

    @property
    def version(self) -> str:
        """The table's content as text: equal text, equal rules."""
        return repr((sorted(self.rates.items()), sorted(self.params.items())))

    def names(self, key) -> frozenset[str]:
        if key not in self._names:
            self._names[key] = frozenset(n.strip() for n in str(self.params.get(key, "")).split("、") if n.strip())
        return self._names[key]

    def group(self, district_name: str) -> str:
        # The plain value: it keys the rate table and goes into the breakdown (JSON) as stored.
        return (DistrictGroup.PL if district_name in self.names("pl_districts") else DistrictGroup.OTHER).value

    # --- the rules ---------------------------------------------------------------

    def quote(self, district, work_type, length_km, width_m, estimate_wan, poverty_km=0, excess=False) -> Quote:
        name = getattr(district, "name", district)
        length_km, width_m, estimate_wan, poverty_km = (
            _decimal(length_km, "length_km"), _decimal(width_m, "width_m"),
            _decimal(estimate_wan, "estimate_wan"), _decimal(poverty_km or 0, "poverty_km"))
        if work_type not in WorkType.VALUES:
            raise InvalidInput(_("Unknown work type “%(value)s”."), field="work_type", value=work_type)
        if work_type == WorkType.BUS_STOP:
            raise InvalidInput(_("Passenger stops are subsidised per facility: use the bus-facility quote."),
                               field="work_type")
        for key, value in (("estimate_wan", estimate_wan), ("length_km", length_km), ("width_m", width_m),
                           ("poverty_km", poverty_km)):
            if value < 0:
                raise InvalidInput(_("%(name)s must not be negative."), field=key, name=key)
        if work_type != WorkType.BRIDGE and poverty_km > length_km:
            raise InvalidInput(_("The poverty-village km (%(poverty)s) exceed the project's length (%(length)s)."),
                               field="poverty_km", poverty=poverty_km, length=length_km)
        group = self.group(name)
        breakdown = {"district": name, "district_group": group, "work_type": work_type,
                     "estimate_wan": str(estimate_wan)}
        excluded = self.excluded(name, breakdown)
        if excluded:
            return excluded
        if work_type == WorkType.BRIDGE:
            share = self.params["bridge_cap_share"]
            breakdown.update(cap_share=str(share), cap_applied=True)
            return Quote(_cap_money(estimate_wan * share), breakdown)
        if excess and work_type not in self.names("reward_work_types"):
            raise InvalidInput(_("Rewards for excess work apply only to upgrade, major and medium repair."),
                               field="excess")
        wide = width_m >= self.params["wide_min_width_m"]
        rate = self.rates.get((work_type, wide, group))
        if rate is None:
            raise InvalidInput(_("No subsidy rate is entered for %(work_type)s (%(width)s, %(group)s)."),
                               field="work_type", work_type=work_type, width="≥6m" if wide else "<6m",
                               group=DistrictGroup(group).label)
        poverty_applies = work_type in self.names("poverty_work_types") and poverty_km > 0
        multiplier = self.params["poverty_multiplier"] if poverty_applies else Decimal(1)
        ordinary_km = length_km - (poverty_km if poverty_applies else 0)
        standard = rate * ordinary_km + rate * multiplier * (poverty_km if poverty_applies else 0)
        cap_share = self.params["cap_share_pl" if group == DistrictGroup.PL else "cap_share_other"]
        reward_multiplier = Decimal(1)
        if excess and name in self.names("pingdu_reward_district"):
            reward_multiplier = self.params["pingdu_reward_multiplier"]
            cap_share = self.params["pingdu_reward_cap_share"]
        uncapped = standard * reward_multiplier
        cap = estimate_wan * cap_share
        breakdown.update(
            wide=wide, rate_wan_per_km=str(rate), length_km=str(length_km),
            poverty_km=str(poverty_km if poverty_applies else 0), poverty_multiplier=str(multiplier),
            reward=bool(excess), reward_multiplier=str(reward_multiplier), uncapped_wan=str(_money(uncapped)),
            cap_share=str(cap_share), cap_wan=str(_cap_money(cap)), cap_applied=uncapped > cap)
        return Quote(min(_money(uncapped), _cap_money(cap)), breakdown)

    def demonstration_reward(self, district) -> Decimal:
        """002:507 按照1000万元/区（市）给予奖励, for a district accepted as a demonstration district; nothing
        for the district outside the city subsidy (002:485 市级财政补助资金不含青岛西海岸新区)."""
        if getattr(district, "name", district) in self.names("excluded_districts"):
            return Decimal("0.00")
        return _money(self.params["demonstration_district_reward_wan"])

    def excluded(self, name, breakdown) -> Quote | None:
        """002:485 市级财政补助资金不含青岛西海岸新区: a zero quote with the reason, for every work type."""
        if name not in self.names("excluded_districts"):
            return None
        breakdown["excluded"] = _("The city subsidy does not cover %(district)s (002:485).") % {"district": name}
        return Quote(Decimal("0.00"), breakdown)

    def quote_bus_facilities(self, bays=0, shelters=0, signs=0, district=None) -> Quote:
        """002:499: 港湾车站, 候车亭 and 站牌 at their seeded unit amounts (元), in 万元."""
        counts = {"bays": bays, "shelters": shelters, "signs": signs}
        for key, value in counts.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInput(_("%(name)s must be a whole number, not negative."), field=key, name=key)
        if district is not None:
            name = getattr(district, "name", district)
            excluded = self.excluded(name, {"district": name, "work_type": WorkType.BUS_STOP, **counts})
            if excluded:
                return excluded
        # Whole yuan; quantize reads only the exponent, so Decimal(2) would round the same.
        yuan = (self.params["bus_bay_yuan"] * bays + self.params["bus_shelter_yuan"] * shelters
                + self.params["bus_sign_yuan"] * signs).quantize(Decimal(1))  # pragma: no mutate
        unit = {key: str(self.params[key].quantize(Decimal(1)))  # pragma: no mutate
                for key in ("bus_bay_yuan", "bus_shelter_yuan", "bus_sign_yuan")}
        breakdown = {**({"district": getattr(district, "name", district)} if district is not None else {}),
                     "work_type": WorkType.BUS_STOP, **counts, **unit, "total_yuan": str(yuan)}
        return Quote(_money(yuan / YUAN_PER_WAN), breakdown)


def _decimal(value, name) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except Exception:
            raise InvalidInput(_("“%(value)s” is not a number."), field=name, value=value) from None
    if not result.is_finite():
        raise InvalidInput(_("“%(value)s” is not a number."), field=name, value=value)
    return result


def quote(district, work_type, length_km, width_m, estimate_wan, poverty_km=0, excess=False) -> Quote:
    """The city subsidy of one project, in 万元 (Decimal, 2 places), with its breakdown."""
    return SubsidyTable.load().quote(district, work_type, length_km, width_m, estimate_wan, poverty_km, excess)


def quote_bus_facilities(bays=0, shelters=0, signs=0, district=None) -> Quote:
    """港湾车站, 候车亭 and 站牌 (002:499), in 万元; nothing for the excluded district (002:485)."""
    return SubsidyTable.load().quote_bus_facilities(bays, shelters, signs, district=district)


# --- the reward is earned (002:503) -----------------------------------------------------

NO_ANNUAL_PLAN = gettext_lazy(
    "%(district)s has no %(year)s annual plan for %(column)s: work counts as excess only beyond "
    "the year's target (002:503), so the standard rate and cap apply.")
PLAN_NOT_MET = gettext_lazy(
    "%(district)s has completed %(done)s of its %(year)s annual plan of %(plan)s for %(column)s: "
    "work counts as excess only once the year's target is met (002:503), so the standard rate and cap apply.")
NO_PLAN_YEAR = gettext_lazy(
    "Give the plan year: excess work is rewarded only once that year's target is met (002:503).")


class RewardLedger:
    """Whether a district has met a year's annual plan in an Annex 2 column (002:503).

    002:503 在完成青岛市下达的年度工作任务目标的基础上，超额完成…: a project is rewarded as
    excess work only when its district's non-excess projects of the same plan year have
    finished construction (工程验收 or closed) for at least that year's annual plan
    (AnnualPlan) in the project's column. Two queries, whatever the number of projects.
    """

    def __init__(self, plans: dict, done: dict):
        self.plans = plans  # (district name, target field, year) -> planned quantity
        self.done = done  # (district name, target field, year) -> quantity with construction finished

    @classmethod
    def load(cls) -> RewardLedger:
        from django.db.models import Sum

        from programs.roads.models import AnnualPlan, RoadProject

        plans = {(d, f, y): q for d, f, y, q in AnnualPlan.objects.values_list(
            "district__name", "target_field", "year", "quantity")}
        done = defaultdict(lambda: Decimal(0))
        built = (RoadProject.objects.filter(excess=False, state__in=(RoadProject.State.ACCEPTANCE,
                                                                     RoadProject.State.CLOSED))
                 .values("district__name", "work_type", "plan_year").annotate(total=Sum("quantity")))
        for row in built:
            done[(row["district__name"], rules.TARGET_FIELD[row["work_type"]], row["plan_year"])] += row["total"]
        return cls(plans, dict(done))

    def refusal(self, district_name, work_type, year) -> str | None:
        """Why excess work of this district, work type and plan year is not (yet) rewarded; None when earned."""
        if year is None:
            return str(NO_PLAN_YEAR)
        column = rules.TARGET_FIELD[work_type]
        key = (district_name, column, int(year))
        names = {"district": district_name, "year": year, "column": rules.TARGET_LABELS[column]}
        if key not in self.plans:
            return str(NO_ANNUAL_PLAN % names)
        plan, done = self.plans[key], self.done.get(key, Decimal(0))
        if done < plan:
            return str(PLAN_NOT_MET % {**names, "plan": plan, "done": done})
        return None


def quote_earned(table: SubsidyTable, ledger: RewardLedger, district_name, work_type, length_km, width_m,
                 estimate_wan, poverty_km=0, excess=False, plan_year=None) -> Quote:
    """The quote, with the reward only where it is earned (002:503); otherwise the standard one, saying why."""
    refusal = None
    if excess and work_type in table.names("reward_work_types"):
        refusal = ledger.refusal(district_name, work_type, plan_year)
    result = table.quote(district_name, work_type, length_km, width_m, estimate_wan, poverty_km,
                         excess and refusal is None)
    if refusal:
        result.breakdown["reward_refused"] = refusal
    return result


# --- quoting saved projects (lists, totals, exports) ------------------------------------

# The columns of a saved project that its quote reads, besides its district's name, each with the
# ProjectQuoter.quote keyword it fills; selectors.quote_inputs_digest hashes them.
QUOTE_ARGUMENTS = {"plan_year": "plan_year", "work_type": "work_type", "quantity": "quantity",
                   "pavement_width_m": "width_m", "estimate_wan": "estimate_wan", "poverty_km": "poverty_km",
                   "excess": "excess", "bus_bays": "bus_bays", "bus_shelters": "bus_shelters", "bus_signs": "bus_signs"}
QUOTED_FIELDS = tuple(QUOTE_ARGUMENTS)

NO_WIDTH = gettext_lazy("Give the pavement width to quote the subsidy.")
TABLE_MISSING = gettext_lazy("The subsidy rates have not been loaded.")


def load_table() -> SubsidyTable | None:
    """The subsidy table, or None while the rates are not loaded (an empty database)."""
    try:
        return SubsidyTable.load()
    except InvalidInput:
        return None


class ProjectQuoter:
    """Quotes projects from ONE SubsidyTable, remembering each distinct set of inputs.

    Returns ``(quote, None)`` or ``(None, reason)``: a project whose quote cannot be computed
    (no width, a passenger-stop project, excess work of a non-reward type, …) never breaks a
    list or a total.
    """

    def __init__(self, table: SubsidyTable | None):
        self.table = table
        self._memo: dict = {}
        self._ledger: RewardLedger | None = None

    @property
    def ledger(self) -> RewardLedger:
        if self._ledger is None:  # loaded once, at the first excess project
            self._ledger = RewardLedger.load()
        return self._ledger

    def quote(self, *, district_name, work_type, quantity, width_m, estimate_wan, poverty_km, excess,
              bus_bays=0, bus_shelters=0, bus_signs=0, plan_year=None):
        key = (district_name, work_type, quantity, width_m, estimate_wan, poverty_km, excess,
               bus_bays or 0, bus_shelters or 0, bus_signs or 0, plan_year if excess else None)
        if key not in self._memo:
            self._memo[key] = self._compute(*key)
        return self._memo[key]

    def quote_project(self, project):
        return self.quote_columns(project.district.name, {name: getattr(project, name) for name in QUOTED_FIELDS})

    def quote_columns(self, district_name, columns: dict):
        """The quote of a saved project read as its QUOTED_FIELDS' values (``columns``, by column
        name): a list that reads the columns alone (values_list) quotes through here."""
        return self.quote(district_name=district_name,
                          **{QUOTE_ARGUMENTS[name]: value for name, value in columns.items()})

    def _compute(self, district_name, work_type, quantity, width_m, estimate_wan, poverty_km, excess,
                 bus_bays, bus_shelters, bus_signs, plan_year):
        if self.table is None:
            return None, str(TABLE_MISSING)
        if work_type == WorkType.BUS_STOP:  # 002:499: per facility
            return self.table.quote_bus_facilities(int(bus_bays), int(bus_shelters), int(bus_signs),
                                                   district=district_name), None
        if work_type == WorkType.BRIDGE:
            # A bridge's quote reads no width (45 % of the estimate); the number only passes _decimal.
            width_m = width_m if width_m is not None else Decimal(0)  # pragma: no mutate
        elif width_m is None:
            return None, str(NO_WIDTH)
        try:
            # `or` would quote the same (quote_earned checks again); `and` spares the ledger's two queries.
            if excess and work_type in self.table.names("reward_work_types"):  # pragma: no mutate
                return quote_earned(self.table, self.ledger, district_name, work_type, quantity, width_m,
                                    estimate_wan, poverty_km or Decimal(0), excess, plan_year), None
            return self.table.quote(district_name, work_type, quantity, width_m, estimate_wan,
                                    poverty_km or Decimal(0), excess), None
        except InvalidInput as exc:
            return None, str(exc)

    def amount_wan(self, project) -> Decimal | None:
        quote, _reason = self.quote_project(project)
        return quote.amount_wan if quote else None
