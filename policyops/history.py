"""django-simple-history as every model of ours keeps it: ``HistoricalRecords`` from here.

simple-history's ``Model.history`` descriptor builds a new manager class
(``HistoryManager.from_queryset(...)``) on every access, and it is accessed for every
history row written: a tenth of a workflow step's time went into making the same class
again (issue 12). The class depends only on the manager and queryset classes, so it is
made once per pair here; what the manager does is simple-history's own.
"""
from __future__ import annotations

import functools

from simple_history import manager, models


class HistoryManager(manager.HistoryManager):
    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


class HistoricalRecords(models.HistoricalRecords):
    def __init__(self, *args, history_manager=HistoryManager, **kwargs):
        super().__init__(*args, history_manager=history_manager, **kwargs)
