"""Reads of the approvals app, with their joins right for list pages."""
import datetime as dt

from django.db import connection
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals import rules
from approvals.models import (
    ApprovalCase,
    DelegatedPower,
    prefetched_list,
    seals_by_power_and_district,
    year_in_case_number,
)
from policyops.calendar import add_working_days
from policyops.formatting import as_typed
from policyops.pagination import COUNT_CAP
from policyops.scoping import person_of, user_district_id
from policyops.search_indexes import (
    narrowed_to_ids,
    ordered_apart,
    short_grams_usable,
    short_term_contains,
    unindexed_contains,
)
from policyops.workflow import memoized, remembered

# Matches a list may read whole and sort (few_enough_to_sort): ~30 ms at 10,000 (issue 12).
SORTED_SEARCH_CAP = 10_000  # pragma: no mutate (blocks of numbers come in powers of ten: up to 99,999 chooses alike)

# One case's page joins every relation it shows; a list row, these two.
CASE_RELATED = ("power", "power__agency", "district", "handler", "first_contact", "received_hall")
LIST_RELATIONS = ("handler", "power")


def with_list_relations(cases, *, joined: bool = True):
    """What a list row reads of a case's relations: its handler and its power, joined.

    Lists join no more: with the six relations of a case's page joined, PostgreSQL took 16 ms
    to plan the first page of a million cases and chose a parallel plan that took 15 ms more;
    with these two, about 2 ms in all (issue 12). Not ``joined``, they are read for the page's
    rows afterwards: for a page sorted from all its matches (few_enough_to_sort), which
    PostgreSQL joined before sorting, 6,400 rows for a page of 50 (28 ms against 10 ms).
    """
    return cases.select_related(*LIST_RELATIONS) if joined else cases.prefetch_related(*LIST_RELATIONS)


def seal_for(power, day: dt.date, district_id):
    """The seal that may stamp a decision on ``power`` on ``day`` in ``district_id``, or None."""
    return power.seal_on(day, district_id)


def normalise_search(text: str | None) -> str:
    """Full-width letters and digits as ASCII (NFKC), upper case kept for case numbers, trimmed."""
    return as_typed(text)[:100]


def case_number_contains(text: str, *, field: str = "number") -> Q | None:
    """The rows whose case number in ``field`` contains ``text`` (a case's ``number``, the seal-use
    log's ``case_number``); None when no case number can contain it.

    A whole case number (rules.WHOLE_CASE_NUMBER) is contained in one number only, its own,
    and is looked up by the number's unique index: over a million numbers sharing most of its
    trigrams ("000", "202", "PD-") the trigram index took ~40 ms to answer (issue 12). A part
    that can only sit at a number's start (rules.case_number_start) is asked as that start.
    """
    if rules.WHOLE_CASE_NUMBER.fullmatch(text):
        return Q(**{field: text.upper()})
    if not rules.may_be_in_case_number(text):
        return None
    start = rules.case_number_start(text)
    if start is not None:
        # Numbers are written in upper case; the number's B-tree reads the range (the trigram
        # index, whose pieces "PD-", "202", "-0" every number shares, took ~80 ms for PD-2025-01).
        return Q(**{f"{field}__startswith": start})
    return Q(**{f"{field}__icontains": text})


def case_search(text: str) -> Q:
    """The cases whose number or applicant contains ``text`` (every list's and the admin's
    search); a term no case number can contain (a name) asks the applicants alone."""
    number = case_number_contains(text)
    applicant = Q(applicant_name__icontains=text)
    return applicant if number is None else number | applicant


def search_cases(cases, text: str):
    """``cases`` narrowed to ``case_search(text)``, for a page in any order.

    When at most COUNT_CAP cases match, their ids are read first (the trigram or the short-term
    indexes find them in about a millisecond) and the page orders only those. Left to itself,
    PostgreSQL, whose estimate for ``LIKE '%…%'`` is far from the few rows a number matches,
    walked the list's order index and filtered a million cases to fill the page (0.5–0.8 s
    for "000123"; issue 12). More matches than that are left to the page's own order.

    A name of one or two characters (张伟) holds no trigram: its cases are found by the index of
    the applicants' short pieces (policyops.search_indexes; 0.2 s -> ~10 ms over a million);
    with more than COUNT_CAP of them, by ``unindexed_contains`` (icontains went to the trigram
    index, which holds nothing of such a term: 1.6 s).

    A block of numbers (few_enough_to_sort: PD-2025-01) is asked as it is: the lists that call
    this sort its matches apart (case_list, the admin's list_ordering), read once by the B-tree.
    """
    if few_enough_to_sort(text):
        return cases.filter(case_search(text))
    short = not rules.may_be_in_case_number(text) and short_grams_usable(connection, text)
    probe = short_term_contains("applicant_name", text) if short else case_search(text)
    found = narrowed_to_ids(cases, probe, COUNT_CAP)
    if found is not None:
        return found
    if short:
        return cases.filter(unindexed_contains("applicant_name", text))
    return cases.filter(case_search(text))


