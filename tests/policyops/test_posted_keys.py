"""policyops.forms.key_of / keys_of: posted or query-string text read as the keys of rows."""
import pytest

from policyops.forms import key_of, keys_of
from policyops.models import Notification

BIGGEST_KEY = 2**63 - 1  # a BigAutoField's column


@pytest.mark.parametrize("text, key", [
    ("1", 1), ("42", 42), (str(BIGGEST_KEY), BIGGEST_KEY), ("１２", 12),
    ("0", None), ("-1", None), (str(BIGGEST_KEY + 1), None), ("9" * 30, None),
    ("", None), (None, None), ("x", None), ("1.5", None), ("1e3", None),
])
def test_key_of_reads_text_that_can_name_a_row(text, key):
    assert key_of(Notification, text) == key


def test_keys_of_keeps_only_the_keys():
    assert keys_of(Notification, ["3", "x", "9" * 30, "3", "7"]) == {3, 7}


def test_in_leaves_out_integers_no_row_can_hold(db, django_user_model):
    # SQLite raised OverflowError for 10**20 in an ``in`` (policyops.lookups).
    user = django_user_model.objects.create(username="甲")
    assert list(django_user_model.objects.filter(pk__in=[10**20, user.pk, -(10**20)])) == [user]
    assert list(django_user_model.objects.filter(pk__in=[10**20])) == []
    assert django_user_model.objects.exclude(pk__in=[10**20]).count() == 1


def test_a_many_to_many_choice_with_a_key_no_row_can_hold_is_the_forms_error(admin_client, django_user_model):
    from django.urls import reverse

    user = django_user_model.objects.create(username="乙")
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]),
                                 {"username": "乙", "groups": ["9" * 20]})
    assert response.status_code == 200 and response.context["adminform"].form.errors["groups"]
