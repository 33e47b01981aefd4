"""What the case services share: the clock, numbered notices, the seal, the locked step."""
from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from approvals import clock, guards, rules, selectors
from approvals.models import ApprovalCase, CaseNotice, CaseSuspension, SealUse
from policyops.calendar import add_working_days
from policyops.errors import STALE_OBJECT, InvalidInput, NotAllowed, StaleObject
from policyops.numbering import next_number
from policyops.workflow import condition_message, run_transition

CASE_NUMBER_PREFIX = "PD"  # 平度: the only district the 49 powers are entrusted to

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


def _suspensions(case) -> list[clock.Suspension]:
    # Read from the database, never a prefetch cache a caller may hold from before a pause.
    return [clock.Suspension(s.start, s.end) for s in CaseSuspension.objects.filter(case=case).order_by("start")]


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
                         as_of: dt.date | None = None) -> ApprovalCase:
    """Set every stored due date of ``case`` from its start day, budget and suspensions.

    ``as_of`` (injected, never the wall clock) decides whether a submitted case is already
    deemed accepted; without it, only an explicit acceptance starts the decision clock.
    """
    if suspensions is None:
        suspensions = _suspensions(case) if case.pk else []
    power = case.power
    case.correction_due_on = rules.correction_notice_due(case.received_on)
    case.legal_due_on = case.promised_due_on = case.licence_due_on = None
    start = _clock_start(case, as_of)
    if start:
        legal_budget = rules.legal_budget_days(power.legal_limit_days, preliminary_review=power.is_preliminary_review,
                                               extended=case.extended)
        case.legal_due_on = clock.due_date(start, legal_budget, suspensions)
        if power.promised_limit_days:
            case.promised_due_on = clock.due_date(start, power.promised_limit_days, suspensions)
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
    return case


CLOCK_FIELDS = ["correction_due_on", "legal_due_on", "promised_due_on", "licence_due_on", "due_on"]


def _end_suspension(suspension, as_of):
    if suspension is not None:
        suspension.end = as_of
        suspension.save(update_fields=["end"])


def _recompute_and_save(cases, as_of) -> list[str]:
    """Recompute and store the clocks of ``cases``; the numbers of those whose clock moved."""
    changed = []
    for case in cases.iterator(chunk_size=500):
        before = tuple(getattr(case, f) for f in CLOCK_FIELDS)
        case_recompute_clock(case, [clock.Suspension(s.start, s.end) for s in case.suspensions.all()], as_of=as_of)
        if tuple(getattr(case, f) for f in CLOCK_FIELDS) != before:
            changed.append(case)
    ApprovalCase.objects.bulk_update(changed, CLOCK_FIELDS, batch_size=500)
    return [case.number for case in changed]


def cases_recompute_after_calendar_change(dates, *, as_of: dt.date | None = None) -> list[str]:
    """Recompute the clocks of the open cases a calendar change can move; the numbers of those that moved.

    A case received after the last changed date cannot be affected; every other open
    case is recomputed (open cases are a small share of all cases).
    """
    if not dates:
        return []
    return _recompute_and_save(ApprovalCase.objects.open().filter(received_on__lte=max(dates))
                               .select_related("power").prefetch_related("suspensions").order_by("pk"), as_of)


def cases_start_deemed_clocks(*, as_of: dt.date) -> int:
    """Daily: a submitted case whose correction window passed without a notice is deemed
    accepted on its receipt date (Art. 32(4)); its decision clock shows from ``as_of`` on."""
    cases = (ApprovalCase.objects.filter(state=ApprovalCase.State.SUBMITTED, legal_due_on=None)
             .select_related("power").prefetch_related("suspensions").order_by("pk"))
    return len(_recompute_and_save(cases, as_of))


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


def _issue_notice(case, kind, *, as_of: dt.date, seal=None, **context) -> CaseNotice:
    year = as_of.year
    number = f"{NOTICE_PREFIX[kind]}〔{year}〕{next_number(f'notice-{kind}', year):06d}号"
    body = render_to_string(f"approvals/notices/{kind}.txt", {
        "case": case, "as_of": as_of, "rules": rules, "remedies": rules.REMEDIES_TEXT, **context})
    return CaseNotice.objects.create(case=case, kind=kind, number=number, issued_on=as_of, body=body.strip(),
                                     seal=seal)


def _use_seal(case, action: str, *, as_of, acting_user):
    seal = selectors.seal_for(case.power, as_of, case.district_id)
    # The transition's condition already checked this; a seal recovered in between fails here.
    if seal is None:
        raise NotAllowed(condition_message(guards.entrusted_with_seal))
    SealUse.objects.create(seal=seal, case=case, action=action, used_on=as_of, used_by=acting_user)
    return seal


def _lock_fresh(case):
    """Lock the case row for this transaction and refuse a copy that is out of date.

    ConcurrentTransitionMixin only compares the state; ``extend`` keeps the state, and a
    stale copy would also undo a concurrent reassignment, so compare those too.
    """
    fresh = ApprovalCase.objects.select_for_update().filter(pk=case.pk).values(
        "state", "extended", "handler_id", "first_contact_id").first()
    if fresh is None or fresh["state"] != case.state or fresh["extended"] != case.extended:
        raise StaleObject(STALE_OBJECT)
    # Changed by their own services meanwhile; the transition must not write old values back.
    case.handler_id, case.first_contact_id = fresh["handler_id"], fresh["first_contact_id"]


def _act(case, action, *, acting_user, as_of, reason="", before_save=None):
    """Lock the row, run the transition and save the case once: state, inputs and clock."""
    _lock_fresh(case)

    def derive(obj):
        if before_save is not None:
            before_save(obj)
        case_recompute_clock(obj, as_of=as_of)

    run_transition(case, action, acting_user=acting_user, as_of=as_of, reason=reason, before_save=derive)
