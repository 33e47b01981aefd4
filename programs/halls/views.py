"""Pages of hall duty (mounted at /halls/).

Public, no login: the published rota of a hall and its printable sign, the evaluation
page a service user reaches from the hall's QR code. Hall screen: the kiosk with the
rotating sign-in code, behind a per-hall signed token. Directors: the sign-in page their
phone opens from the kiosk's QR code, their shifts (A/B filing, work records).
Supervisors: the monthly briefing and the department assessment, with XLSX downloads.

Every change goes through ``programs.halls.services``; the public pages show names,
departments and dates only.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from policyops.errors import PolicyOpsError
from policyops.models import District, ServiceHall
from policyops.scoping import sees_all_districts, user_district_id
from programs.halls import codes, rules, selectors, services
from programs.halls.forms import (
    EvaluationForm,
    ProblemFormSet,
    SignForm,
    SubstitutionForm,
    WorkRecordForm,
    halls_with_duty,
    substitute_choices,
)
from programs.halls.models import Director, DutyShift, HallSettings, WorkRecord

S = DutyShift.State
# Published means every state after "scheduled": the rota is public from then on.
PUBLIC_STATES = [state for state in S.values if state != S.SCHEDULED]
DONE_STATES = (S.SIGNED_IN, S.SIGNED_OUT)


def _first_of_month(year: int, month: int) -> dt.date:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    return dt.date(year, month, 1)


def _next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG; empty if the qrcode package is missing."""
    try:
        import qrcode
        import qrcode.image.svg
    except ImportError:  # pragma: no cover - the dependency is pinned in pyproject.toml
        return ""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # generated markup, no user text in it


def _public_response(response):
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- Public rota -----------------------------------------------------------------------


@dataclass(frozen=True)
class RotaRow:
    """One line of the public rota: names, departments and the date, nothing else."""

    date: dt.date
    name: str
    department: str
    substitute_name: str = ""
    substitute_department: str = ""


def _department_name(director) -> str:
    return director.person.department.name if director.person.department_id else ""


def public_rota(hall, first: dt.date) -> list[RotaRow]:
    shifts = (DutyShift.objects.filter(hall=hall, date__gte=first, date__lt=_next_month(first),
                                       state__in=PUBLIC_STATES)
              .select_related("director__person__department", "substitute__person__department")
              .order_by("date", "director__person__department__name", "director__person__name", "id"))
    rows = []
    for shift in shifts:
        swap = shift.on_duty if shift.on_duty.pk != shift.director_id else None
        rows.append(RotaRow(date=shift.date, name=shift.director.person.name,
                            department=_department_name(shift.director),
                            substitute_name=swap.person.name if swap else "",
                            substitute_department=_department_name(swap) if swap else ""))
    return rows


def _rota_context(request, hall_id, year, month):
    hall = get_object_or_404(ServiceHall, pk=hall_id)
    first = _first_of_month(year, month)
    rows = public_rota(hall, first)
    days = [(day, list(group)) for day, group in itertools.groupby(rows, key=lambda row: row.date)]
    return {"hall": hall, "first": first, "rows": rows, "days": days, "previous": _previous_month(first),
            "next": _next_month(first)}


@require_GET
def rota(request, hall_id, year, month):
    return _public_response(render(request, "halls/rota.html", _rota_context(request, hall_id, year, month)))


@require_GET
def rota_print(request, hall_id, year, month):
    """The printable hall sign (A4) of the month, with the evaluation QR code."""
    context = _rota_context(request, hall_id, year, month)
    evaluate_url = request.build_absolute_uri(reverse("halls:evaluate", args=[hall_id]))
    context.update(evaluate_url=evaluate_url, evaluate_qr=qr_svg(evaluate_url))
    return _public_response(render(request, "halls/rota_print.html", context))


@require_GET
def index(request):
    today = timezone.localdate()
    return render(request, "halls/index.html", {"halls": halls_with_duty(), "today": today})


# --- Hall kiosk ------------------------------------------------------------------------

KIOSK_SALT = "programs.halls.kiosk"
KIOSK_REFRESH_SECONDS = 5


def _kiosk_signer(hall_settings: HallSettings) -> signing.Signer:
    # The hall's own secret is part of the key: a new secret revokes every old kiosk link.
    return signing.Signer(salt=f"{KIOSK_SALT}:{hall_settings.code_secret}")


