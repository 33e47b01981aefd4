"""What the hall-duty admins share: the acting moment of their steps."""
from __future__ import annotations

from django.utils import timezone

from policyops.admin_workflow import WorkflowAdminMixin
from programs.halls.guards import MANAGE_ROTA

__all__ = ["MANAGE_ROTA", "HallWorkflowAdminMixin"]


class HallWorkflowAdminMixin(WorkflowAdminMixin):
    """Hall-duty steps act at a moment (a shift's window opens at 09:00), not on a date."""

    def workflow_as_of(self, request):
        return timezone.now()
