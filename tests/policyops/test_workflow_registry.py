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