def kiosk_token(hall_settings: HallSettings) -> str:
    return _kiosk_signer(hall_settings).sign(str(hall_settings.hall_id))


def kiosk_url(hall_settings: HallSettings) -> str:
    return reverse("halls:kiosk", args=[kiosk_token(hall_settings)])


def _kiosk_settings_or_404(token: str) -> HallSettings:
    hall_id = token.split(":", 1)[0]
    if not re.fullmatch(r"[0-9]+", hall_id):
        raise Http404
    hall_settings = HallSettings.objects.select_related("hall").filter(hall_id=int(hall_id)).first()
    if hall_settings is None:
        raise Http404
    try:
        if _kiosk_signer(hall_settings).unsign(token) != hall_id:
            raise Http404
    except signing.BadSignature:
        raise Http404 from None
    return hall_settings


@never_cache
@require_GET
def kiosk(request, token):
    """The hall's screen: the code of this minute, big and as a QR code for the director's phone."""
    hall_settings = _kiosk_settings_or_404(token)
    now = timezone.now()
    code, changes_at = codes.current_code(hall_settings.code_secret, now)
    sign_url = request.build_absolute_uri(reverse("halls:sign")) + "?" + urlencode(
        {"hall": hall_settings.hall_id, "code": code})
    seconds_left = max(1, int((changes_at - now).total_seconds()) + 1)
    on_duty = [row for row in public_rota(hall_settings.hall, timezone.localdate().replace(day=1))
               if row.date == timezone.localdate()]
    response = render(request, "halls/kiosk.html", {
        "hall": hall_settings.hall, "code": code, "changes_at": timezone.localtime(changes_at),
        "refresh": min(KIOSK_REFRESH_SECONDS, seconds_left), "qr": qr_svg(sign_url), "on_duty": on_duty,
        "now": timezone.localtime(now)})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return _public_response(response)


# --- Director's phone: sign in and out ---------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sign(request):
    error = None
    if request.method == "POST":
        form = SignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                shift = services.shift_sign(user=request.user, hall=data["hall"], code=data["code"],
                                            action=data["action"], now=timezone.now())
            except PolicyOpsError as exc:
                error = str(exc)
            else:
                if data["action"] == "sign_in":
                    messages.success(request, _("Signed in at %(time)s, %(hall)s.") % {
                        "time": f"{timezone.localtime(shift.signed_in_at):%H:%M}", "hall": data["hall"]})
                else:
                    messages.success(request, _("Signed out at %(time)s; %(minutes)s minutes on duty.") % {
                        "time": f"{timezone.localtime(shift.signed_out_at):%H:%M}",
                        "minutes": shift.minutes_on_duty if shift.minutes_on_duty is not None else "—"})
                return redirect("halls:my_shifts")
    else:
        initial = {"action": request.GET.get("action") if request.GET.get("action") in ("sign_in", "sign_out")
                   else "sign_in"}
        if re.fullmatch(r"[0-9]+", request.GET.get("hall") or ""):
            initial["hall"] = request.GET["hall"]
        code = (request.GET.get("code") or "").strip()
        if re.fullmatch(r"[0-9]{1,12}", code):
            initial["code"] = code
        form = SignForm(initial=initial)
    return render(request, "halls/sign.html", {"form": form, "error": error})


# --- Director's shifts: A/B filing and work records ---------------------------------------

RECENT_DAYS = 62


@login_required
@require_GET
def my_shifts(request):
    user, now, today = request.user, timezone.now(), timezone.localdate()
    director = (Director.objects.filter(person__user=user)
                .select_related("person__department", "partner__person", "hall").first())
    shifts = list(DutyShift.objects.filter(Q(director__person__user=user) | Q(substitute__person__user=user))
                  .filter(date__gte=today - dt.timedelta(days=RECENT_DAYS)).exclude(state=S.SCHEDULED)
                  .select_related("hall", "director__person__department", "substitute__person__department",
                                  "work_record")
                  .order_by("date", "id"))
    rows = []
    for shift in shifts:
        mine = shift.director.person.user_id == user.pk
        rows.append({
            "shift": shift, "mine": mine, "on_duty": shift.on_duty,
            "can_file": mine and shift.state == S.PUBLISHED and now < shift.starts_at,
            "can_record": shift.on_duty_person_user_id == user.pk and shift.state in DONE_STATES,
            "record": getattr(shift, "work_record", None),
        })
    substitutes = list(substitute_choices(director)) if director else []
    return render(request, "halls/my_shifts.html", {
        "director": director, "upcoming": [r for r in rows if r["shift"].date >= today],
        "recent": [r for r in reversed(rows) if r["shift"].date < today], "substitutes": substitutes,
        "today": today})


