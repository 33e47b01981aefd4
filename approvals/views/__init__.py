"""Pages of the approvals app (mounted at /approvals/), one module per feature."""
from approvals.views.cases import case_action, case_detail, case_list, index
from approvals.views.common import DUE_FILTERS, DUE_LABELS, PAGE_SIZE, due_badge
from approvals.views.handling import (
    case_assign,
    case_claim,
    case_follow_up,
    case_release,
)
from approvals.views.public import (
    PUBLIC_STATE_LABELS,
    STATUS_LOOKUP_LIMIT,
    STATUS_LOOKUP_WINDOW_SECONDS,
    STATUS_NOT_FOUND,
    STATUS_RATE_SCOPE,
    STATUS_TOO_MANY,
    notice_print,
    public_status,
    seal_impression,
)
from approvals.views.register import case_register, first_contact_search

__all__ = [
    "DUE_FILTERS", "DUE_LABELS", "PAGE_SIZE", "PUBLIC_STATE_LABELS", "STATUS_LOOKUP_LIMIT",
    "STATUS_LOOKUP_WINDOW_SECONDS", "STATUS_NOT_FOUND", "STATUS_RATE_SCOPE", "STATUS_TOO_MANY", "case_action",
    "case_assign", "case_claim", "case_detail", "case_follow_up", "case_list", "case_register", "case_release",
    "due_badge", "first_contact_search", "index", "notice_print", "public_status", "seal_impression",
]
