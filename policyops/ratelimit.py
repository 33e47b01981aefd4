"""A fixed-window rate limit per client address, kept in the cache (for public pages without login).

    if over_limit(request, "approvals:status-lookups", limit=10, window_seconds=600):
        ...answer 429...

Each call counts the request, whatever the page then answers: guessing by trying every
answer must stay impossible.
"""
from __future__ import annotations

from django.core.cache import cache


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or "unknown"


def hit(request, scope: str, *, window_seconds: int) -> int:
    """Count this request in the client's current window of ``scope``; the count including it."""
    key = f"{scope}:{client_ip(request)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def over_limit(request, scope: str, *, limit: int, window_seconds: int) -> bool:
    """Count this request; whether the client has now made more than ``limit`` in the window."""
    return hit(request, scope, window_seconds=window_seconds) > limit
