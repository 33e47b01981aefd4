"""Fixed-window counters in the shared cache, for the public pages without login.

    if ratelimit.over_limit(request, "approvals:status-lookups", limit=10, window_seconds=600):
        ...answer 429...

Each call counts the request, whatever the page then answers: guessing by trying every
answer must stay impossible. The counters live in the ``default`` cache, which settings
make shared by every process (Redis, or files under VAR_DIR): a per-process cache would
give each gunicorn worker a limit of its own.

A counter is kept per *client* (``client_key``: the address, an IPv6 client's /64) or per
anything else the caller names (``count``/``current``, e.g. failures per case number).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache as default_cache
from django.shortcuts import render
from django.utils import timezone

# Pages anyone may open (the rota, the hall sign, the list of halls): per client, a
# flood guard only. A hall's Wi-Fi puts every visitor behind one address, and a visitor
# opens a few pages: 300 in 10 minutes is a busy hall, not a scraper's thousands.
PUBLIC_PAGE_LIMIT = 300
PUBLIC_PAGE_WINDOW_SECONDS = 10 * 60
PUBLIC_PAGE_SCOPE = "public:pages"

# One home network or phone holds a whole IPv6 /64: counting single addresses would
# give such a client 2**64 limits.
IPV6_CLIENT_PREFIX = 64


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one TRUSTED_PROXY_COUNT hops from the right of X-Forwarded-For.

    X-Forwarded-For is written by the client unless a proxy of ours appends to it: without a
    configured proxy it is never read. Each trusted proxy appends the address it received
    from, so with N proxies the N-th entry from the right is the client as our first proxy
    saw it; entries further left are the client's own claims. A header shorter than that,
    or an entry that is no address, falls back to REMOTE_ADDR (the proxy: one shared limit,
    never one the client chose).
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_address(request) -> str | None:
    """``client_ip`` as an IP address, or None when the request carries none (a login made
    outside a request, a unix-socket server without REMOTE_ADDR): django-axes stores it in an
    address column, which refuses "unknown"."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def client_key(request) -> str:
    """Whom a per-client limit counts: the address, or for IPv6 its /64 network."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 client a.b.c.d
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False))


@dataclass(frozen=True)
class Window:
    count: int
    ends_at: dt.datetime


def _keys(scope: str, who: str) -> tuple[str, str]:
    # any text, a safe key (the pragma: any prefix long enough is one)
    digest = hashlib.sha256(f"{scope}\0{who}".encode()).hexdigest()[:32]  # pragma: no mutate
    return f"rl:{scope}:{digest}", f"rl:{scope}:{digest}:ends"


def count(scope: str, who: str, *, window_seconds: int, now: dt.datetime, cache=None) -> Window:
    """Count one event of ``who`` in its current window of ``scope``; the count including it."""
    store = default_cache if cache is None else cache
    key, ends_key = _keys(scope, who)
    store.add(ends_key, (now + dt.timedelta(seconds=window_seconds)).timestamp(), timeout=window_seconds)
    store.add(key, 0, timeout=window_seconds)
    try:
        total = store.incr(key)
    except ValueError:  # expired between add and incr: a new window
        store.set(key, 1, timeout=window_seconds)
        total = 1
    ends_at = _ends_at(store.get(ends_key), now, window_seconds)
    # The file and database caches' incr is a get and a set, with the default timeout:
    # put the window's end back, or a day-long window would end after five idle minutes.
    store.touch(key, max(1, int((ends_at - now).total_seconds()) + 1))
    return Window(total, ends_at)


def current(scope: str, who: str, *, now: dt.datetime, cache=None) -> Window:
    """The events of ``who`` in its current window of ``scope``, without counting one."""
    store = default_cache if cache is None else cache
    key, ends_key = _keys(scope, who)
    return Window(store.get(key) or 0, _ends_at(store.get(ends_key), now, 0))


def _ends_at(timestamp, now, window_seconds) -> dt.datetime:
    if timestamp is None:
        return now + dt.timedelta(seconds=window_seconds)
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def hit(request, scope: str, *, window_seconds: int, cache=None) -> int:
    """Count this request in the client's current window of ``scope``; the count including it."""
    return count(scope, client_key(request), window_seconds=window_seconds, now=timezone.now(), cache=cache).count


def over_limit(request, scope: str, *, limit: int, window_seconds: int, cache=None) -> bool:
    """Count this request; whether the client has now made more than ``limit`` in the window."""
    return hit(request, scope, window_seconds=window_seconds, cache=cache) > limit


def too_many(request, message=None):
    """The 429 page: the client's limit is spent."""
    return render(request, "429.html", {"message": message}, status=429)


def per_client(scope: str, *, limit: int, window_seconds: int):
    """A view decorator: more than ``limit`` requests per client in the window get the 429 page."""
    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if over_limit(request, scope, limit=limit, window_seconds=window_seconds):
                return too_many(request)
            return view(request, *args, **kwargs)
        return limited
    return decorate
