"""Reads of hall duty: the public rota, a director's shifts, and the figures of the monthly
briefing (简报) and the department annual assessment (002:1980)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, When
from django.utils import timezone

from policyops.months import next_month
from policyops.scoping import owner_ids
from programs.halls import rules
from programs.halls.models import Director, DutyShift, Evaluation, FollowUp, Problem, WorkRecord
from programs.halls.querysets import counted_q

# A sign-in at most this long after the window opens counts as punctual (our reading).
PUNCTUAL_WITHIN = dt.timedelta(minutes=15)


def punctual_q() -> Q:
    """Signed in at most PUNCTUAL_WITHIN after the window opened (no sign-in: not punctual)."""
    return Q(signed_in_at__lte=F("starts_at") + PUNCTUAL_WITHIN)


# Published shifts (a scheduled one is a draft); which of them are due is rules.due (002:1980).
DUE_STATES = (DutyShift.State.PUBLISHED, DutyShift.State.SUBSTITUTED,
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


def _directors_of(user) -> list:
    # By their ids, read once per request as district scoping reads them (scoping.owner_ids):
    # joined to the directors and their persons, the user's shifts were found by reading every
    # upcoming shift of every director (issue 12).
    return owner_ids(Director, "person__user", user)


def _mine(user) -> Q:
    return Q(director__in=_directors_of(user)) | Q(substitute__in=_directors_of(user))


def _on_duty(user) -> Q:
    """Shifts ``user`` is on duty for: their own unless a substitute is filed, and those they cover."""
    return Q(director__in=_directors_of(user), substitute__isnull=True) | Q(substitute__in=_directors_of(user))


def with_directors(rows, path: str = "", *, departments: bool = False):
    """``rows`` with the director and the substitute of the shift at ``path`` read by a short query
    each. Joined into the rows' own query they cost PostgreSQL more planning than running: the
    supervisor's follow-ups, nine tables, planned for 5 ms to run for 0.2 ms; the admin's list of
    them, eight tables, 7.8 ms to run for 0.8 ms (issue 12)."""
    people = Director.objects.select_related("person__department" if departments else "person")
    return rows.prefetch_related(Prefetch(f"{path}director", queryset=people),
                                 Prefetch(f"{path}substitute", queryset=people))


def _real_or_today(today: dt.date) -> Q:
    """Real shifts, and of the training hall's endless practice shifts only today's."""
    return counted_q() | Q(date=today)


def user_shifts(*, user, since: dt.date, today: dt.date) -> list[DutyShift]:
    """The published shifts since ``since`` that ``user`` is rostered on or covers as a substitute."""
    return list(DutyShift.objects.filter(_mine(user), _real_or_today(today))
                .filter(date__gte=since).exclude(state=DutyShift.State.SCHEDULED)
                .select_related("hall", "director__person__department", "substitute__person__department",
                                "work_record")
                .order_by("date", "id"))


def rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), ROUND_HALF_UP) if whole else None


def per(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP) if whole else None


@dataclass
class Attendance:
    """出勤情况 (002:1980) of due shifts: ``done`` counts served days (``DutyShift.served``).

    Counted in SQL by ``attendance_counts``, one aggregate per field.
    """

    due: int = 0
    done: int = 0
    punctual: int = 0
    substituted: int = 0
    missed: int = 0
    left_early: int = 0
    no_sign_out: int = 0  # signed in, never out (002:1978 严格实行…签到、签退)

    @property
    def attendance_rate(self):
        return rate(self.done, self.due)

    @property
    def punctuality_rate(self):
        return rate(self.punctual, self.done)

    @classmethod
    def of(cls, row: dict) -> Attendance:
        """The counts of one row of ``attendance_counts`` aggregates."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    def add(self, other: Attendance) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def attendance_counts(as_of: dt.date) -> dict:
    """The ``Attendance`` fields as aggregates over shifts, as of ``as_of``: every rule of 出勤情况 in one place.

    Only due shifts count (rules.due); a served day is rules.served_q, the SQL of ``DutyShift.served``;
    on time is ``punctual_q`` of a served day.
    """
    due = rules.due(as_of)
    served = due & rules.served_q()
    return {"due": Count("id", filter=due),
            "done": Count("id", filter=served),
            "punctual": Count("id", filter=served & punctual_q()),
            "substituted": Count("id", filter=due & Q(substitute__isnull=False)),
            "missed": Count("id", filter=due & Q(state=DutyShift.State.MISSED)),
            "left_early": Count("id", filter=due & Q(left_early=True)),
            # Signed in and still so once the day has passed: a sign-out after the window is refused,
            # so this is final, whether or not the closing sweep has flagged it yet.
            "no_sign_out": Count("id", filter=due & Q(state=DutyShift.State.SIGNED_IN))}


