"""Supervision: the monthly briefing and the department assessment, on the page and as XLSX.

Which halls a user reports on is policyops' district scoping (``ServiceHall.visible_to``,
``visible_districts``): supervisors every hall, district staff their district's, a user
with no district none.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from policyops.charts import bar_chart
from policyops.formatting import percent, ratio
from policyops.models import ServiceHall
from policyops.months import next_month, previous_month
from policyops.scoping import sees_all_districts, visible_districts
from policyops.xlsx import XLSX_CONTENT_TYPE, Share, share, workbook_bytes, xlsx_response
from programs.halls import rules, selectors
from programs.halls.views.common import download, month_or_404


def reporting(view):
    return login_required(permission_required("halls.view_dutyshift", raise_exception=True)(require_GET(view)))


# --- Which halls ------------------------------------------------------------------------------


@dataclass
class Scope:
    level: str
    label: str
    halls: list


def _all_label(user):
    return _("Whole city (every hall)") if sees_all_districts(user) else _("Every hall you supervise")


def _report_halls(user):
    """The halls a report may cover: those the user sees, training halls never (their shifts are practice)."""
    return ServiceHall.objects.visible_to(user).filter(is_training=False)


def hall_scope(request) -> Scope:
    """The halls of ``?level=city|district:<id>|hall:<id>``, within what the user may see (404 beyond)."""
    user = request.user
    visible = _report_halls(user).select_related("district")
    kind, _sep, ident = (request.GET.get("level") or "city").partition(":")
    if kind == "district" and re.fullmatch(r"[0-9]+", ident):
        district = get_object_or_404(visible_districts(user), pk=int(ident))
        return Scope(f"district:{district.pk}", district.name, list(visible.filter(district=district)))
    if kind == "hall" and re.fullmatch(r"[0-9]+", ident):
        hall = get_object_or_404(visible, pk=int(ident))
        return Scope(f"hall:{hall.pk}", hall.name, [hall])
    return Scope("city", _all_label(user), list(visible))


def _level_options(request):
    user = request.user
    halls = _report_halls(user).filter(duty_settings__isnull=False)
    return ([("city", _all_label(user))] + [(f"district:{d.pk}", d.name) for d in visible_districts(user)]
            + [(f"hall:{h.pk}", h.name) for h in halls])


def _scoped(name: str, scope: Scope) -> str:
    """The download's name says whose figures it holds when they are not the whole city's."""
    return name if scope.level == "city" else f"{name} {scope.label}"


# --- Figures as rows -----------------------------------------------------------------------------


def attendance_row(name, att) -> dict:
    return {"name": name, "due": att.due, "done": att.done, "attendance_rate": att.attendance_rate,
            "punctual": att.punctual, "punctuality_rate": att.punctuality_rate, "substituted": att.substituted,
            "missed": att.missed, "left_early": att.left_early, "no_sign_out": att.no_sign_out,
            "attendance": percent(att.attendance_rate),
            "punctuality": percent(att.punctuality_rate)}


def briefing_figures(b: selectors.Briefing) -> dict:
    """The briefing as rows, shared by the page and the XLSX download."""
    levels = dict(rules.EVALUATION_LEVELS)
    count = b.evaluation_count
    evaluations = [{"level": level, "label": str(levels[level]), "count": b.evaluations.get(level, 0),
                    "share": percent(Decimal(b.evaluations.get(level, 0)) / count if count else None)}
                   for level, _label in rules.EVALUATION_LEVELS]
    summary = [
        (_("shifts due"), b.total.due, None),
        (_("served days"), b.total.done, None),
        (_("attendance rate"), percent(b.total.attendance_rate), ratio(b.total.attendance_rate)),
        (_("signed in on time"), b.total.punctual, None),
        (_("punctuality rate"), percent(b.total.punctuality_rate), ratio(b.total.punctuality_rate)),
        (_("A/B substitutions"), b.total.substituted, None),
        (_("missed shifts"), b.total.missed, None),
        (_("short days"), b.total.left_early, None),
        (_("not signed out"), b.total.no_sign_out, None),
        (_("directors under the monthly quota"), len(b.under_quota), None),
        (_("cases accepted on duty"), b.cases_accepted, None),
        (_("evaluations"), count, None),
        (_("satisfaction rate"), percent(b.satisfaction_rate), ratio(b.satisfaction_rate)),
        (_("problems raised"), b.problems_raised, None),
        (_("problems rectified"), b.problems_rectified, None),
    ]
    return {
        "summary": summary,
        "departments": [attendance_row(name, att) for name, att in sorted(b.by_department.items())],
        "directors": [attendance_row(name, att) for name, att in sorted(b.by_director.items())],
        "under_quota": list(b.under_quota),
        "evaluations": evaluations,
    }


def _attendance_header(first_column):
    return [first_column, _("due"), _("served days"), _("attendance rate"), _("on time"), _("punctuality rate"),
            _("A/B substitutions"), _("missed"), _("short days"), _("not signed out")]


def _attendance_cells(row):
    return [row["name"], row["due"], row["done"], share(row["attendance_rate"]), row["punctual"],
            share(row["punctuality_rate"]), row["substituted"], row["missed"], row["left_early"], row["no_sign_out"]]


def _attendance_chart(rows):
    return bar_chart([(row["name"], row["attendance_rate"]) for row in rows], maximum=1, as_percent=True)


# --- The monthly briefing ---------------------------------------------------------------------------


def _month_context(request, year, month):
    first = month_or_404(year, month)
    scope = hall_scope(request)
    return first, scope, selectors.monthly_briefing(halls=scope.halls, year=year, month=month,
                                                    as_of=timezone.localdate())


@reporting
def briefing(request, year, month):
    first, scope, b = _month_context(request, year, month)
    figures = briefing_figures(b)
    charts = {"departments": _attendance_chart(figures["departments"]),
              "evaluations": bar_chart([(row["label"], row["count"]) for row in figures["evaluations"]])}
    return render(request, "halls/briefing.html", {
        "first": first, "scope": scope, "figures": figures, "charts": charts, "briefing": b,
        "levels": _level_options(request), "previous": previous_month(first), "next": next_month(first),
        "query": urlencode({"level": scope.level})})


def briefing_workbook(b: selectors.Briefing, *, halls_label: str) -> bytes:
    """The XLSX of briefing ``b`` over the halls named ``halls_label``: the page's figures, one sheet each."""
    figures = briefing_figures(b)
    summary = [(_("month"), f"{dt.date(b.year, b.month, 1):%Y-%m}", None),  # pragma: no mutate (any day: %Y-%m shown)
               (_("halls"), halls_label, None)] + figures["summary"]
    return workbook_bytes([
        (_("Summary"), [_("figure"), _("value")],
         [(label, Share(share_) if share_ is not None else value) for label, value, share_ in summary]),
        (_("Departments"), _attendance_header(_("department")),
         [_attendance_cells(row) for row in figures["departments"]]),
        (_("Directors"), _attendance_header(_("director")),
         [_attendance_cells(row) for row in figures["directors"]]),
        (_("Under quota"), [_("director")], [[name] for name in figures["under_quota"]]),
        (_("Evaluations"), [_("rating"), _("count")],
         [(row["label"], row["count"]) for row in figures["evaluations"]]),
    ])


