"""Running a django-fsm transition the same way in every service.

Checks the transition's permission and conditions and names the failed condition in
the error, saves (ConcurrentTransitionMixin refuses a stale state), writes the audit
row — all inside the caller's transaction.
"""
from django.db import transaction
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from policyops import audit
from policyops.errors import STALE_OBJECT, TRANSITION_CONDITION_FAILED, TRANSITION_NOT_ALLOWED, NotAllowed


def _unmet_conditions(bound_method):
    meta = bound_method._django_fsm
    instance = bound_method.__self__
    state = meta.field.get_state(instance)
    t = meta.get_transition(state)
    if t is None:
        return []
    return [c for c in t.conditions if not c(instance)]


def run_transition(obj, method_name: str, *, acting_user, reason: str = "", condition_messages=None, at=None,
                   **kwargs):
    """Run ``obj.<method_name>(**kwargs)`` for ``acting_user``, save, and audit it."""
    method = getattr(obj, method_name)
    field_name = method._django_fsm.field.name if hasattr(method._django_fsm.field, "name") else method._django_fsm.field
    from_state = getattr(obj, field_name)
    if not has_transition_perm(method, acting_user):
        unmet = _unmet_conditions(method)
        if unmet and can_proceed(method, check_conditions=False):
            messages = condition_messages or {}
            what = "；".join(str(messages.get(c.__name__, c.__name__)) for c in unmet)
            raise NotAllowed(TRANSITION_CONDITION_FAILED, what=what)
        raise NotAllowed(TRANSITION_NOT_ALLOWED)
    with transaction.atomic():
        method(**kwargs)
        try:
            obj.save()
        except ConcurrentTransition as exc:
            raise NotAllowed(STALE_OBJECT) from exc
        audit.record(obj=obj, action=method_name, actor=acting_user, from_state=from_state,
                     to_state=getattr(obj, field_name), reason=reason, at=at)
    return obj