def on_duty(field: str, shift_lookup: str = ""):
    """``field`` of the director on duty in SQL: ``DutyShift.on_duty`` (the filed substitute, else the rostered one)."""
    return Case(When(**{f"{shift_lookup}substitute__isnull": True}, then=F(f"{shift_lookup}director__{field}")),
                default=F(f"{shift_lookup}substitute__{field}"))


@dataclass
class Briefing:
    year: int
    month: int
    halls: list
    total: Attendance = field(default_factory=Attendance)
    by_department: dict = field(default_factory=dict)  # name -> Attendance
    by_director: dict = field(default_factory=dict)  # director's label (director_labels) -> Attendance
    under_quota: list = field(default_factory=list)  # labels of the directors short of the monthly quota
    under_quota_ids: list = field(default_factory=list)  # and their ids, in the same order
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


def _department_label(name) -> str:
    return "—" if name is None else name


def director_labels(directors) -> dict:
    """Each director's name as the briefing shows it, by id, from (id, name, department) triples: the name,
    with the department where two directors share it, and the number on record where that is shared too.

    Directors are people: two called 王伟 are two rows of the briefing, never one."""
    directors = list(directors)
    names = Counter(name for _pk, name, _department in directors)
    named = Counter((name, department) for _pk, name, department in directors)
    labels = {}
    for pk, name, department in directors:
        if names[name] == 1:
            labels[pk] = name
        elif named[(name, department)] == 1:
            labels[pk] = f"{name}（{_department_label(department)}）"
        else:
            labels[pk] = f"{name}（{_department_label(department)}，#{pk}）"
    return labels


def _quota_directors(halls, first: dt.date):
    """(id, name, department) of the active directors of ``halls`` on record in the month starting
    ``first``, by name.

    A Director has no start date. One entered after the month (the creation row of its history) and
    not rostered in it did not exist yet; one rostered in the month did, whenever it was entered
    (back-filled data, the demo); one with no history row (loaded raw) counts as always there.
    """
    end = timezone.make_aware(dt.datetime.combine(next_month(first), dt.time.min))
    entered_later = Director.history.filter(history_type="+", history_date__gte=end).values("id")
    rostered = DutyShift.objects.counted().filter(director=OuterRef("pk"), date__gte=first,
                                                  date__lt=next_month(first))
    return (Director.objects.filter(hall__in=halls, active=True)
            .filter(Q(Exists(rostered)) | ~Q(pk__in=entered_later))
            .order_by("person__name", "pk").values_list("pk", "person__name", "person__department__name"))


