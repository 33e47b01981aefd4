"""Admin of delegated approvals, one module per feature: powers, entrustments and seals, cases.

States are never saved from a form: every state field is read-only here and every change
of state goes through policyops.workflow → approvals.services (which check, audit and issue
the notices).
"""
from approvals.admin import cases, entrustments, powers  # noqa: F401  (registers the ModelAdmins)
