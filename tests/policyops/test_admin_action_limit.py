"""Every admin action takes at most ACTION_MAX_ROWS rows (policyops.admin_base): each action of
every admin carries the limit, and the limit leaves room in the form that posts the ids back.
The refusal itself is walked through the case list's 指派承办人 (tests/approvals/test_admin.py)."""
import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory

from policyops import admin_base
from tests.factories import UserFactory


@pytest.mark.django_db
def test_every_action_of_every_admin_keeps_the_row_limit():
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    actions = {(type(model_admin).__name__, name): func
               for model_admin in admin.site._registry.values()
               for name, (func, _name, _description) in model_admin.get_actions(request).items()}
    assert ("ApprovalCaseAdmin", "assign_handler") in actions and ("DistrictAdmin", "delete_selected") in actions
    assert [key for key, func in actions.items() if not getattr(func, "within_action_limit", False)] == []


def test_the_limit_leaves_room_in_the_form_that_posts_the_ids_back():
    # The confirmation page posts each chosen id and the form's own fields (action, apply, its inputs).
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert admin_base.ACTION_MAX_ROWS + 100 <= limit
