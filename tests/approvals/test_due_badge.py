"""The due badge is one HTML per state and language (approvals.views.common.due_badge)."""
import pytest
from django.utils import translation
from django.utils.html import format_html

from approvals.selectors import DueState
from approvals.views.common import DUE_LABELS, due_badge


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("state", [DueState.OVERDUE, DueState.SOON, DueState.ON_TIME, DueState.STOPPED])
def test_badge_is_the_state_and_its_label_in_the_active_language(state, language):
    with translation.override(language):
        expected = format_html('<span class="due-badge due-{}">{}</span>', state, str(DUE_LABELS[state]))
        assert due_badge(state) == expected
        assert due_badge(state) == expected  # kept, and still the same


def test_badge_follows_the_language_switch():
    with translation.override("en"):
        english = due_badge(DueState.OVERDUE)
    with translation.override("zh-hans"):
        chinese = due_badge(DueState.OVERDUE)
    assert "overdue" in english
    assert chinese != english


def test_a_closed_case_has_no_badge():
    assert due_badge(DueState.CLOSED) == ""
