"""Delegated approvals: the 49 powers, entrustments, seals and the statutory case workflow.

Decree 第264号 (002:1-100) and the Administrative Licensing Law (DOMAIN.md §1). One module
per feature; everything is importable from ``approvals.models`` (migrations name
``approvals.models.validate_seal_image``).
"""
from approvals.models.authorities import AuthorityHead
from approvals.models.cases import (
    ApprovalCase,
    CaseMaterial,
    CaseNotice,
    CaseQuerySet,
    CaseSuspension,
    SealUse,
    drop_prefetched,
    prefetched_list,
    year_in_case_number,
)
from approvals.models.entrustments import (
    ApprovalSeal,
    Entrustment,
    EntrustmentQuerySet,
    _has_revocation_reason,
    _has_suspension_reason,
    seals_by_power_and_district,
    validate_seal_image,
)
from approvals.models.powers import DelegatedPower, PowerMaterial

__all__ = [
    "ApprovalCase", "ApprovalSeal", "AuthorityHead", "CaseMaterial", "CaseNotice", "CaseQuerySet", "CaseSuspension",
    "DelegatedPower", "Entrustment", "EntrustmentQuerySet", "PowerMaterial", "SealUse", "_has_revocation_reason",
    "_has_suspension_reason", "drop_prefetched", "prefetched_list", "seals_by_power_and_district",
    "validate_seal_image", "year_in_case_number",
]
