"""What the case services share: the clock, numbered notices, the seal, the locked step."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from approvals import clock, guards, rules, selectors
from approvals.models import (
    ApprovalCase,
    CaseMaterial,
    CaseNotice,
    CaseSuspension,
    SealUse,
    drop_prefetched,
    prefetched_list,
)
from policyops.calendar import add_working_days
from policyops.errors import STALE_OBJECT, InvalidInput, NotAllowed, StaleObject
from policyops.numbering import next_number
from policyops.workflow import condition_message, run_transition

NOTICE_PREFIX = {
    CaseNotice.Kind.ACCEPTANCE: "平审受",
    CaseNotice.Kind.REFUSAL: "平审不受",
    CaseNotice.Kind.CORRECTION: "平审补",
    CaseNotice.Kind.SUSPENSION: "平审特",
    CaseNotice.Kind.EXTENSION: "平审延",
    CaseNotice.Kind.APPROVAL: "平审准",
    CaseNotice.Kind.DENIAL: "平审不准",
}


# --- clock -------------------------------------------------------------------------


def _suspension_rows(case) -> list[CaseSuspension]:
    """The case's suspensions, oldest first, read from the database: never a prefetch cache a
    caller may hold from before a pause."""
    return list(CaseSuspension.objects.filter(case=case).order_by("start"))


def _as_clock(suspensions) -> list[clock.Suspension]:
    return [clock.Suspension(s.start, s.end) for s in suspensions]


def _clock_start(case: ApprovalCase, as_of: dt.date | None) -> dt.date | None:
    """The day the decision clock runs from: acceptance, or — for a submitted case whose
    correction window has passed without a notice — its receipt (Art. 32(4)), as of ``as_of``."""
    if case.accepted_on:
        return case.accepted_on
    if as_of is not None and case.state == ApprovalCase.State.SUBMITTED and rules.is_deemed_accepted(
            received_on=case.received_on, correction_requested=False, as_of=as_of):
        return case.received_on
    return None


def case_recompute_clock(case: ApprovalCase, suspensions: list[clock.Suspension] | None = None, *,
                         as_of: dt.date | None = None, decision_dates_stand: bool = False) -> None:
    """Set every stored due date of ``case`` from its start day, budget and suspensions.

    ``as_of`` (injected, never the wall clock) decides whether a submitted case is already
    deemed accepted; without it, only an explicit acceptance starts the decision clock.
    The suspensions are read from the database only when a decision clock runs and the
    caller did not pass them. ``decision_dates_stand``: the caller knows that the start day,
    the budget and the suspensions are those the stored legal and promised due dates were
    computed from (a step that moved none of them); those two are then kept as they are.
    """
    case.correction_due_on = rules.correction_notice_due(case.received_on)
    start = _clock_start(case, as_of)
    if not decision_dates_stand:
        case.legal_due_on = case.promised_due_on = None
        if start:
            if suspensions is None:
                suspensions = _as_clock(_suspension_rows(case)) if case.pk else []
            power = case.power
            legal_budget = rules.legal_budget_days(power.legal_limit_days,
                                                   preliminary_review=power.is_preliminary_review,
                                                   extended=case.extended)
            case.legal_due_on = clock.due_date(start, legal_budget, suspensions)
            if power.promised_limit_days:
                case.promised_due_on = clock.due_date(start, power.promised_limit_days, suspensions)
    case.licence_due_on = None
    if case.approved_on and case.state == ApprovalCase.State.APPROVED:
        case.licence_due_on = add_working_days(case.approved_on, rules.LICENCE_ISSUE_DAYS)
    S = ApprovalCase.State
    case.due_on = {
        # Deemed accepted (Art. 32(4)): the decision deadline governs before anyone presses 受理.
        S.SUBMITTED: (case.promised_due_on or case.legal_due_on) if start else case.correction_due_on,
        S.ACCEPTED: case.promised_due_on or case.legal_due_on,
        S.UNDER_REVIEW: case.promised_due_on or case.legal_due_on,
        S.APPROVED: case.licence_due_on,
    }.get(case.state)


CLOCK_FIELDS = ["correction_due_on", "legal_due_on", "promised_due_on", "licence_due_on", "due_on"]


def _open_suspension(suspensions):
    return next((s for s in suspensions if s.end is None), None)


def _end_suspension(suspension, as_of):
    if suspension is not None:
        suspension.end = as_of
        suspension.save(update_fields=["end"])


CHUNK = 500  # pragma: no mutate (a size) cases the sweeps read and write at a time: memory stays bounded


def _in_chunks(cases):
    """``cases`` a chunk at a time in the order of their ids, each chunk read by a query of its own
    (no cursor stays open while the chunk before is written back)."""
    cases, last = cases.order_by("pk"), None
    while True:
        chunk = list((cases if last is None else cases.filter(pk__gt=last))[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _recompute_and_save(cases, as_of):
    """Recompute and store the clocks of ``cases`` (with their suspensions prefetched), a chunk
    at a time; yields the numbers of those whose clock moved."""
    for chunk in _in_chunks(cases):
        changed = []
        for case in chunk:
            before = tuple(getattr(case, f) for f in CLOCK_FIELDS)
            case_recompute_clock(case, _as_clock(case.suspension_list), as_of=as_of)
            if tuple(getattr(case, f) for f in CLOCK_FIELDS) != before:
                changed.append(case)
        ApprovalCase.objects.bulk_update(changed, CLOCK_FIELDS)
        yield from (case.number for case in changed)


def cases_recompute_after_calendar_change(dates, *, as_of: dt.date | None = None) -> list[str]:
    """Recompute the clocks of the open cases a calendar change can move; the numbers of those that moved.

    A case received after the last changed date cannot be affected; every other open
    case is recomputed (open cases are a small share of all cases).
    """
    if not dates:
        return []
    return list(_recompute_and_save(ApprovalCase.objects.open().filter(received_on__lte=max(dates))
                                    .select_related("power").prefetch_related(prefetched_list("suspensions")),
                                    as_of))


def cases_start_deemed_clocks(*, as_of: dt.date) -> int:
    """Daily: a submitted case whose correction window passed without a notice is deemed
    accepted on its receipt date (Art. 32(4)); its decision clock shows from ``as_of`` on.

    Only the cases whose window has passed are read: their stored last day for the notice
    (``correction_due_on``, moved with the calendar like every stored date) is before ``as_of``.
    """
    cases = (ApprovalCase.objects.filter(state=ApprovalCase.State.SUBMITTED, legal_due_on=None,
                                         correction_due_on__lt=as_of)
             .select_related("power").prefetch_related(prefetched_list("suspensions")))
    return sum(1 for _number in _recompute_and_save(cases, as_of))


# --- dates in order -------------------------------------------------------------------

RECEIPT_BEFORE_ACCEPTANCE = _("The application cannot be accepted before it was received (%(date)s).")
ACCEPTANCE_BEFORE_DECISION = _("The decision cannot be dated before the acceptance (%(date)s).")
DECISION_BEFORE_ISSUE = _("The licence cannot be issued before the decision (%(date)s).")


# Dates in order (行政许可法 Arts. 32, 42, 44: each step runs from the one before): receipt ≤ acceptance ≤
# decision ≤ issuance.
def require_on_or_after(as_of: dt.date, earlier: dt.date | None, message) -> None:
    """Refuse a step dated before the step it follows, naming the date field (``as_of``)."""
    if earlier is not None and as_of < earlier:
        raise InvalidInput(message, field="as_of", date=earlier)


# --- notices and seals --------------------------------------------------------------


def notice_number(kind, year: int, serial: int) -> str:
    """A notice's number: its kind's prefix, the year and the kind's serial in that year (平审受〔2026〕000543号)."""
    return f"{NOTICE_PREFIX[kind]}〔{year}〕{serial:06d}号"


