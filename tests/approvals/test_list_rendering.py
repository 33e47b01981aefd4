"""What the lists write in a cheaper way than Django's own is written the same (issue 12)."""
import pytest
from django.contrib import admin
from django.db.models.base import Model
from django.utils import translation

from approvals.models import ApprovalCase
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(False)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_state_label_is_djangos(language):
    with translation.override(language):
        for state in ApprovalCase.State:
            case = ApprovalCase(state=state)  # the state field is protected: set at construction
            assert case.get_state_display() == Model._get_FIELD_display(case, ApprovalCase._meta.get_field("state"))


def test_the_admin_selection_checkbox_is_djangos(power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    case_admin = admin.site._registry[ApprovalCase]
    assert case_admin.action_checkbox(case) == admin.ModelAdmin.action_checkbox(case_admin, case)
