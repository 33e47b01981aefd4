"""Pages of lists that may hold a million rows (issue 12)."""
from django.core.paginator import Paginator
from django.utils.functional import cached_property

# A page counts at most this many rows (Frappe caps exact counts at 1,000 for the same reason):
# COUNT(*) over a million cases costs more than the page itself; past it, a search or filter helps.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``cap`` + 1: ``capped`` then says there are more.

    The pages up to the cap are reachable as usual; the last one says "of more than N".
    """

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()  # SELECT COUNT(*) FROM (… LIMIT cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap
