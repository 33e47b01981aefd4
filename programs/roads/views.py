"""Pages of the road programme (mounted at /roads/).

Every read goes through programs.roads.selectors, so supervisors see every district and
programme managers their own. Each page loads the subsidy table once and quotes every
project from it (programs.roads.subsidy.ProjectQuoter).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from policyops import workflow
from policyops.charts import grouped_bar_chart
from policyops.formatting import number, percent
from policyops.indicators import indicator_met
from policyops.scoping import visible_districts
from programs.roads import rules, selectors, subsidy
from programs.roads.models import ProjectMilestone, RoadProject, RoadTarget
from programs.roads.rules import WorkType
from programs.roads.selectors import CheckStatus
from programs.roads.subsidy import QUOTED_FIELDS, ProjectQuoter, load_table

PAGE_SIZE = 50
# Totals under a digest of their inputs are never stale; the time only drops those of old digests.
SUMS_KEPT_SECONDS = 24 * 3600
# The code is an input too: the rules' (rules, subsidy) and this module's, which shapes the kept
# sums (_quoted_sums). After a deploy that changes any of them, no sums of the old code are read.
CODE_DIGEST = hashlib.sha256(b"".join(Path(path).read_bytes()
                                      for path in (rules.__file__, subsidy.__file__, __file__))).hexdigest()
ZERO = Decimal(0)
# "road progress": planned/accepted here are quantities of work, not project or case states.
MEASURES = [("planned", pgettext_lazy("road progress", "planned")),
            ("under_way", pgettext_lazy("road progress", "under way")),
            ("completed", pgettext_lazy("road progress", "completed")),
            ("accepted", pgettext_lazy("road progress", "accepted"))]
CHECK_LABELS = {CheckStatus.ON_TRACK: _("on track"), CheckStatus.AT_RISK: _("at risk"), CheckStatus.MET: _("met"),
                CheckStatus.MISSED: _("missed")}
TARGET_UNITS = {"dangerous_bridges": "座", "bus_stops": "个"}
BAD_DATE = _("“%(value)s” is not a date (YYYY-MM-DD); showing today instead.")
BREAKDOWN_LABELS = {
    "district": _("district"), "district_group": _("district group"), "work_type": _("work type"),
    "estimate_wan": _("approved estimate (万元)"), "excluded": _("excluded"), "wide": _("pavement 6 m or wider"),
    "rate_wan_per_km": _("rate (万元/km)"), "length_km": _("length (km)"),
    "poverty_km": _("km serving poor / weak villages"), "poverty_multiplier": _("poverty multiplier"),
    "reward": _("reward for excess work"), "reward_multiplier": _("reward multiplier"),
    "uncapped_wan": _("before the cap (万元)"), "cap_share": _("cap (share of the estimate)"),
    "cap_wan": _("cap (万元)"), "cap_applied": _("cap applied"),
    "bays": _("bus bays (港湾车站)"), "shelters": _("bus shelters (候车亭)"), "signs": _("bus-stop signs (站牌)"),
    "bus_bay_yuan": _("per bus bay (元)"), "bus_shelter_yuan": _("per bus shelter (元)"),
    "bus_sign_yuan": _("per bus-stop sign (元)"), "total_yuan": _("total (元)"),
    "reward_refused": _("no reward"),
}
# Breakdown values kept as codes (the API gives them so), shown here by their labels.
BREAKDOWN_VALUE_LABELS = {"district_group": dict(rules.DistrictGroup.choices)}


def can_view_roads(view):
    return login_required(permission_required("roads.view_roadproject", raise_exception=True)(view))


def num(value) -> str:
    return number(value, empty="")


def pct(share) -> str:
    return percent(share, empty="")


def _as_of(request, today) -> tuple[dt.date, str | None]:
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        return today, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return today, str(BAD_DATE % {"value": raw})


# --- the dashboard ------------------------------------------------------------------------------


def _measure_cells(progress) -> list[dict]:
    cells = []
    for key, label in MEASURES:
        value = getattr(progress, key)
        share = (value / progress.target) if progress.target else None
        cells.append({"key": key, "label": label, "value": num(value), "share": pct(share),
                      "width": 0 if share is None else int(min(share, Decimal(1)) * 100),
                      "met": share is not None and share >= 1})
    return cells


def bar_chart(field: str, progresses: list) -> dict:
    """One Annex 2 column as grouped bars: four measures per district, the target as a line."""
    rows = [(p.district.name, {key: getattr(p.by_target[field], key) for key, _label in MEASURES},
             p.by_target[field].target) for p in progresses]
    work_types = [wt for wt, target in rules.TARGET_FIELD.items() if target == field]
    return {"field": field, "title": rules.TARGET_LABELS[field], "work_types": "、".join(work_types),
            **grouped_bar_chart(rows, MEASURES, unit=TARGET_UNITS.get(field, "km"), target_label=_("target"))}


def subsidy_totals(user, quoter: ProjectQuoter) -> dict:
    """Sum of the project quotes per district and plan year (one subsidy table)."""
    rows = (selectors.project_list(user=user).prefetch_related(None)
            .values_list("district__name", "district__position", *QUOTED_FIELDS))
    sums = _kept_sums(rows, quoter)
    amounts, unquoted, years = sums["amounts"], sums["unquoted"], sums["years"]
    table = []
    for name in sums["districts"]:
        quoted = amounts.get(name, {})  # none, when none of its projects can be quoted
        cells = [quoted.get(y) for y in years]
        table.append({"district": name, "cells": cells, "total": sum(quoted.values(), ZERO),
                      "unquoted": unquoted.get(name, 0)})
    totals = [sum((amounts[n][y] for n in amounts if y in amounts[n]), ZERO) for y in years]
    total = sum(totals, ZERO)
    return {"years": years, "rows": table, "totals": totals, "total": total, "unquoted": sum(unquoted.values()),
            "budget": reward_budget(quoter.table, years, totals, demonstration_rewards(user, quoter.table))}


def demonstration_rewards(user, table) -> list[tuple[str, Decimal]]:
    """(district, reward) of the districts the user sees that were accepted as demonstration districts (002:507)."""
    if table is None:
        return []
    accepted = (RoadTarget.objects.visible_to(user).filter(demonstration_accepted_on__isnull=False)
                .select_related("district").order_by("district__position"))
    return [(target.district.name, table.demonstration_reward(target.district)) for target in accepted]


def _kept_sums(rows, quoter: ProjectQuoter) -> dict:
    """_quoted_sums of ``rows``, kept in the cache under everything they depend on: the digest of
    the quotes' inputs (selectors.quote_inputs_digest), the subsidy table, the code and
    the rows' query (the user's scope). The dashboard quoted every project on every view:
    130 ms of 156 at 10,000 projects (issue 12). The first view after a change to any project
    or annual plan quotes them again."""
    # Nothing to keep for a user who sees no district (no SQL to key by) or without the rates.
    if rows.query.is_empty() or quoter.table is None:
        return _quoted_sums(rows, quoter)
    digest = selectors.quote_inputs_digest()
    if digest is None:
        return _quoted_sums(rows, quoter)
    key = "roads:subsidy-sums:" + hashlib.sha256(
        "\n".join((digest, quoter.table.version, CODE_DIGEST, str(rows.query))).encode()).hexdigest()
    sums = cache.get(key)
    if sums is None:
        sums = _quoted_sums(rows, quoter)
        cache.set(key, sums, timeout=SUMS_KEPT_SECONDS)
    return sums


def _quoted_sums(rows, quoter: ProjectQuoter) -> dict:
    """Each district's quotes summed per plan year, and its projects that cannot be quoted; the
    districts in their place's order."""
    amounts = defaultdict(dict)
    unquoted = defaultdict(int)
    districts = set()  # (place, name)
    years = set()
    # subsidy_totals' columns; the chunk's size reads the same rows whatever it is.
    for name, position, *values in rows.iterator(chunk_size=2000):  # pragma: no mutate (a size)
        columns = dict(zip(QUOTED_FIELDS, values))
        year = columns["plan_year"]
        districts.add((position, name))
        years.add(year)
        quote, _error = quoter.quote_columns(name, columns)
        if quote is None:
            unquoted[name] += 1
        else:
            amounts[name][year] = amounts[name].get(year, ZERO) + quote.amount_wan
    # Plain dicts and lists: the cache keeps them.
    return {"amounts": dict(amounts), "unquoted": dict(unquoted), "years": sorted(years),
            "districts": [name for _position, name in sorted(districts)]}


def reward_budget(table, years, totals, demonstration=()) -> dict | None:
    """Committed city subsidy per plan year, then the demonstration districts' rewards (002:507),
    against the programme's city total (002:485, seeded)."""
    budget = table.params.get("city_budget_wan") if table is not None else None
    if budget is None:
        return None
    rows, cumulative = [], ZERO
    committed = [(year, amount) for year, amount in zip(years, totals)]
    committed += [(_("demonstration reward: %(district)s") % {"district": name}, amount)
                  for name, amount in demonstration]
    for year, amount in committed:
        cumulative += amount
        rows.append({"year": year, "committed": amount, "cumulative": cumulative,
                     "share": pct(cumulative / budget) if budget else "", "over": cumulative > budget})
    return {"budget": budget, "rows": rows, "remaining": budget - cumulative, "over": cumulative > budget}


@can_view_roads
def dashboard(request):
    today = timezone.localdate()
    as_of, as_of_error = _as_of(request, today)
    phases = selectors.programme_phases()
    progresses = selectors.district_progress(as_of=as_of, user=request.user)
    districts = []
    for progress in progresses:
        checks = [{"check": c, "label": CHECK_LABELS[c.status], "actual": pct(c.actual_share),
                   "required": pct(c.required_share),
                   "failing": [{"label": rules.TARGET_LABELS[col.field], "done": num(col.done),
                                "target": num(col.target), "share": pct(col.share)} for col in c.failing]}
                  for c in selectors.programme_checks(progress, as_of, phases)]
        targets = [{"field": f, "label": rules.TARGET_LABELS[f], "unit": TARGET_UNITS.get(f, "km"),
                    "target": num(progress.by_target[f].target), "cells": _measure_cells(progress.by_target[f])}
                   for f in rules.TARGET_FIELDS]
        km = progress.km
        districts.append({"district": progress.district, "checks": checks, "targets": targets,
                          "km_target": num(km.target), "km_cells": _measure_cells(km)})
    table = load_table()
    indicators = [{"indicator": i, "target": i.target_display, "latest": i.latest_value,
                   "latest_on": i.latest_period_end,
                   "met": indicator_met(i, i.latest_value) if i.latest_value is not None else None}
                  for i in selectors.programme_indicators(user=request.user)]
    context = {
        "indicators": indicators,
        "as_of": as_of, "today": today, "as_of_error": as_of_error, "phases": phases, "districts": districts,
        "charts": [bar_chart(f, progresses) for f in rules.TARGET_FIELDS] if progresses else [],
        "measures": MEASURES, "subsidy": subsidy_totals(request.user, ProjectQuoter(table)),
        "table_missing": table is None,
    }
    return render(request, "roads/dashboard.html", context)


# --- projects -----------------------------------------------------------------------------------


@can_view_roads
def project_list(request):
    today = timezone.localdate()
    districts = list(visible_districts(request.user))  # district scoping is policyops.scoping's
    by_name = {d.name: d for d in districts}
    district = by_name.get(request.GET.get("district") or "")
    work_type = request.GET.get("work_type") or None
    if work_type not in WorkType.VALUES:
        work_type = None
    # The query parameter keeps its name "status" (bookmarked lists, the API's filter).
    state = request.GET.get("status") or None
    if state not in RoadProject.State.values:
        state = None
    search = (request.GET.get("q") or "").strip()[:100]
    projects = selectors.project_list(user=request.user, district=district, work_type=work_type, state=state,
                                      search=search)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    quoter = ProjectQuoter(load_table())
    rows = []
    for project in page:
        quote, error = quoter.quote_project(project)
        rows.append({"project": project, "quote": quote, "quote_error": error,
                     "overdue": [m for m in project.milestones.all() if m.is_overdue(today)]})
    query = urlencode([(k, v) for k, v in (("q", search), ("district", district.name if district else None),
                                           ("work_type", work_type), ("status", state)) if v])
    return render(request, "roads/project_list.html", {
        "page": page, "rows": rows, "today": today, "districts": districts, "district": district, "search": search,
        "work_type": work_type, "state": state, "work_types": WorkType.CHOICES,
        "states": RoadProject.State.choices, "query": query})


@can_view_roads
def project_detail(request, pk: int):
    today = timezone.localdate()
    project = get_object_or_404(RoadProject.objects.visible_to(request.user).select_related("district", "manager")
                                .prefetch_related("milestones"), pk=pk)
    quote, quote_error = ProjectQuoter(load_table()).quote_project(project)
    breakdown = [(BREAKDOWN_LABELS.get(key, key), BREAKDOWN_VALUE_LABELS.get(key, {}).get(value, value))
                 for key, value in quote.breakdown.items()] if quote else []
    milestones = [{"milestone": m, "overdue": m.is_overdue(today), "current": m.step == project.state}
                  for m in project.milestones.all()]
    # The next steps are the kernel's (programs.roads.actions), each run on its own page (views_actions).
    actions = [{"action": a, "url": reverse("roads:project-action", args=[project.pk, a.name])}
               for a in workflow.available_actions(project, request.user, as_of=today)]
    return render(request, "roads/project_detail.html", {
        "actions": actions,
        "project": project, "quote": quote, "quote_error": quote_error, "breakdown": breakdown,
        "milestones": milestones, "problems": project.technical_problems(), "today": today,
        "unit": WorkType.unit(project.work_type)})


@require_GET
@can_view_roads
def milestone_evidence(request, pk: int):
    """A milestone's evidence file, only to those who may see its project: uploads are never
    served from a public media URL."""
    milestone = get_object_or_404(ProjectMilestone.objects.visible_to(request.user).exclude(evidence_file=""), pk=pk)
    return FileResponse(milestone.evidence_file.open("rb"), as_attachment=True,
                        filename=milestone.evidence_name)