@login_required
@require_POST
def file_substitution(request, shift_id):
    shift = get_object_or_404(
        DutyShift.objects.select_related("hall", "director__person__department", "director__partner"),
        pk=shift_id, director__person__user=request.user)
    form = SubstitutionForm(request.POST, shift=shift)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("halls:my_shifts")
    try:
        services.shift_file_substitution(shift=shift, substitute=form.cleaned_data["substitute"],
                                         reason=form.cleaned_data["reason"], acting_user=request.user,
                                         now=timezone.now())
    except PolicyOpsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The substitution for %(date)s is filed; a supervisor will approve it.")
                         % {"date": shift.date})
    return redirect("halls:my_shifts")


@login_required
@require_http_methods(["GET", "POST"])
def work_record(request, shift_id):
    shift = get_object_or_404(
        DutyShift.objects.select_related("hall", "director__person__department", "substitute__person__department"),
        pk=shift_id, state__in=DONE_STATES)
    if shift.on_duty_person_user_id != request.user.pk:
        raise Http404
    record = WorkRecord.objects.filter(shift=shift).first() or WorkRecord(shift=shift)
    initial = {}
    if record.pk:
        initial = {"cases": ", ".join(record.cases.order_by("number").values_list("number", flat=True)),
                   "opinions": record.opinions}
    data = request.POST if request.method == "POST" else None
    form = WorkRecordForm(data, initial=initial, user=request.user)
    problems = ProblemFormSet(data, instance=record, prefix="problems")
    if data is not None and form.is_valid() and problems.is_valid():
        try:
            form.save(shift, problems)
        except PolicyOpsError as exc:
            messages.error(request, str(exc))
            return redirect("halls:my_shifts")
        messages.success(request, _("The work record of %(date)s is saved.") % {"date": shift.date})
        return redirect("halls:my_shifts")
    return render(request, "halls/work_record.html", {"shift": shift, "form": form, "problems": problems})


# --- Public evaluation ----------------------------------------------------------------------

DEVICE_COOKIE = "halls_device"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EVALUATION_CACHE_KEY = "halls:evaluations:{ip}"
TOO_MANY_EVALUATIONS = gettext_lazy("Too many ratings from this network. Please try again in a few minutes.")


def _client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _count_evaluation(request) -> int:
    """Count this rating in the client's fixed window; returns the count including it."""
    key = EVALUATION_CACHE_KEY.format(ip=_client_ip(request))
    cache.add(key, 0, timeout=rules.EVALUATION_RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rules.EVALUATION_RATE_WINDOW_SECONDS)
        return 1


def _on_duty_now(hall, now):
    """The directors on duty at ``hall`` today: (shift id, name, department) for the rating form."""
    return [{"shift_id": shift.pk, "name": shift.on_duty.person.name, "department": _department_name(shift.on_duty)}
            for shift in services.on_duty_shifts(hall=hall, now=now)]


@never_cache
@require_http_methods(["GET", "POST"])
def evaluate(request, hall_id):
    hall = get_object_or_404(ServiceHall, pk=hall_id)
    now = timezone.now()
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    new_device = not DEVICE_ID.match(device)
    if new_device:
        device = secrets.token_urlsafe(24)
    on_duty = _on_duty_now(hall, now)
    context = {"hall": hall, "error": None, "on_duty": on_duty}
    status = 200
    if request.method == "POST":
        form = EvaluationForm(request.POST, on_duty=on_duty)
        if _count_evaluation(request) > rules.EVALUATION_RATE_LIMIT:
            context["error"], status = TOO_MANY_EVALUATIONS, 429
        elif form.is_valid():
            try:
                services.evaluation_submit(hall=hall, level=form.cleaned_data["level"],
                                           comment=form.cleaned_data["comment"], device=device, now=now,
                                           shift_id=form.cleaned_data.get("shift"))
            except PolicyOpsError as exc:
                context["error"] = str(exc)
            else:
                response = render(request, "halls/evaluate_thanks.html", context)
                return _with_device(response, device, new_device)
    else:
        form = EvaluationForm(on_duty=on_duty)
    context["form"] = form
    response = render(request, "halls/evaluate.html", context, status=status)
    return _with_device(response, device, new_device)


