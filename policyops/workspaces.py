"""The front pages' menu and each role's home page, assembled from what the apps register.

policyops knows nothing of approvals or programs: each app registers its menu entries
and home panels in ``AppConfig.ready`` (``register_menu``, ``register_panel``). The base
template's menu and ``/`` then ask ``menu_for(user)`` and ``panels_for(request)``.

A menu entry carries the permission its page's view checks, so the menu never offers a
page that would answer 403 (the views use the same ``perm`` through ``entry.perm``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from policyops.scoping import user_has_perm
from policyops.workflow import acting_on


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str  # lazy translation
    url_name: str
    perm: str | None = None  # None: any logged-in user; "public": everyone, logged in or not
    order: int = 100
    staff_only: bool = False

    def visible_to(self, user) -> bool:
        if self.perm == "public":
            return True
        if not user.is_authenticated:
            return False
        if self.staff_only and not user.is_staff:
            return False
        return self.perm is None or user_has_perm(user, self.perm)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Panel:
    """One block of a home page: what needs this user now.

    ``build(request, today)`` returns the template context, or None when the panel has
    nothing to show this user (it is then left out). It must run a fixed number of
    queries, however many rows there are.
    """

    key: str
    title: str  # lazy translation
    template: str
    build: Callable
    perm: str | None = None
    order: int = 100

    def visible_to(self, user) -> bool:
        return user.is_authenticated and (self.perm is None or user_has_perm(user, self.perm))


_menu: dict[str, MenuEntry] = {}
_panels: dict[str, Panel] = {}


def register_menu(*entries: MenuEntry) -> None:
    for entry in entries:
        _menu[entry.key] = entry


def register_panel(*panels: Panel) -> None:
    for panel in panels:
        _panels[panel.key] = panel


def menu_entry(key: str) -> MenuEntry:
    return _menu[key]


def menu_for(user) -> list[MenuEntry]:
    return sorted((e for e in _menu.values() if e.visible_to(user)), key=lambda e: (e.order, e.key))


def panels_for(request, today) -> list[tuple[Panel, dict]]:
    shown = []
    # One memo for the page (policyops.workflow.memoized): what one panel's rows asked of
    # the database for ``today`` (a power's seal) another panel's rows do not ask again.
    with acting_on(today):
        for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
            if not panel.visible_to(request.user):
                continue
            context = panel.build(request, today)
            if context is not None:
                shown.append((panel, context))
    return shown


def menu_page(key: str):
    """Guard a view with its menu entry's rule, so the menu and the page never disagree.

    A visitor who is not logged in is sent to the login page; a logged-in user without
    the entry's permission gets the styled 403.
    """

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            entry = menu_entry(key)
            if entry.visible_to(request.user):
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied

        return guarded

    return decorate
