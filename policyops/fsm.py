"""The base of every model whose state is a django-fsm machine."""
import functools

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

    @property
    def state_fields(self):
        # django-fsm finds them by testing every field of the model, and asks on every
        # instance it builds (to remember the states read): 50 cases a page tested ~2,000
        # fields (issue 12). A model's fields are fixed once the apps are loaded.
        return state_fields_of(type(self))


@functools.cache
def state_fields_of(model) -> tuple:
    """The django-fsm state fields of ``model`` (any model; none for a model without a machine)."""
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))
