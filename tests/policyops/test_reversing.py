"""policyops.reversing.url_maker gives what reverse() gives, for any argument a pattern takes."""
import pytest
from django.contrib.admin.utils import quote as admin_quote
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from policyops.reversing import url_maker

case_action = url_maker("approvals:case_action", 2)
admin_change = url_maker("admin:approvals_approvalcase_change", 1, current_app="admin")

slugs = st.from_regex(r"[-a-zA-Z0-9_]{1,20}", fullmatch=True)


@given(pk=st.integers(min_value=0, max_value=10**12), action=slugs)
def test_two_arguments_land_where_reverse_puts_them(pk, action):
    assert case_action(pk, action) == reverse("approvals:case_action", args=(pk, action))


@given(key=st.text(min_size=1, max_size=20).filter(lambda t: "\x00" not in t))
def test_an_admin_key_is_quoted_as_reverse_quotes_it(key):
    quoted = admin_quote(key)
    assert admin_change(quoted) == reverse("admin:approvals_approvalcase_change", args=(quoted,), current_app="admin")


def test_a_pattern_without_arguments_is_its_url():
    assert url_maker("approvals:case_list", 0)() == reverse("approvals:case_list")


def test_an_unknown_name_fails_at_once():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        url_maker("approvals:no_such_page", 1)
