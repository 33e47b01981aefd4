"""What the hall duty programme adds to the front menu and to the home pages (policyops.workspaces)."""
from django.utils.translation import gettext_lazy as _

from policyops.workspaces import MenuEntry, register_menu


def register() -> None:
    register_menu(
        MenuEntry("halls", _("Hall duty"), "halls:index", perm="public", order=40),
        # Only directors hold shifts; the page's view checks the same permission.
        MenuEntry("my-shifts", _("My shifts"), "halls:my_shifts", perm="halls.add_workrecord", order=45),
    )