def _issue_notice(case, kind, *, as_of: dt.date, seal=None, **context) -> CaseNotice:
    year = as_of.year
    number = notice_number(kind, year, next_number(f"notice-{kind}", year))
    body = render_to_string(f"approvals/notices/{kind}.txt", {
        "case": case, "as_of": as_of, "rules": rules, "remedies": rules.REMEDIES_TEXT, **context})
    return CaseNotice.objects.create(case=case, kind=kind, number=number, issued_on=as_of, body=body.strip(),
                                     seal=seal)


def _fresh_materials(case) -> list[CaseMaterial]:
    """The case's materials as they are now (read under the step's lock), kept on the case so
    that the step's conditions and its notice read them without asking again."""
    # A copy prefetched before the lock may be out of date: drop it.
    drop_prefetched(case, "materials")
    prefetch_related_objects([case], prefetched_list("materials"))
    return case.material_list


def _mark_materials(materials, names, *, provided: bool) -> None:
    """Set ``provided`` on the ``materials`` named in ``names``, in one statement."""
    changing = [m for m in materials if m.name in names and m.provided != provided]
    for m in changing:
        m.provided = provided
    if changing:
        CaseMaterial.objects.filter(pk__in=[m.pk for m in changing]).update(provided=provided)


def _use_seal(case, action: str, *, as_of, acting_user):
    seal = selectors.seal_for(case.power, as_of, case.district_id)
    # The transition's condition asked this in the same step (policyops.workflow.memoized): no new query.
    if seal is None:
        raise NotAllowed(condition_message(guards.entrusted_with_seal))
    SealUse.objects.create(seal=seal, case=case, action=action, used_on=as_of, used_by=acting_user)
    return seal


