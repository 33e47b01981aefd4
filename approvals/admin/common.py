"""What the approvals admin modules share."""
from django.contrib.admin.views.main import SEARCH_VAR

from approvals import selectors
from policyops.search_indexes import ordered_apart


class ApprovalsMedia:
    css = {"all": ["policyops/admin.css", "approvals/approvals.css"]}


def selected_action_inputs(action, pk):
    """Hidden inputs that open a changelist action's intermediate page for one object."""
    return [("action", action), ("_selected_action", str(pk))]


def searches_a_block_of_numbers(request) -> bool:
    """Whether the list's search finds few enough cases to sort (selectors.few_enough_to_sort:
    ``PD-2025-01``), as the front list does."""
    return selectors.few_enough_to_sort(selectors.normalise_search(request.GET.get(SEARCH_VAR)))


def ordering_for_search(request, ordering):
    """``ordering``, its matches sorted apart for a block of numbers (search_indexes.ordered_apart):
    walking the list's order, PostgreSQL tested every row for the few thousand at its end."""
    return ordered_apart(ordering) if searches_a_block_of_numbers(request) else ordering