def few_enough_to_sort(text: str) -> bool:
    """Whether the cases ``text`` finds are at most SORTED_SEARCH_CAP by the numbers' layout alone
    (``PD-2025-01``: at most 10,000), so that a list may read them all and sort them. Not for no
    text at all: that finds every case."""
    start = rules.case_number_start(text)
    bound = rules.case_numbers_starting_with(start) if start else None
    return bound is not None and bound <= SORTED_SEARCH_CAP


def numbers_within_their_year(cases, text: str):
    """``cases`` whose number ``text`` finds, asked within the numbers' year of receipt; None when
    ``text`` fixes no year, or when an applicant's name holds it too.

    A term that fixes a year (``PD-2019``, ``2019-01``) finds the numbers given that year only, and a
    number holds its case's year of receipt (the case_number_holds_year_of_receipt constraint). With
    the year as receipt dates, a newest-first list reads its page from the year's end along its index;
    without, PostgreSQL walked every later case to reach the year ("PD-2019": 342 ms at a million
    cases; with the year 0.1 ms of SQL; issue 12). An applicant matching as well would be OR-ed in,
    and the OR is walked whatever the bound: the caller then searches as it would have.
    """
    start, year = _start_and_year(text)
    if year is None or cases.filter(applicant_name__icontains=text).exists():
        return None
    return cases.filter(number__startswith=start, received_on__year=year)


def seal_uses_within_their_year(uses, text: str):
    """``uses`` of the cases whose number ``text`` finds, read from the log's own copy of the
    number within the numbers' year; None when ``text`` fixes no year.

    Joined to the cases, the log was walked newest first through every later year's uses to
    reach an old year's ("PD-2019": 0.33 s at a million cases; issue 12); the index
    sealuse_case_year_newest_first holds each year's uses newest first.
    """
    start, year = _start_and_year(text)
    if year is None:
        return None
    return (uses.alias(case_year=year_in_case_number("case_number"))
            .filter(case_year=str(year), case_number__startswith=start))


def _start_and_year(text: str) -> tuple[str | None, int | None]:
    """The start every case number holding ``text`` has, and the year it fixes (rules.case_number_start)."""
    start = rules.case_number_start(text)
    return start, rules.case_number_year(start) if start else None


def case_list(*, user, state=None, due=None, today: dt.date | None = None, search: str | None = None):
    """The cases ``user`` sees, running deadlines first; ``due`` (DueState.OVERDUE or SOON) as of
    ``today``, which it needs."""
    search = normalise_search(search)
    # A search of a block of numbers (PD-2025-01) reads its matches and sorts them: walking the
    # deadlines' index, PostgreSQL tested all million cases for the few thousand PD-2025-01xxxx
    # at its end (1.1 s; ~40 ms so).
    sort_apart = few_enough_to_sort(search)
    qs = with_list_relations(ApprovalCase.objects.visible_to(user), joined=not sort_apart)
    if state:
        qs = qs.filter(state=state)
    if due == DueState.OVERDUE:
        qs = qs.overdue(today)
    elif due == DueState.SOON:
        qs = qs.due_soon(today, add_working_days(today, rules.DUE_SOON_DAYS))
    if search:
        # Last, as the admin's changelist does: the ids read first are those of the cases the
        # filters leave (a common word with a state picked: few ids, not more than the cap).
        qs = search_cases(qs, search)
    # Running deadlines first, the nearest on top; cases with nothing due after them.
    ordering = [F("due_on").asc(nulls_last=True), "-id"]
    return qs.order_by(*(ordered_apart(ordering) if sort_apart else ordering))


def case_get(*, user, number: str):
    return (ApprovalCase.objects.visible_to(user)
            .select_related(*CASE_RELATED)
            .prefetch_related(*(prefetched_list(r) for r in ("materials", "suspensions", "notices")))
            .get(number=number))


class DueState:
    OVERDUE = "overdue"
    SOON = "soon"
    ON_TIME = "on_time"
    STOPPED = "stopped"  # open, but no running deadline: paused or waiting for the applicant
    CLOSED = "closed"  # decided, refused or withdrawn: nothing is due any more


