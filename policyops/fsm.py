"""The base of every model whose state is a django-fsm machine."""
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin


class StateMachineModel(ConcurrentTransitionMixin, models.Model):
    """Protected state fields, and optimistic locking so two clerks cannot both win.

    ``full_clean`` (forms, imports) would assign every field back to itself, which a
    protected FSMField refuses; states are validated by their transitions instead.
    """

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        protected = {f.name for f in self._meta.concrete_fields if isinstance(f, FSMFieldMixin) and f.protected}
        super().clean_fields(exclude=set(exclude or ()) | protected)
