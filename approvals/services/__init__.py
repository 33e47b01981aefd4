"""Use cases of delegated approvals. One function per use case.

Each wraps one transition with its side effects — the clock recomputed, a numbered
notice, the seal use logged, the audit row — in one durable database transaction.
``as_of`` is the date the clerk acts on (injected; callers pass today's date). One module
per part of the procedure; every service is importable from ``approvals.services``.

Every face runs a step by its name through ``policyops.workflow.perform(case, name,
acting_user=..., as_of=..., **inputs)``, which calls ``case_<name>`` (approvals.actions).
"""
from approvals.services.common import (
    CLOCK_FIELDS,
    NOTICE_PREFIX,
    case_recompute_clock,
    cases_recompute_after_calendar_change,
    cases_start_deemed_clocks,
    notice_number,
)
from approvals.services.entrustments import entrustment_revoke, entrustment_suspend, entrustment_transition
from approvals.services.handling import case_claim, case_release, case_set_follow_up
from approvals.services.intake import (
    case_accept,
    case_refusal_suggestion,
    case_refuse,
    case_register,
    case_request_correction,
    case_resubmit,
    case_scope_problems,
)
from approvals.services.review import (
    case_approve,
    case_assign,
    case_deny,
    case_extend,
    case_forward,
    case_issue_licence,
    case_pause,
    case_record_superior_decision,
    case_resume,
    case_start_review,
    case_take_first_contact,
    case_withdraw,
)

__all__ = [
    "CLOCK_FIELDS",
    "NOTICE_PREFIX",
    "case_accept",
    "case_approve",
    "case_assign",
    "case_claim",
    "case_deny",
    "case_extend",
    "case_forward",
    "case_issue_licence",
    "case_pause",
    "case_recompute_clock",
    "case_record_superior_decision",
    "case_refusal_suggestion",
    "case_refuse",
    "case_register",
    "case_release",
    "case_request_correction",
    "case_resubmit",
    "case_resume",
    "case_scope_problems",
    "case_set_follow_up",
    "case_start_review",
    "case_take_first_contact",
    "case_withdraw",
    "cases_recompute_after_calendar_change",
    "cases_start_deemed_clocks",
    "entrustment_revoke",
    "entrustment_suspend",
    "entrustment_transition",
    "notice_number",
]
