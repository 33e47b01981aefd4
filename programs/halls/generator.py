"""The monthly rota generator: every director gets a working day, or we say why not.

Rules (青政办字〔2018〕78号, 002:1968 and issue #5): at least one working day per director
per month (the working-day calendar: no statutory holidays, adjusted working days count),
no director twice on one day, at most the hall's daily capacity per day, declared
unavailable dates respected, load spread evenly across days and departments, and the
same input always gives the same rota.

It is a bipartite assignment (directors → day slots). Directors are placed most
constrained first; each takes the least-loaded day (ties: fewest from their department,
then the earliest), and when no day is free an augmenting path moves others (Kuhn's
algorithm), so a rota is found whenever one exists. A director who cannot be placed is
reported with the reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from policyops.calendar import is_working_day


@dataclass(frozen=True)
class DirectorSlotInput:
    id: int
    name: str
    department: str
    unavailable: frozenset = frozenset()


@dataclass
class RotaResult:
    assignments: dict = field(default_factory=dict)  # director id -> date
    problems: list = field(default_factory=list)  # (director name, reason)

    @property
    def feasible(self) -> bool:
        return not self.problems


def working_days_of_month(year: int, month: int) -> list[dt.date]:
    day = dt.date(year, month, 1)
    days = []
    while day.month == month:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def generate(directors: list[DirectorSlotInput], days: list[dt.date], capacity: int) -> RotaResult:
    result = RotaResult()
    if capacity < 1:
        result.problems = [(d.name, _("the hall's daily capacity is 0")) for d in directors]
        return result
    available = {d.id: [day for day in days if day not in d.unavailable] for d in directors}
    by_id = {d.id: d for d in directors}
    # Most constrained first; then by department and name so the order never depends on input order.
    order = sorted(directors, key=lambda d: (len(available[d.id]), d.department, d.name, d.id))
    on_day: dict[dt.date, list[int]] = {day: [] for day in days}
    assigned: dict[int, dt.date] = {}

    # Each director's ties start at their own point of the month, so a light month is spread
    # over all its days instead of filling the first ones.
    position = {day: i for i, day in enumerate(days)}
    start = {d.id: (k * len(days)) // len(order) for k, d in enumerate(order)}  # no director: no division

    def day_preference(director_id):
        director = by_id[director_id]
        return sorted(available[director_id], key=lambda day: (
            len(on_day[day]), sum(by_id[i].department == director.department for i in on_day[day]),
            (position[day] - start[director_id]) % len(days)))

    def place(director_id, visited) -> bool:
        """Kuhn's augmenting path over day slots; ``visited`` is shared by one search."""
        preference = day_preference(director_id)
        for day in preference:
            if day not in visited and len(on_day[day]) < capacity:
                visited.add(day)
                on_day[day].append(director_id)
                assigned[director_id] = day
                return True
        for day in preference:
            if day in visited:
                continue
            visited.add(day)
            for other in sorted(on_day[day], key=lambda i: (by_id[i].department, by_id[i].name, i)):
                on_day[day].remove(other)
                del assigned[other]
                if place(other, visited):
                    on_day[day].append(director_id)
                    assigned[director_id] = day
                    return True
                on_day[day].append(other)
                assigned[other] = day
        return False

    for director in order:
        if not available[director.id]:
            result.problems.append((director.name, _("unavailable on every working day of the month")))
            continue
        if not place(director.id, set()):
            result.problems.append((director.name, _(
                "the %(count)s working day(s) they are available on are all full (at most %(capacity)s per day)")
                % {"count": len(available[director.id]), "capacity": capacity}))
    result.assignments = dict(sorted(assigned.items(), key=lambda kv: (kv[1], kv[0])))
    return result
