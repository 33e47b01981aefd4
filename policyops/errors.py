"""Errors that services raise, with messages the user reads (translated)."""
from django.utils.translation import gettext_lazy as _


class PolicyOpsError(Exception):
    """A refused use case; ``message`` is what the user is shown."""

    def __init__(self, message, **params):
        self.message = message
        self.params = params
        super().__init__(str(message) % params if params else str(message))

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class NotAllowed(PolicyOpsError):
    pass


class InvalidInput(PolicyOpsError):
    pass


TRANSITION_NOT_ALLOWED = _("This action is not allowed for you on this item in its current state.")
TRANSITION_CONDITION_FAILED = _("This action cannot be taken yet: %(what)s")
STALE_OBJECT = _("Someone else changed this item at the same time. Reload the page and try again.")