# What each due state is called: the pages' badges (a closed case has none) and the API's docs.
DUE_LABELS = {
    DueState.OVERDUE: _("overdue"),
    DueState.SOON: _("due soon"),
    DueState.ON_TIME: _("on time"),
    DueState.STOPPED: _("stopped"),
    DueState.CLOSED: pgettext_lazy("approval case", "closed"),
}


def case_due_state(case, today: dt.date) -> str:
    """Overdue / due soon (<= 3 working days left) / on time / stopped / closed, as of ``today``."""
    from policyops.calendar import working_days_between

    if not case.is_open:
        return DueState.CLOSED
    if case.due_on is None:
        return DueState.STOPPED
    if case.due_on < today:
        return DueState.OVERDUE
    if working_days_between(today, case.due_on) <= rules.DUE_SOON_DAYS:
        return DueState.SOON
    return DueState.ON_TIME


def case_clock_summary(case, today: dt.date) -> dict:
    """What every page shows of the clock: due dates, days paused, days left, due state.

    Uses the case's prefetched suspensions when present (no extra query per row).
    """
    from approvals.clock import Suspension, working_days_paused
    from policyops.calendar import is_provisional, working_days_between

    suspensions = [Suspension(s.start, s.end) for s in case.suspension_list]
    return {
        "received_on": case.received_on,
        "accepted_on": case.accepted_on,
        "correction_due_on": case.correction_due_on,
        "legal_due_on": case.legal_due_on,
        "promised_due_on": case.promised_due_on,
        "licence_due_on": case.licence_due_on,
        "due_on": case.due_on,
        "days_paused": working_days_paused(today, suspensions),
        "days_left": working_days_between(today, case.due_on) if case.due_on else None,
        "due_state": case_due_state(case, today),
        # The governing or legal due date lies in a year without an official calendar.
        "provisional": any(d and is_provisional(d) for d in (case.due_on, case.legal_due_on)),
    }


# --- the clock's colour and the home panels' queues ------------------------------------------


def governing_deadline(case) -> str | None:
    """The stored due date that ``due_on`` is now (services.case_recompute_clock chose it): its
    field's name; None when no deadline runs."""
    S = ApprovalCase.State
    if case.due_on is None:
        return None
    if case.state == S.APPROVED:
        return "licence_due_on"
    if case.legal_due_on is None:  # submitted, correction window still open
        return "correction_due_on"
    return "promised_due_on" if case.promised_due_on else "legal_due_on"


def governing_budget(case) -> int | None:
    """Working days the deadline that governs now (``governing_deadline``) allows in all; None
    when none runs (or a promised due date stands whose power has no promised limit any more)."""
    deadline = governing_deadline(case)
    if deadline == "licence_due_on":
        return rules.LICENCE_ISSUE_DAYS
    if deadline == "correction_due_on":
        return rules.CORRECTION_NOTICE_DAYS
    if deadline == "promised_due_on":
        return case.power.promised_limit_days
    if deadline == "legal_due_on":
        return rules.legal_budget_days(case.power.legal_limit_days, preliminary_review=case.power.is_preliminary_review,
                                       extended=case.extended)
    return None


def case_alert(case, clock: dict) -> str:
    """rules.time_used_alert for a case, from its ``case_clock_summary``."""
    return rules.time_used_alert(overdue=clock["due_state"] == DueState.OVERDUE,
                                 days_left=clock["days_left"] if clock["due_on"] else None,
                                 budget_days=governing_budget(case))


PANEL_ORDER = (F("legal_due_on").asc(nulls_last=True), F("due_on").asc(nulls_last=True), "id")


def _with_queue_lists(cases):
    """What a queue row reads besides its joins: the case's suspensions (its clock) and
    materials (its actions' conditions), as lists."""
    return cases.prefetch_related(prefetched_list("suspensions"), prefetched_list("materials"))


def _queue(user):
    return _with_queue_lists(with_list_relations(ApprovalCase.objects.visible_to(user).open())).order_by(*PANEL_ORDER)


def my_open_cases(user):
    """Open cases whose handler is ``user``, by legal due date; none without a person record."""
    person = person_of(user)
    if person is None:
        return ApprovalCase.objects.none()
    # By the person's id, not through a join on the user: then PostgreSQL reads the first rows
    # in order from case_handler_district_queue instead of sorting all of a handler's open cases
    # (3,400 of them in the benchmark: 6.7 ms against 0.2 ms; issue 12).
    return _queue(user).filter(handler_id=person.pk)


