"""The base of every model whose state is a django-fsm machine."""
import functools

from django.db import models
from django.db.models.signals import class_prepared
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin


class StateField(FSMField):
    """django-fsm's state field, minus its transitions look-up in migrations' model states.

    Each FSMField connects a ``class_prepared`` receiver that collects the transitions of the
    class it joins. Migrations build every model again and again, and each copy's receiver
    lived until the garbage collector came, so every later model class called hundreds of
    them: 2.2 million calls in one ``migrate`` (18.5 s; 14.8 s without them). The models of
    migrations' states (module ``__fake__``) carry no methods, so they have no transitions.
    """

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if cls.__module__ == "__fake__":
            class_prepared.disconnect(self._collect_transitions)


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