def _with_device(response, device, new_device):
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=False)
    return _public_response(response)


# --- Supervision: the monthly briefing and the annual assessment ----------------------------


@dataclass
class Scope:
    level: str
    label: str
    halls: list


def _scope(request) -> Scope:
    """The halls of ``?level=city|district:<id>|hall:<id>``, within what the user may see."""
    user = request.user
    visible = ServiceHall.objects.visible_to(user).select_related("district")
    kind, _sep, ident = (request.GET.get("level") or "city").partition(":")
    if kind == "district" and re.fullmatch(r"[0-9]+", ident):
        district = get_object_or_404(District, pk=int(ident))
        if not sees_all_districts(user) and user_district_id(user) != district.pk:
            raise Http404
        return Scope(f"district:{district.pk}", district.name, list(visible.filter(district=district)))
    if kind == "hall" and re.fullmatch(r"[0-9]+", ident):
        hall = get_object_or_404(visible, pk=int(ident))
        return Scope(f"hall:{hall.pk}", hall.name, [hall])
    label = _("Whole city (every hall)") if sees_all_districts(user) else _("Every hall you supervise")
    return Scope("city", label, list(visible))


def _level_options(request):
    user = request.user
    districts = District.objects.all() if sees_all_districts(user) else District.objects.filter(
        pk=user_district_id(user))
    halls = ServiceHall.objects.visible_to(user).filter(duty_settings__isnull=False)
    return ([("city", _("Whole city (every hall)") if sees_all_districts(user) else _("Every hall you supervise"))]
            + [(f"district:{d.pk}", d.name) for d in districts] + [(f"hall:{h.pk}", h.name) for h in halls])


def percent(value) -> str:
    return "—" if value is None else f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


def _ratio(value):
    return None if value is None else float(value)