def unassigned_district_cases(user):
    """Open cases of the user's district that nobody handles yet, by legal due date; none without a district."""
    district_id = user_district_id(user)
    if district_id is None:
        return ApprovalCase.objects.none()
    return _queue(user).filter(handler__isnull=True, district_id=district_id)


def overdue_cases(user, today: dt.date):
    """Open cases past their governing deadline in every district ``user`` sees, the longest overdue first."""
    cases = with_list_relations(ApprovalCase.objects.visible_to(user).overdue(today))
    return _with_queue_lists(cases).order_by("due_on", "id")


def remember_seals(cases, day: dt.date) -> None:
    """Answer DelegatedPower.seal_on for every power in the districts of ``cases`` on ``day``, in one query.

    Call it inside ``policyops.workflow.acting_on(day)``: the answers go into that step's
    memo, so listing the actions of many cases does not ask once per power. Every power
    entrusted in those districts is answered, not only the rows' own: a second list on the
    same page (the home page's queues) asks nothing more.
    """
    districts = {case.district_id for case in cases
                 if not remembered(DelegatedPower.seals_memo_key(day, case.district_id))}
    if not districts:
        return
    found = seals_by_power_and_district(day, districts)
    for district_id in districts:
        memoized(DelegatedPower.seals_memo_key(day, district_id),
                 lambda district_id=district_id: {key: seal for key, seal in found.items() if key[1] == district_id})


# --- the clock explained (case page) ---------------------------------------------------------

# Why no deadline runs, for each open state that has none (services.case_recompute_clock).
STOPPED_BECAUSE = {
    ApprovalCase.State.PAUSED: _("The clock is paused for a special procedure (Art. 45)."),
    ApprovalCase.State.CORRECTION_REQUESTED: _("Waiting for the applicant's corrections; no deadline runs."),
    ApprovalCase.State.RESUBMITTED: _("Corrections received; the decision clock starts on acceptance."),
    ApprovalCase.State.FORWARDED: _("Forwarded; the deciding authority's own time limit runs."),
}


def case_clock_detail(case, today: dt.date) -> dict:
    """The clock as the case page explains it: each due date with why it falls there, the pauses,
    the extension and which date governs now (with ``case_clock_summary`` and the colour)."""
    from approvals.clock import Suspension, working_days_paused

    clock = case_clock_summary(case, today)
    power = case.power
    start = case.accepted_on or (case.received_on if case.legal_due_on else None)
    paused = [{"suspension": s, "ground": s.get_ground_display(),
               "days": working_days_paused(today, [Suspension(s.start, s.end)])} for s in case.suspension_list]
    legal_why = [
        _("%(days)s working days from %(start)s for the preliminary review (Art. 43)")
        if power.is_preliminary_review else _("legal time limit of %(days)s working days from %(start)s"),
    ]
    if case.extended:
        legal_why.append(_("extended once by %(extension)s working days (Art. 42)"))
    if clock["days_paused"]:
        legal_why.append(_("%(paused)s working days of special procedures not counted (Art. 45)"))
    params = {"days": power.decision_limit_days,
              "start": start, "extension": rules.EXTENSION_DAYS, "paused": clock["days_paused"],
              "promised": power.promised_limit_days, "window": rules.CORRECTION_NOTICE_DAYS,
              "licence": rules.LICENCE_ISSUE_DAYS}
    rows = [("correction_due_on", _("correction notice due"), case.correction_due_on,
             _("one complete correction notice within %(window)s working days of receipt (Art. 32)"))]
    if start:
        why = (_("no correction notice within %(window)s working days: accepted on the day of receipt (Art. 32)")
               if case.deemed_accepted or not case.accepted_on else "")
        rows.append(("accepted_on", _("accepted on"), start, why))
        rows.append(("legal_due_on", _("legal due date"), case.legal_due_on, "；".join(str(w) for w in legal_why)))
        if case.promised_due_on:
            rows.append(("promised_due_on", _("promised due date"), case.promised_due_on,
                         _("promised time limit of %(promised)s working days from %(start)s")))
    if case.licence_due_on:
        rows.append(("licence_due_on", _("licence due"), case.licence_due_on,
                     _("licence issued within %(licence)s working days of the decision (Art. 44)")))
    governing = governing_deadline(case)
    return {
        "clock": clock, "alert": case_alert(case, clock), "budget": governing_budget(case), "paused": paused,
        "rows": [{"key": key, "label": label, "date": date, "why": str(why) % params if why else "",
                  "governs": key == governing} for key, label, date, why in rows],
        # Only open states in which no deadline runs have a reason (STOPPED_BECAUSE).
        "stopped_because": STOPPED_BECAUSE.get(case.state),
    }
