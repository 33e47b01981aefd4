"""The page django-axes shows when a username and address are locked out (AXES_LOCKOUT_CALLABLE)."""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

LOCKOUT_STATUS = 429  # Too Many Requests: the client may retry after the cool-off


def lockout_response(request, original_response=None, credentials=None):
    """A Chinese page saying how long logging in is blocked; never the login form again."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "policyops/lockout.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
                  status=LOCKOUT_STATUS)
