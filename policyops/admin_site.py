"""The admin site: Django's, with the list of apps and models worked out once per set of permissions.

Every admin page carries the sidebar of all registered models (44). Django builds that list
anew on each request: for every model four permission checks through each authentication
backend, two ``reverse`` calls and a sort on lazily translated names, then renders it through
``app_list.html`` — about 10 ms of a 38 ms case-list page (issue 12). What it shows depends
only on who may do what, so it is kept per permission set, language and URL configuration,
and the sidebar's HTML per such list and current model.

The rule this rests on: a ModelAdmin's model-level answers (``has_*_permission(request)``
with no object, ``has_module_permission``) depend on the user's permissions alone — as every
admin here does (it asks ``request.user.has_perm``). ``tests/policyops/test_admin_site.py``
compares the kept list with Django's own for every role.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

# Distinct permission sets are few (one per role mix); the bound only guards against a leak.
MEMO_LIMIT = 256


class AppList(list):
    """A kept app list, with the sidebar's HTML for it per current link (policyops_admin_site)."""

    def __init__(self, apps):
        super().__init__(apps)
        self.sidebar_html: dict[tuple, str] = {}


def permission_key(user) -> tuple:
    """What the model-level admin permissions of ``user`` depend on."""
    if user.is_active and user.is_superuser:
        return ("superuser", user.is_staff)
    return (user.is_active, user.is_staff, frozenset(user.get_all_permissions()))


class PolicyOpsAdminSite(admin.AdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, AppList] = {}

    def get_app_list(self, request, app_label=None):
        # The URL configuration and prefix are part of the key: the lists hold reversed URLs.
        key = (permission_key(request.user), get_language(), settings.ROOT_URLCONF, get_urlconf(),
               get_script_prefix(), app_label)
        kept = self._app_lists.get(key)
        if kept is None:
            if len(self._app_lists) >= MEMO_LIMIT:
                self._app_lists.clear()
            kept = self._app_lists[key] = AppList(super().get_app_list(request, app_label))
        return kept

    def forget_app_lists(self):
        """Drop what is kept: a model admin registered or unregistered changes every list."""
        self._app_lists.clear()

    def register(self, *args, **kwargs):
        super().register(*args, **kwargs)
        self.forget_app_lists()

    def unregister(self, *args, **kwargs):
        super().unregister(*args, **kwargs)
        self.forget_app_lists()


class PolicyOpsAdminConfig(AdminConfig):
    default_site = "policyops.admin_site.PolicyOpsAdminSite"