@dataclass(frozen=True)
class _Locked:
    """A case whose row the current transaction has locked (``_lock``), and what the
    step started from."""

    case: ApprovalCase
    inputs: tuple[str, ...]  # the columns the step sets besides its state and clock
    accepted_on: dt.date | None  # as stored before the step: the decision clock's start
    extended: bool


def _lock(case, *, inputs=()) -> _Locked:
    """Lock the case row for this transaction, refuse a copy that is out of date, and bring
    the copy up to date but for ``inputs`` (the columns the step itself sets).

    ConcurrentTransitionMixin only compares the state; ``extend`` keeps the state, so the
    extension is compared too. Every other column is taken from the locked row: a stale
    copy must not write old values back (a concurrent reassignment, a follow-up date) nor
    record them in the history row.
    """
    try:
        fresh = ApprovalCase.objects.select_for_update().get(pk=case.pk)
    except ApprovalCase.DoesNotExist:
        raise StaleObject(STALE_OBJECT) from None
    if fresh.state != case.state or fresh.extended != case.extended:
        raise StaleObject(STALE_OBJECT)
    kept = {"id", "state", *inputs}
    for f in ApprovalCase._meta.concrete_fields:
        if f.attname not in kept:
            setattr(case, f.attname, getattr(fresh, f.attname))
    return _Locked(case, tuple(inputs), fresh.accepted_on, fresh.extended)


def _act(locked: _Locked, action, *, acting_user, as_of, reason="", before_save=None, suspensions=None):
    """Run the transition on the locked case and save it once: its state, the step's inputs and the clock.

    ``suspensions``: the case's suspension rows when the step read them (to open or end one,
    in ``before_save``); the clock then reads them from there, as they are after the step.
    """
    case = locked.case

    def derive(obj):
        if before_save is not None:
            before_save(obj)
        # A step that moves neither the start day, the budget nor the suspensions leaves the
        # stored legal and promised due dates as they are; only what the state governs changes.
        stand = (suspensions is None and locked.accepted_on is not None and obj.accepted_on == locked.accepted_on
                 and obj.extended == locked.extended)
        case_recompute_clock(obj, None if suspensions is None else _as_clock(suspensions), as_of=as_of,
                             decision_dates_stand=stand)

    run_transition(case, action, acting_user=acting_user, as_of=as_of, reason=reason, before_save=derive,
                   update_fields=["state", *locked.inputs, *CLOCK_FIELDS])
