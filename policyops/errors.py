"""Errors that services raise, with messages the user reads (translated).

Each kind maps to one HTTP status in the API: InvalidInput 400 (names the field),
NotAllowed 403, Conflict 409 (an illegal, stale or not-yet-possible transition).
"""
from django.utils.translation import gettext_lazy as _


class PolicyOpsError(Exception):
    """A refused use case; ``str(error)`` is what the user is shown."""

    def __init__(self, message, field: str | None = None, **params):
        self.message = message
        self.field = field
        self.params = params
        super().__init__(str(self))

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class InvalidInput(PolicyOpsError):
    pass


class NotAllowed(PolicyOpsError):
    pass


class Conflict(PolicyOpsError):
    pass


class IllegalTransition(Conflict):
    pass


class ConditionFailed(Conflict):
    pass


class StaleObject(Conflict):
    pass


TRANSITION_NOT_ALLOWED = _("You are not allowed to do this on this item.")
TRANSITION_ILLEGAL = _("“%(action)s” is not possible while the item is “%(state)s”.")
TRANSITION_CONDITION_FAILED = _("This action cannot be taken yet: %(what)s")
STALE_OBJECT = _("Someone else changed this item at the same time. Reload the page and try again.")
