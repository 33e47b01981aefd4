"""What approvals adds to the front menu and to the home pages (policyops.workspaces)."""
from django.utils.translation import gettext_lazy as _

from policyops.workspaces import MenuEntry, register_menu


def register() -> None:
    register_menu(
        MenuEntry("approvals", _("Approval cases"), "approvals:case_list", perm="approvals.view_approvalcase",
                  order=10),
        MenuEntry("case-status", _("Case status"), "approvals:public_status", perm="public", order=80),
    )