def attendance_row(name, att) -> dict:
    return {"name": name, "due": att.due, "done": att.done, "attendance_rate": att.attendance_rate,
            "punctual": att.punctual, "punctuality_rate": att.punctuality_rate, "substituted": att.substituted,
            "missed": att.missed, "attendance": percent(att.attendance_rate),
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
        (_("shifts done (signed in)"), b.total.done, None),
        (_("attendance rate"), percent(b.total.attendance_rate), _ratio(b.total.attendance_rate)),
        (_("signed in on time"), b.total.punctual, None),
        (_("punctuality rate"), percent(b.total.punctuality_rate), _ratio(b.total.punctuality_rate)),
        (_("A/B substitutions"), b.total.substituted, None),
        (_("missed shifts"), b.total.missed, None),
        (_("directors under the monthly quota"), len(b.under_quota), None),
        (_("cases accepted on duty"), b.cases_accepted, None),
        (_("evaluations"), count, None),
        (_("satisfaction rate"), percent(b.satisfaction_rate), _ratio(b.satisfaction_rate)),
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


def bar_chart(items, *, maximum=None, as_percent=False) -> dict:
    """Geometry of a horizontal inline-SVG bar chart of ``items`` [(label, value)]."""
    row, label_width, bar_width = 24, 190, 320
    values = [float(value or 0) for _label, value in items]
    top = float(maximum) if maximum else max(values + [0]) or 1
    bars = []
    for i, ((label, value), number) in enumerate(zip(items, values)):
        shown = percent(value) if as_percent else ("—" if value is None else str(value))
        bars.append({"label": label, "value": shown, "y": i * row + 3, "text_y": i * row + 17,
                     "width": round(bar_width * number / top, 1)})
    return {"bars": bars, "height": len(items) * row + 6, "width": label_width + bar_width + 80,
            "label_width": label_width, "bar_width": bar_width, "value_x": label_width + bar_width + 8}


def _month_context(request, year, month):
    first = _first_of_month(year, month)
    scope = _scope(request)
    return first, scope, selectors.monthly_briefing(halls=scope.halls, year=year, month=month)


@login_required
@permission_required("halls.view_dutyshift", raise_exception=True)
@require_GET
def briefing(request, year, month):
    first, scope, b = _month_context(request, year, month)
    figures = briefing_figures(b)
    charts = {
        "departments": bar_chart([(row["name"], row["attendance_rate"]) for row in figures["departments"]],
                                 maximum=1, as_percent=True),
        "evaluations": bar_chart([(row["label"], row["count"]) for row in figures["evaluations"]]),
    }
    return render(request, "halls/briefing.html", {
        "first": first, "scope": scope, "figures": figures, "charts": charts, "briefing": b,
        "levels": _level_options(request), "previous": _previous_month(first), "next": _next_month(first),
        "query": urlencode({"level": scope.level})})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class Share(float):
    """A ratio written to the XLSX as a percentage."""


def _share(value):
    return None if value is None else Share(value)


def xlsx_response(filename: str, sheets) -> HttpResponse:
    """``sheets``: [(title, header, rows)] → an XLSX download; ``Share`` cells are percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub(" ", str(title))[:31])
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([float(v) if isinstance(v, Share) else (str(v) if isinstance(v, Promise) else v)
                          for v in row])
            for cell, value in zip(sheet[sheet.max_row], row):
                if isinstance(value, Share):
                    cell.number_format = "0.0%"
        for index in range(len(header)):
            sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = 16 if index else 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _attendance_header(first_column):
    return [first_column, _("due"), _("done"), _("attendance rate"), _("on time"), _("punctuality rate"),
            _("A/B substitutions"), _("missed")]


def _attendance_cells(row):
    return [row["name"], row["due"], row["done"], _share(row["attendance_rate"]), row["punctual"],
            _share(row["punctuality_rate"]), row["substituted"], row["missed"]]


@login_required
@permission_required("halls.view_dutyshift", raise_exception=True)
@require_GET
def briefing_xlsx(request, year, month):
    first, scope, b = _month_context(request, year, month)
    figures = briefing_figures(b)
    summary = [(_("month"), f"{first:%Y-%m}", None), (_("halls"), scope.label, None)] + figures["summary"]
    sheets = [
        (_("Summary"), [_("figure"), _("value")],
         [(label, Share(ratio) if ratio is not None else value) for label, value, ratio in summary]),
        (_("Departments"), _attendance_header(_("department")),
         [_attendance_cells(row) for row in figures["departments"]]),
        (_("Directors"), _attendance_header(_("director")),
         [_attendance_cells(row) for row in figures["directors"]]),
        (_("Under quota"), [_("director")], [[name] for name in figures["under_quota"]]),
        (_("Evaluations"), [_("rating"), _("count")],
         [(row["label"], row["count"]) for row in figures["evaluations"]]),
    ]
    return xlsx_response(f"halls-briefing-{first:%Y-%m}.xlsx", sheets)


def _assessment_rows(request, year):
    scope = _scope(request)
    table = selectors.department_assessment(halls=scope.halls, year=year)
    rows = []
    for name, entry in table.items():
        row = attendance_row(name, entry["attendance"])
        row["satisfaction_rate"] = entry["satisfaction_rate"]
        row["satisfaction"] = percent(entry["satisfaction_rate"])
        rows.append(row)
    return scope, rows


@login_required
@permission_required("halls.view_dutyshift", raise_exception=True)
@require_GET
def assessment(request, year):
    _first_of_month(year, 1)
    scope, rows = _assessment_rows(request, year)
    return render(request, "halls/assessment.html", {
        "year": year, "scope": scope, "rows": rows, "levels": _level_options(request),
        "query": urlencode({"level": scope.level}),
        "chart": bar_chart([(row["name"], row["attendance_rate"]) for row in rows], maximum=1, as_percent=True)})


@login_required
@permission_required("halls.view_dutyshift", raise_exception=True)
@require_GET
def assessment_xlsx(request, year):
    _first_of_month(year, 1)
    scope, rows = _assessment_rows(request, year)
    header = _attendance_header(_("department")) + [_("satisfaction rate")]
    cells = [_attendance_cells(row) + [_share(row["satisfaction_rate"])] for row in rows]
    return xlsx_response(f"halls-assessment-{year}.xlsx",
                         [(_("Assessment %(year)s") % {"year": year}, header, cells)])
