"""What the road programme adds to the front menu and to the home pages (policyops.workspaces)."""
from django.utils.translation import gettext_lazy as _

from policyops.workspaces import MenuEntry, register_menu


def register() -> None:
    register_menu(
        MenuEntry("roads", _("Rural roads"), "roads:dashboard", perm="roads.view_roadproject", order=30),
    )
