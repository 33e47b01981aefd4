"""Sessions kept in the database and read from the shared cache, that keep working when the
cache does not answer.

Django's ``cached_db`` engine saves each session in the database and in the cache and reads
the cache first: a query less on every request (issue 12). It guards reading and saving
against a cache that fails, but not putting back a session it read from the database,
testing a new key against the cache, or deleting on signing out — with Redis stopped, every
signed-in page failed. Here the cache is asked through ``_Forgiving``: a cache that fails
has nothing and keeps nothing, and the database answers alone.
"""
import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore

from policyops.pruning import delete_in_batches

logger = logging.getLogger(__name__)


class _Forgiving:
    """The shared cache as a session sees it: an error is logged and taken as a miss."""

    def __init__(self, cache):
        self._cache = cache

    def _quietly(self, what, default, *args):
        try:
            return getattr(self._cache, what)(*args)
        except Exception:  # the cache is down: the database still holds every session
            logger.warning("The session cache did not answer (%s)", what, exc_info=True)
            return default

    def get(self, key, default=None):
        return self._quietly("get", default, key, default)

    def set(self, key, value, timeout):
        self._quietly("set", None, key, value, timeout)

    def delete(self, key):
        self._quietly("delete", None, key)

    def __contains__(self, key):
        return self._quietly("has_key", False, key)


class SessionStore(CachedDbSessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _Forgiving(self._cache)


def clear_expired(*, now) -> int:
    """Delete the sessions that ended before ``now``; how many. Django keeps every session row
    until told to (its ``clearsessions`` command), one row per sign-in: at the benchmark's half
    a million sign-ins a year the table would only grow. Run daily (policyops.schedules)."""
    from django.contrib.sessions.models import Session  # not at import: this module is the engine

    return delete_in_batches(Session.objects.filter(expire_date__lt=now))
