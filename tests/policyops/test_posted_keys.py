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
