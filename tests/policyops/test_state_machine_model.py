"""policyops.fsm.StateMachineModel: django-fsm's state fields, found once per model."""
from django.apps import apps
from django_fsm import FSMFieldMixin

from policyops.fsm import StateMachineModel


def state_machine_models():
    return [model for model in apps.get_models() if issubclass(model, StateMachineModel)]


def test_every_state_machine_model_reports_exactly_its_fsm_fields():
    assert state_machine_models()  # cases, projects, tasks …
    for model in state_machine_models():
        expected = tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))
        assert model().state_fields == expected, model._meta.label
        assert expected, model._meta.label


def test_an_instance_remembers_the_state_it_was_read_with():
    model = state_machine_models()[0]
    field = model().state_fields[0]
    instance = model(**{field.attname: "某个状态"})
    # ConcurrentTransitionMixin compares this on save: a copy read in another state is stale.
    assert instance._ConcurrentTransitionMixin__initial_states == {field.attname: "某个状态"}
