"""django-simple-history as every model of ours keeps it: ``HistoricalRecords`` from here.

- **Who made the change.** simple-history names the signed-in user of the current web
  request, and nobody for a change made by a Celery task or a command. A service that knows
  who acts wraps its save in ``recorded_by(user)`` (the workflow kernel does for every
  step), so the history row names the same person as the audit row, wherever it ran.
- **Speed.** simple-history's ``Model.history`` descriptor builds a new manager class
  (``HistoryManager.from_queryset(...)``) on every access, and it is accessed for every
  history row written: 0.2–0.3 ms of every history row went into making the same class
  again (issue 12). The class depends only on the manager and queryset classes, so it is
  made once per pair here; what the manager does is simple-history's own.
"""
from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from simple_history import manager, models

_recorded_by: contextvars.ContextVar = contextvars.ContextVar("policyops_history_user", default=None)


@contextmanager
def recorded_by(user):
    """History rows written inside this block name ``user`` (an anonymous or absent user: the request's, if any)."""
    token = _recorded_by.set(user if user is not None and user.is_authenticated else None)
    try:
        yield
    finally:
        _recorded_by.reset(token)


def history_user(request=None, **kwargs):
    """simple-history's ``get_user``: the user of ``recorded_by``, else the request's."""
    user = _recorded_by.get()
    return user if user is not None else getattr(request, "user", None)


class HistoryManager(manager.HistoryManager):
    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


class HistoricalRecords(models.HistoricalRecords):
    def __init__(self, *args, history_manager=HistoryManager, get_user=history_user, **kwargs):
        super().__init__(*args, history_manager=history_manager, get_user=get_user, **kwargs)
