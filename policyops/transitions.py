"""Running a django-fsm transition the same way in every service.

Checks, in this order: the transition exists from the current state (else
IllegalTransition), the user's permission (else NotAllowed), its conditions (else
ConditionFailed naming each unmet one). Then saves — ConcurrentTransitionMixin refuses
a stale state (StaleObject) — and writes the audit row, inside the caller's transaction.
"""
from django.db import transaction
from django_fsm import ConcurrentTransition

from policyops import audit
from policyops.errors import (
    STALE_OBJECT,
    TRANSITION_CONDITION_FAILED,
    TRANSITION_ILLEGAL,
    TRANSITION_NOT_ALLOWED,
    ConditionFailed,
    IllegalTransition,
    NotAllowed,
    StaleObject,
)


def state_label(obj, field_name: str) -> str:
    display = getattr(obj, f"get_{field_name}_display", None)
    return str(display()) if display else str(getattr(obj, field_name))


def check_available(obj, method_name: str, *, acting_user) -> None:
    """Raise unless ``method_name`` exists from the current state and the user may run it."""
    meta = getattr(obj, method_name)._django_fsm
    state = meta.field.get_state(obj)
    if not meta.has_transition(state):
        raise IllegalTransition(TRANSITION_ILLEGAL, action=method_name, state=state_label(obj, meta.field.name))
    if not meta.has_transition_perm(obj, state, acting_user):
        raise NotAllowed(TRANSITION_NOT_ALLOWED)


def check_transition(obj, method_name: str, *, acting_user, condition_messages=None) -> None:
    """Raise the error that says why ``method_name`` cannot run now; return if it can."""
    check_available(obj, method_name, acting_user=acting_user)
    meta = getattr(obj, method_name)._django_fsm
    state = meta.field.get_state(obj)
    unmet = [c for c in meta.get_transition(state).conditions if not c(obj)]
    if unmet:
        messages = condition_messages or {}
        what = "；".join(str(messages.get(c.__name__, c.__name__)) for c in unmet)
        raise ConditionFailed(TRANSITION_CONDITION_FAILED, what=what)


def run_transition(obj, method_name: str, *, acting_user, reason: str = "", condition_messages=None, at=None,
                   **kwargs):
    """Run ``obj.<method_name>(**kwargs)`` for ``acting_user``, save, and audit it."""
    check_transition(obj, method_name, acting_user=acting_user, condition_messages=condition_messages)
    method = getattr(obj, method_name)
    field_name = method._django_fsm.field.name
    from_state = getattr(obj, field_name)
    with transaction.atomic():
        method(**kwargs)
        try:
            obj.save()
        except ConcurrentTransition as exc:
            raise StaleObject(STALE_OBJECT) from exc
        audit.record(obj=obj, action=method_name, actor=acting_user, from_state=from_state,
                     to_state=getattr(obj, field_name), reason=reason, at=at)
    return obj
