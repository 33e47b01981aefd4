"""Reads of hall duty: the public rota, a director's shifts, and the figures of the monthly
briefing (简报) and the department annual assessment (002:1978)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from policyops.months import next_month
from programs.halls import rules
from programs.halls.models import Director, DutyShift, Evaluation, Problem, WorkRecord

# A sign-in at most this long after the window opens counts as punctual (our reading).
PUNCTUAL_WITHIN = dt.timedelta(minutes=15)
DONE_STATES = (DutyShift.State.SIGNED_IN, DutyShift.State.SIGNED_OUT)
DUE_STATES = (DutyShift.State.PUBLISHED, DutyShift.State.SUBSTITUTION_FILED, DutyShift.State.SUBSTITUTED,
              DutyShift.State.SIGNED_IN, DutyShift.State.SIGNED_OUT, DutyShift.State.MISSED)


# Published means every state after "scheduled": the rota is public from then on.
PUBLIC_STATES = [state for state in DutyShift.State.values if state != DutyShift.State.SCHEDULED]


@dataclass(frozen=True)
class RotaRow:
    """One line of the public rota: names, departments and the date, nothing else."""

    date: dt.date
    name: str
    department: str
    substitute_name: str = ""
    substitute_department: str = ""


def department_name(director) -> str:
    return director.person.department.name if director.person.department_id else ""


def public_rota(hall, first: dt.date) -> list[RotaRow]:
    """The published rota of ``hall`` in the month starting ``first`` (one query)."""
    shifts = (DutyShift.objects.filter(hall=hall, date__gte=first, date__lt=next_month(first),
                                       state__in=PUBLIC_STATES)
              .select_related("director__person__department", "substitute__person__department")
              .order_by("date", "director__person__department__name", "director__person__name", "id"))
    rows = []
    for shift in shifts:
        swap = shift.on_duty if shift.on_duty.pk != shift.director_id else None
        rows.append(RotaRow(date=shift.date, name=shift.director.person.name,
                            department=department_name(shift.director),
                            substitute_name=swap.person.name if swap else "",
                            substitute_department=department_name(swap) if swap else ""))
    return rows


def user_shifts(*, user, since: dt.date) -> list[DutyShift]:
    """The published shifts since ``since`` that ``user`` is rostered on or covers as a substitute."""
    return list(DutyShift.objects.filter(Q(director__person__user=user) | Q(substitute__person__user=user))
                .filter(date__gte=since).exclude(state=DutyShift.State.SCHEDULED)
                .select_related("hall", "director__person__department", "substitute__person__department",
                                "work_record")
                .order_by("date", "id"))


def rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), ROUND_HALF_UP) if whole else None


@dataclass
class Attendance:
    due: int = 0
    done: int = 0
    punctual: int = 0
    substituted: int = 0
    missed: int = 0

    @property
    def attendance_rate(self):
        return rate(self.done, self.due)

    @property
    def punctuality_rate(self):
        return rate(self.punctual, self.done)


@dataclass
class Briefing:
    year: int
    month: int
    halls: list
    total: Attendance = field(default_factory=Attendance)
    by_department: dict = field(default_factory=dict)  # name -> Attendance
    by_director: dict = field(default_factory=dict)  # name -> Attendance
    under_quota: list = field(default_factory=list)  # director names with no shift done
    cases_accepted: int = 0
    evaluations: dict = field(default_factory=dict)  # level -> count
    problems_raised: int = 0
    problems_rectified: int = 0

    @property
    def evaluation_count(self):
        return sum(self.evaluations.values())

    @property
    def satisfaction_rate(self):
        satisfied = sum(n for level, n in self.evaluations.items() if level >= rules.SATISFIED_AT_OR_ABOVE)
        return rate(satisfied, self.evaluation_count)


def monthly_briefing(*, halls, year: int, month: int) -> Briefing:
    """Every figure of one month for the given halls, in a fixed number of queries."""
    halls = list(halls)
    briefing = Briefing(year=year, month=month, halls=halls)
    shifts = (DutyShift.objects.filter(hall__in=halls, date__year=year, date__month=month, state__in=DUE_STATES)
              .select_related("director__person__department", "substitute__person__department"))
    done_by_director = Counter()
    for shift in shifts:
        on_duty = shift.on_duty
        department = on_duty.person.department.name if on_duty.person.department_id else "—"
        rows = (briefing.total,
                briefing.by_department.setdefault(department, Attendance()),
                briefing.by_director.setdefault(on_duty.person.name, Attendance()))
        for row in rows:
            row.due += 1
            if shift.state in DONE_STATES:
                row.done += 1
                if shift.signed_in_at and shift.signed_in_at - shift.starts_at <= PUNCTUAL_WITHIN:
                    row.punctual += 1
            if shift.substitution_approved:
                row.substituted += 1
            if shift.state == DutyShift.State.MISSED:
                row.missed += 1
        if shift.state in DONE_STATES:
            done_by_director[on_duty.pk] += 1
    directors = Director.objects.filter(hall__in=halls, active=True).select_related("person").order_by("person__name")
    briefing.under_quota = [d.person.name for d in directors
                            if done_by_director[d.pk] < rules.MIN_SHIFTS_PER_DIRECTOR_PER_MONTH]
    month_q = Q(shift__hall__in=halls, shift__date__year=year, shift__date__month=month)
    briefing.cases_accepted = WorkRecord.objects.filter(month_q).aggregate(n=Count("cases"))["n"]
    briefing.evaluations = {level: 0 for level, _label in rules.EVALUATION_LEVELS}
    for row in Evaluation.objects.filter(month_q).values("level").annotate(n=Count("id")):
        briefing.evaluations[row["level"]] = row["n"]
    problem_q = Q(record__shift__hall__in=halls, record__shift__date__year=year, record__shift__date__month=month)
    problems = Problem.objects.filter(problem_q).aggregate(
        raised=Count("id"), rectified=Count("id", filter=Q(state=Problem.State.RECTIFIED)))
    briefing.problems_raised, briefing.problems_rectified = problems["raised"], problems["rectified"]
    return briefing


def department_assessment(*, halls, year: int) -> dict:
    """Per department, the year's figures for the annual assessment (年终考核)."""
    table = defaultdict(Attendance)
    shifts = (DutyShift.objects.filter(hall__in=halls, date__year=year, state__in=DUE_STATES)
              .select_related("director__person__department", "substitute__person__department"))
    for shift in shifts:
        department = shift.on_duty.person.department
        row = table[department.name if department else "—"]
        row.due += 1
        row.done += shift.state in DONE_STATES
        row.missed += shift.state == DutyShift.State.MISSED
        row.substituted += shift.substitution_approved
        row.punctual += bool(shift.state in DONE_STATES and shift.signed_in_at
                             and shift.signed_in_at - shift.starts_at <= PUNCTUAL_WITHIN)
    # Ratings count for the department of the director who was on duty (the substitute after a swap).
    satisfaction = defaultdict(lambda: [0, 0])
    for evaluation in (Evaluation.objects.filter(shift__hall__in=halls, shift__date__year=year)
                       .select_related("shift__director__person__department",
                                       "shift__substitute__person__department")):
        department = evaluation.shift.on_duty.person.department
        entry = satisfaction[department.name if department else "—"]
        entry[1] += 1
        entry[0] += evaluation.level >= rules.SATISFIED_AT_OR_ABOVE
    return {name: {"attendance": att, "satisfaction_rate": rate(*satisfaction[name])}
            for name, att in sorted(table.items())}
