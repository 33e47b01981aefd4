"""The workflow kernel: what may happen to an object now, and running it.

Every face (admin buttons, pages, API, bulk actions, sweeps) asks ``available_actions``
and runs an action through ``perform``; none keeps its own list, so two faces cannot
disagree. Each app declares its actions once (``<app>/actions.py``) and registers them in
its AppConfig.ready; policyops imports no app.

How a transition is described:
- its **permission** and **conditions** are on the model's ``@transition`` (django-fsm-2);
- each condition carries its message, declared beside it with ``@condition(...)``; a
  *structural* condition (the kind of power, say) never changes for an object, so an
  action it blocks is not offered at all;
- the **action** names the service that runs the use case, its label, its input form
  (pages, admin) and serializer (API), and the conditions its input *supplies* (a reason,
  a licence number): those count as met when listing, because the form asks for them.

The date (or moment) an action is taken on is an argument, ``as_of``. Conditions read it
with ``acting_as_of()``; it is set for the duration of a check or a run, never stored on
the instance and never read from the wall clock.
"""
from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from policyops import audit, history
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
from policyops.fsm import state_fields_of

# --- the acting date ------------------------------------------------------------------

_as_of: contextvars.ContextVar = contextvars.ContextVar("policyops_as_of")
_memo: contextvars.ContextVar = contextvars.ContextVar("policyops_step_memo")


@contextmanager
def acting_on(as_of):
    """Conditions evaluated inside this block act on ``as_of``.

    The outermost block also opens a memo for ``memoized``: within one step, the same
    question about the same day (is the seal issued?) is asked of the database once.
    """
    token = _as_of.set(as_of)
    memo_token = _memo.set({}) if _memo.get(None) is None else None
    try:
        yield as_of
    finally:
        if memo_token is not None:
            _memo.reset(memo_token)
        _as_of.reset(token)


def memoized(key, compute):
    """``compute()``, remembered for the rest of the current step (not outside one)."""
    memo = _memo.get(None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remembered(key) -> bool:
    """Whether ``memoized`` already holds an answer for ``key`` in the current step."""
    memo = _memo.get(None)
    return memo is not None and key in memo


def acting_as_of():
    """The date (or moment) the current check or run acts on; never the wall clock."""
    try:
        return _as_of.get()
    except LookupError:
        raise RuntimeError("A transition condition was evaluated outside policyops.workflow.acting_on().") from None


# --- conditions -------------------------------------------------------------------------


def condition(message, *, structural: bool = False):
    """Declare a transition condition's message (what is missing, in the user's words).

    ``structural``: the condition depends only on what never changes for the object; an
    action it blocks is left out of the list rather than shown as blocked.
    """

    def mark(func):
        func.message = message
        func.structural = structural
        return func

    return mark


def condition_message(func) -> str:
    return str(getattr(func, "message", func.__name__))


# --- actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One step a user can take on an object: a transition and the use case that runs it.

    ``service(**{target: obj}, acting_user=..., as_of=..., **inputs)`` runs it.
    ``form(data=None, obj=...)`` collects the inputs on pages and in the admin and gives
    them by ``service_kwargs()``; ``serializer`` validates the API's request body.
    ``transition`` is the model's transition method when its name differs from ``name``;
    ``None`` for an action that is no transition (it then declares ``permission``).
    """

    name: str
    label: object
    service: Callable
    target: str = "obj"
    form: type | None = None
    serializer: type | None = None
    supplies: tuple = ()
    transition: str | None = ""
    permission: Callable | None = None
    takes_as_of: bool = True

    @property
    def method_name(self) -> str | None:
        return self.name if self.transition == "" else self.transition

    @property
    def title(self) -> str:
        """The label without the button's "…" (which says a form follows): for titles and messages."""
        return str(self.label).rstrip("…")

    @property
    def supplied(self) -> frozenset[str]:
        return frozenset(getattr(c, "__name__", c) for c in self.supplies)

    def perform(self, obj, *, acting_user, as_of, **inputs):
        kwargs = {self.target: obj, "acting_user": acting_user, **inputs}
        if self.takes_as_of:
            kwargs["as_of"] = as_of
        return self.service(**kwargs)


@dataclass(frozen=True)
class Availability:
    """An action the user may take now (``ready``) or could take once ``reasons`` are met."""

    action: Action
    ready: bool
    reasons: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def label(self) -> str:
        return str(self.action.label)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


@dataclass
class Workflow:
    model: type
    actions: dict[str, Action] = field(default_factory=dict)


_registry: dict[type, Workflow] = {}


def register(model, actions: Iterable[Action]) -> None:
    """Declare the actions of ``model``, in the order faces show them (the workflow's)."""
    workflow = Workflow(model, {a.name: a for a in actions})
    for action in workflow.actions.values():
        if action.method_name and not hasattr(getattr(model, action.method_name, None), "_django_fsm"):
            raise TypeError(f"{model.__name__}.{action.method_name} is not a transition")
        # Every face builds the form as form(data, **{target: obj}): refuse one that cannot take it.
        if action.form is not None and action.target not in inspect.signature(action.form.__init__).parameters:
            raise TypeError(f"{action.form.__name__} must accept the keyword {action.target!r} "
                            f"(the object of the action {model.__name__}.{action.name}).")
    _registry[model] = workflow


def workflow_for(model_or_obj) -> Workflow:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"No actions are registered for {model.__name__}.") from None


def get_action(model_or_obj, name: str) -> Action | None:
    return workflow_for(model_or_obj).actions.get(name)


# --- what may happen now -----------------------------------------------------------------


def state_field_name(model_or_obj) -> str:
    """The name of the model's django-fsm state field (``state`` by convention)."""
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return _state_field(model).name