@reporting
def briefing_xlsx(request, year, month):
    first, scope, b = _month_context(request, year, month)
    response = HttpResponse(briefing_workbook(b, halls_label=scope.label), content_type=XLSX_CONTENT_TYPE)
    name = _("Hall duty briefing %(month)s") % {"month": f"{first:%Y-%m}"}
    return download(response, name=_scoped(name, scope), fallback=f"halls-briefing-{first:%Y-%m}.xlsx")


# --- The annual department assessment ------------------------------------------------------------------


def _assessment_rows(request, year):
    """One row per department: 出勤情况, 工作记实 and 群众评价 (002:1980), shared by the page and the XLSX."""
    month_or_404(year, 1)  # pragma: no mutate (checks the year only: every month of it is as valid as January)
    scope = hall_scope(request)
    rows = []
    for name, entry in selectors.department_assessment(halls=scope.halls, year=year,
                                                       as_of=timezone.localdate()).items():
        row = attendance_row(name, entry.attendance)
        row.update({
            "records": entry.records, "records_per_served_day": entry.records_per_served_day,
            "cases": entry.cases, "problems_found": entry.problems_found,
            "problems_rectified": entry.problems_rectified, "rectification_rate": entry.rectification_rate,
            "rectification": percent(entry.rectification_rate), "evaluations": entry.evaluations,
            "satisfaction_rate": entry.satisfaction_rate, "satisfaction": percent(entry.satisfaction_rate)})
        rows.append(row)
    return scope, rows


@reporting
def assessment(request, year):
    scope, rows = _assessment_rows(request, year)
    return render(request, "halls/assessment.html", {
        "year": year, "scope": scope, "rows": rows, "levels": _level_options(request),
        "query": urlencode({"level": scope.level}), "chart": _attendance_chart(rows)})


@reporting
def assessment_xlsx(request, year):
    scope, rows = _assessment_rows(request, year)
    header = _attendance_header(_("department")) + [
        _("work records filed"), _("work records per served day"), _("cases accepted on duty"),
        _("problems raised"), _("problems rectified"), _("rectification rate"), _("evaluations"),
        _("satisfaction rate")]
    cells = [_attendance_cells(row) + [row["records"], row["records_per_served_day"], row["cases"],
                                       row["problems_found"], row["problems_rectified"],
                                       share(row["rectification_rate"]), row["evaluations"],
                                       share(row["satisfaction_rate"])] for row in rows]
    fallback = f"halls-assessment-{year}.xlsx"
    response = xlsx_response(fallback, [(_("Assessment %(year)s") % {"year": year}, header, cells)])
    name = _("Hall duty department assessment %(year)s") % {"year": year}
    return download(response, name=_scoped(name, scope), fallback=fallback)