def monthly_briefing(*, halls, year: int, month: int, as_of: dt.date) -> Briefing:
    """Every figure of one month for the given halls as of ``as_of``, in five queries.

    Only due shifts count (rules.due: their day has passed); a director with a shift still to
    come this month is not under the quota yet. Counted in SQL, one row per director on duty:
    the work grows with the directors, not with their shifts and ratings.
    """
    halls = list(halls)
    first = dt.date(year, month, 1)
    briefing = Briefing(year=year, month=month, halls=halls)
    month_shifts = DutyShift.objects.counted().filter(hall__in=halls, date__gte=first, date__lt=next_month(first),
                                                      state__in=DUE_STATES)
    per_director = (month_shifts.values(director_on_duty=on_duty("id"), name=on_duty("person__name"),
                                        department=on_duty("person__department__name"))
                    .annotate(**attendance_counts(as_of), to_come=Count("id", filter=~rules.due(as_of)))
                    .order_by())
    per_director, quota_directors = list(per_director), list(_quota_directors(halls, first))
    labels = director_labels({(row["director_on_duty"], row["name"], row["department"]) for row in per_director}
                             | set(quota_directors))
    served_by_director, still_to_come = {}, set()
    for row in per_director:
        if row["to_come"]:
            still_to_come.add(row["director_on_duty"])
        if not row["due"]:
            continue
        attendance = Attendance.of(row)
        briefing.total.add(attendance)
        briefing.by_department.setdefault(_department_label(row["department"]), Attendance()).add(attendance)
        briefing.by_director.setdefault(labels[row["director_on_duty"]], Attendance()).add(attendance)
        served_by_director[row["director_on_duty"]] = row["done"]
    briefing.under_quota_ids = [pk for pk, _name, _department in quota_directors if pk not in still_to_come
                                and served_by_director.get(pk, 0) < rules.MIN_SHIFTS_PER_DIRECTOR_PER_MONTH]
    briefing.under_quota = [labels[pk] for pk in briefing.under_quota_ids]
    month_q = (Q(shift__hall__in=halls, shift__date__gte=first, shift__date__lt=next_month(first))
               & rules.due(as_of, "shift__date"))
    # A case on two records (the second director on duty took it over as first contact) is one case.
    briefing.cases_accepted = (WorkRecord.objects.counted().filter(month_q)
                               .aggregate(n=Count("cases", distinct=True))["n"])
    briefing.evaluations = {level: 0 for level, _label in rules.EVALUATION_LEVELS}
    for row in Evaluation.objects.counted().filter(month_q).values("level").annotate(n=Count("id")):
        briefing.evaluations[row["level"]] = row["n"]
    problem_q = (Q(record__shift__hall__in=halls, record__shift__date__gte=first,
                   record__shift__date__lt=next_month(first)) & rules.due(as_of, "record__shift__date"))
    problems = Problem.objects.counted().filter(problem_q).aggregate(
        raised=Count("id"), rectified=Count("id", filter=Q(state=Problem.State.RECTIFIED)))
    briefing.problems_raised, briefing.problems_rectified = problems["raised"], problems["rectified"]
    return briefing


@dataclass
class Assessment:
    """A department's year (002:1980): 出勤情况, 工作记实 and 群众评价, quantified."""

    attendance: Attendance = field(default_factory=Attendance)
    records: int = 0  # work records filed
    cases: int = 0  # cases accepted on duty (first contact)
    problems_found: int = 0
    problems_rectified: int = 0
    evaluations: int = 0
    satisfied: int = 0

    @property
    def records_per_served_day(self):
        return per(self.records, self.attendance.done)

    @property
    def rectification_rate(self):
        return rate(self.problems_rectified, self.problems_found)

    @property
    def satisfaction_rate(self):
        return rate(self.satisfied, self.evaluations)


def department_assessment(*, halls, year: int, as_of: dt.date) -> dict[str, Assessment]:
    """Per department, the year's figures for the annual assessment (年终考核, 002:1980), as of ``as_of``.

    Five queries whatever the number of departments, shifts, records and ratings.
    """
    halls = list(halls)
    table = defaultdict(Assessment)
    for row in (DutyShift.objects.counted().filter(rules.due(as_of), hall__in=halls, date__year=year,
                                                   state__in=DUE_STATES)
                .values(department=on_duty("person__department__name")).annotate(**attendance_counts(as_of))
                .order_by()):
        table[_department_label(row["department"])].attendance.add(Attendance.of(row))
    shift_q = Q(shift__hall__in=halls, shift__date__year=year) & rules.due(as_of, "shift__date")
    for row in (WorkRecord.objects.counted().filter(shift_q)
                .annotate(department=on_duty("person__department__name", "shift__"))
                .values("department").annotate(records=Count("id", distinct=True),
                                               cases=Count("cases", distinct=True))):
        entry = table[_department_label(row["department"])]
        entry.records, entry.cases = row["records"], row["cases"]
    problem_q = (Q(record__shift__hall__in=halls, record__shift__date__year=year)
                 & rules.due(as_of, "record__shift__date"))
    for row in (Problem.objects.counted().filter(problem_q)
                .annotate(department=on_duty("person__department__name", "record__shift__"))
                .values("department").annotate(found=Count("id"),
                                               rectified=Count("id", filter=Q(state=Problem.State.RECTIFIED)))):
        entry = table[_department_label(row["department"])]
        entry.problems_found, entry.problems_rectified = row["found"], row["rectified"]
    # Ratings count for the department of the director who was on duty (the substitute after a swap):
    # counted per director on duty, then added up by department. Grouped by the department's name,
    # each of half a million ratings was joined through four more tables and sorted by the name
    # (268 ms at a million cases, 50 departments); by the on-duty director's key it is the shifts'
    # own columns (121 ms), and the directors' departments are one short read.
    ratings = list(Evaluation.objects.counted().filter(shift_q)
                   .values(director_on_duty=on_duty("id", "shift__"))
                   .annotate(n=Count("id"), satisfied=Count("id", filter=Q(level__gte=rules.SATISFIED_AT_OR_ABOVE)))
                   .order_by())
    department_of = dict(Director.objects.filter(pk__in=[row["director_on_duty"] for row in ratings])
                         .values_list("pk", "person__department__name"))
    for row in ratings:
        entry = table[_department_label(department_of.get(row["director_on_duty"]))]
        entry.evaluations += row["n"]
        entry.satisfied += row["satisfied"]
    return dict(sorted(table.items()))