def state_field_attname(model) -> str:
    return _state_field(model).attname


@functools.cache
def _state_field(model):
    fields = state_fields_of(model)
    if not fields:
        raise LookupError(f"{model.__name__} has no state field.")
    return fields[0]


def state_label(obj) -> str:
    """The object's state as the user reads it."""
    name = state_field_name(obj)
    display = getattr(obj, f"get_{name}_display", None)
    return str(display()) if display else str(getattr(obj, name))


@functools.cache
def legal_transition(model, method_name: str, state):
    """The django-fsm transition ``method_name`` takes from ``state``, or None when the state
    allows none: what ``can_proceed(..., check_conditions=False)`` decides, looked up once per
    state (the transitions are declared on the class). A list row asks it of every action."""
    meta = getattr(model, method_name)._django_fsm
    return meta.get_transition(state) if meta.has_transition(state) else None


def _transition_now(obj, method_name: str):
    """``legal_transition`` from the state ``obj`` is in."""
    model = type(obj)
    return legal_transition(model, method_name, getattr(obj, state_field_attname(model)))


def _assess(obj, action: Action, user) -> tuple[str, tuple]:
    """('illegal' | 'forbidden' | 'hidden' | 'blocked' | 'ready', unmet conditions)."""
    if action.method_name is None:
        allowed = action.permission is None or action.permission(obj, user)
        return ("ready" if allowed else "forbidden"), ()
    transition = _transition_now(obj, action.method_name)
    if transition is None:
        return "illegal", ()
    if not transition.has_perm(obj, user):
        return "forbidden", ()
    unmet = tuple(c for c in transition.conditions if not c(obj))
    if any(getattr(c, "structural", False) for c in unmet):
        return "hidden", unmet
    return ("blocked" if unmet else "ready"), unmet


def available_actions(obj, user, *, as_of) -> list[Availability]:
    """The actions ``user`` may take on ``obj`` from its state, on ``as_of``.

    Each is ready, or blocked with the reasons (conditions the action's input does not
    supply). Actions the state does not allow, the user may not take, or a structural
    condition rules out are left out.
    """
    result = []
    with acting_on(as_of):
        for action in workflow_for(obj).actions.values():
            verdict, unmet = _assess(obj, action, user)
            if verdict in ("illegal", "forbidden", "hidden"):
                continue
            missing = tuple(condition_message(c) for c in unmet if c.__name__ not in action.supplied)
            result.append(Availability(action, not missing, missing))
    return result


def ready_action_names(obj, user, *, as_of) -> list[str]:
    return [a.name for a in available_actions(obj, user, as_of=as_of) if a.ready]


def action_title(obj, method_name: str) -> str:
    """What the user calls the step that runs transition ``method_name`` (its action's title)."""
    try:
        actions = workflow_for(obj).actions.values()
    except LookupError:
        return method_name
    return next((a.title for a in actions if a.method_name == method_name), method_name)


def _illegal(obj, method_name: str) -> IllegalTransition:
    return IllegalTransition(TRANSITION_ILLEGAL, action=action_title(obj, method_name), state=state_label(obj))


def _check_legal_and_permitted(obj, method_name: str, acting_user) -> None:
    transition = _transition_now(obj, method_name)
    if transition is None:
        raise _illegal(obj, method_name)
    if not transition.has_perm(obj, acting_user):
        raise NotAllowed(TRANSITION_NOT_ALLOWED)


def _condition_failure(obj, method_name: str) -> ConditionFailed | None:
    transition = _transition_now(obj, method_name)
    unmet = [c for c in transition.conditions if not c(obj)] if transition is not None else []
    if not unmet:
        return None
    return ConditionFailed(TRANSITION_CONDITION_FAILED, what="；".join(condition_message(c) for c in unmet))


def run_transition(obj, method_name: str, *, acting_user, as_of, reason: str = "", at=None,
                   before_save: Callable | None = None, update_fields=None, audit_action: str | None = None):
    """Check and run ``obj.<method_name>()``, save the row once, and write one audit row.

    ``before_save(obj)`` sets what the step derives from the new state (a clock) so that
    the row is written once, with one history row; ``update_fields`` names the columns the
    step writes (a column another service changed meanwhile is not written back). Runs
    inside the caller's transaction (atomic, without a savepoint of its own);
    ConcurrentTransitionMixin refuses a stale state (StaleObject). django-fsm evaluates the
    conditions as it runs the transition; only when it refuses are they evaluated again, to
    say which ones failed.
    """
    method = getattr(obj, method_name)
    field_name = method._django_fsm.field.name
    from_state = getattr(obj, field_name)
    with transaction.atomic(savepoint=False), acting_on(as_of):
        _check_legal_and_permitted(obj, method_name, acting_user)
        try:
            method()
        except TransitionNotAllowed:
            raise _condition_failure(obj, method_name) or _illegal(obj, method_name) from None
        if before_save is not None:
            before_save(obj)
        try:
            with history.recorded_by(acting_user):  # the history row names the actor, as the audit row does
                obj.save(update_fields=update_fields)
        except ConcurrentTransition as exc:
            raise StaleObject(STALE_OBJECT) from exc
        audit.record(obj=obj, action=audit_action or method_name, actor=acting_user, from_state=from_state,
                     to_state=getattr(obj, field_name), reason=reason, at=at)
    return obj


def perform(obj, name: str, *, acting_user, as_of, **inputs):
    """Run action ``name`` on ``obj`` through its service (the one door every face uses)."""
    action = get_action(obj, name)
    if action is None:
        raise IllegalTransition(TRANSITION_ILLEGAL, action=name, state="—")
    return action.perform(obj, acting_user=acting_user, as_of=as_of, **inputs)
