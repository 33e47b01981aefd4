"""The workflow kernel refuses, at registration, an action whose form cannot take its object."""
import pytest
from django import forms

from approvals.models import Entrustment
from policyops import workflow


class FormWithoutTheObject(forms.Form):
    reason = forms.CharField()


def test_register_refuses_a_form_that_cannot_take_the_target():
    action = workflow.Action("revoke", "revoke", lambda **kw: None, target="entrustment", form=FormWithoutTheObject)
    before = workflow.workflow_for(Entrustment)
    with pytest.raises(TypeError, match="entrustment"):
        workflow.register(Entrustment, [action])
    assert workflow.workflow_for(Entrustment) is before  # the registered actions stay as they were



def test_the_legal_transition_of_each_state_is_what_django_fsm_decides():
    """workflow.legal_transition (looked up once per state) agrees with django-fsm's own
    can_proceed for every registered action of every model, from every state."""
    from django_fsm import can_proceed

    compared = 0
    for model, flow in workflow._registry.items():
        field = workflow._state_field(model)
        for state, _label in field.choices:
            obj = model(**{field.name: state})
            for action in flow.actions.values():
                if action.method_name is None:
                    continue
                method = getattr(obj, action.method_name)
                legal = can_proceed(method, check_conditions=False)
                transition = workflow.legal_transition(model, action.method_name, state)
                assert (transition is not None) == legal, (model, action.name, state)
                if legal:
                    assert transition is method._django_fsm.get_transition(state)
                compared += 1
    assert compared > 100