# --- Home panels (programs.halls.workspace): a fixed number of queries each -----------------------

NEXT_SHIFTS = 5
PANEL_ROWS = 10
RECORD_DAYS = 62
UPCOMING_STATES = (DutyShift.State.PUBLISHED, DutyShift.State.SUBSTITUTED, DutyShift.State.SIGNED_IN)
SIGNABLE_STATES = (DutyShift.State.PUBLISHED, DutyShift.State.SUBSTITUTED)


def next_shifts(*, user, today: dt.date) -> list[DutyShift]:
    """``user``'s next shifts (rostered or covering), today's first; a training hall's only today."""
    upcoming = DutyShift.objects.filter(_mine(user), _real_or_today(today), date__gte=today, state__in=UPCOMING_STATES)
    return list(with_directors(upcoming.select_related("hall")).order_by("date", "starts_at", "id")[:NEXT_SHIFTS])


def on_duty_now(shifts, *, user, now: dt.datetime):
    """Of ``shifts``, the one ``user`` is on duty for at ``now`` with the step it awaits (sign in or out)."""
    for shift in shifts:
        if shift.on_duty_person_user_id == user.pk and shift.starts_at <= now <= shift.ends_at:
            if shift.state in SIGNABLE_STATES:
                return shift, "sign_in"
            if shift.state == DutyShift.State.SIGNED_IN:
                return shift, "sign_out"
    return None, None


def records_to_write(*, user, today: dt.date) -> list[DutyShift]:
    """Real shifts ``user`` was on duty for, signed in, with no work record yet (the last two months)."""
    return list(DutyShift.objects.counted().filter(
        _on_duty(user), date__gte=today - dt.timedelta(days=RECORD_DAYS), work_record__isnull=True,
        state__in=(DutyShift.State.SIGNED_IN, DutyShift.State.SIGNED_OUT))
        .select_related("hall").order_by("-date", "-id")[:PANEL_ROWS])


def first_contact_cases(*, user):
    """The open cases ``user`` is first-contact person of (首问责任制, 002:1970), soonest due first,
    with how many they hold open and in all."""
    from approvals.models import ApprovalCase  # read-only: the cases a director took on duty

    mine = ApprovalCase.objects.filter(first_contact__user=user)
    counts = mine.aggregate(total=Count("id"), open=Count("id", filter=Q(state__in=ApprovalCase.OPEN_STATES)))
    cases = list(mine.filter(state__in=ApprovalCase.OPEN_STATES).select_related("power")
                 .order_by(F("due_on").asc(nulls_last=True), "id")[:PANEL_ROWS])
    return cases, counts


def filed_substitutions(*, user, now: dt.datetime):
    """A/B filings a supervisor may still object to (the shift has not started), soonest first, and their count."""
    filed = (DutyShift.objects.visible_to(user).counted()
             .filter(state=DutyShift.State.SUBSTITUTED, starts_at__gt=now))
    rows = list(with_directors(filed.select_related("hall"), departments=True)
                .order_by("starts_at", "id")[:PANEL_ROWS])
    return rows, filed.count()


def open_follow_ups(*, user):
    """Poor ratings not yet answered (回访), oldest first, and their count."""
    waiting = FollowUp.objects.visible_to(user).counted().filter(answered_at__isnull=True)
    rows = list(with_directors(waiting.select_related("evaluation", "shift__hall"), "shift__")
                .order_by("evaluation__created_at", "id")[:PANEL_ROWS])
    return rows, waiting.count()
