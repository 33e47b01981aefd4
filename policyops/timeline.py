"""An object's audit trail as people read it (issue 11 #5): local time, names and labels.

The audit rows keep codes (``pause``, ``under_review``, UTC times) so that they never
depend on the language. Every face that shows them (the case page, the admin's audit
tables) turns them into rows here: the time in the project's zone (Asia/Shanghai), the
actor's name, the action's label from the workflow registry (or, for steps that are no
transition, from ``ACTION_LABELS``), the states' labels from the model's choices, and the
reason (a coded reason, such as a pause's legal ground, through ``register_reason_labels``).

policyops imports no app: apps register what only they know.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from policyops import workflow
from policyops.audit import entries_for
from policyops.fsm import state_fields_of
from policyops.masking import PERSONAL_DATA_VIEWED
from policyops.scoping import person_of

# Audit actions that are no workflow transition, by the code their service writes.
ACTION_LABELS = {
    "register": _("Registered"),
    "assign": _("Handler assigned"),
    "claim": _("Claimed"),
    "release": _("Released"),
    "set_follow_up": _("Follow-up date set"),
    "first_contact": _("First-contact person changed"),
    "recover_seal": _("Seal recovered"),
    "create": _("Created"),
    "import_add": _("Added by import"),
    "import_update": _("Updated by import"),
    "import_delete": _("Deleted by import"),
    "report_progress": _("Progress reported"),
    "request": _("Requested"),
    "generate_rota": _("Rota generated"),
    "move": _("Moved"),
    "save_work_record": _("Work record saved"),
    "renew_code_secret": _("Sign-in code secret renewed"),
    "answer": _("Answered"),
    "send_password_reset_link": _("Password link sent"),
    "import_official_calendar": _("Official calendar imported"),
    "sign_in": _("Sign in"),
    "mark_missed": _("Marked missed"),  # the window sweep's step on a shift nobody covered
    "sign_out": _("Sign out"),
    # Written by policyops.audit outside the services: admin edits, the calendar, seed loads.
    "admin_add": _("Added in the admin"),
    "admin_change": _("Changed in the admin"),
    "admin_delete": _("Deleted in the admin"),
    "calendar_change": _("Calendar changed"),
    "plain_text": _("Invisible characters removed"),  # manage.py plain_text --apply
    # The periodic tasks' admin (policyops.admin_beat).
    "enable": _("Task enabled"),
    "disable": _("Task disabled"),
    "run_now": _("Task run now"),
    "run_now_failed": _("Task run now, failed"),
    "load_seeds": _("Seed files loaded"),
    "prune_login_logs": _("Login logs past their keeping deleted"),  # policyops.login_logs
    PERSONAL_DATA_VIEWED: _("Personal data viewed"),
}
# Reads, not steps: kept in the audit trail (the admin's 审计记录), left out of an object's history.
READS = (PERSONAL_DATA_VIEWED,)

# (model, action) -> {reason code: label}: reasons that are codes, e.g. a pause's legal ground.
_reason_labels: dict[tuple[type, str], dict] = {}


def register_reason_labels(model, action: str, labels: dict) -> None:
    _reason_labels[(model, action)] = dict(labels)


def _model(model_or_obj):
    return model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)


# The labels below depend only on what the apps declared when they loaded and on the
# language: each is worked out once per (model, code, language), not once per row of a
# trail (the audit list shows 100 rows of three labels each).


def action_label(model_or_obj, code: str) -> str:
    """The label of audit action ``code`` on ``model_or_obj``: the workflow's, else ACTION_LABELS, else the code."""
    return _action_label(_model(model_or_obj), code, get_language())


@functools.cache
def _action_label(model, code: str, language) -> str:
    try:
        actions = workflow.workflow_for(model).actions.values()
    except LookupError:
        actions = ()
    for action in actions:
        if code in (action.name, action.method_name):
            return str(action.title)
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def known_actions() -> list[tuple[str, str]]:
    """Every audit action code that services write, with its label (an action of several models,
    such as 受理 and 通过工程验收 for ``accept``, with each of theirs): every django-fsm transition
    of every model, and ACTION_LABELS. The audit list filters on these without reading the table."""
    return _known_actions(get_language())


@functools.cache
def _known_actions(language) -> list[tuple[str, str]]:
    labels: dict[str, set] = {code: {str(label)} for code, label in ACTION_LABELS.items()}
    for model in apps.get_models():
        for field in state_fields_of(model):
            for transition in field.get_all_transitions(model):
                labels.setdefault(transition.name, set()).add(action_label(model, transition.name))
    return sorted(((code, " / ".join(sorted(names))) for code, names in labels.items()), key=lambda item: item[1])


def state_label(model_or_obj, value: str) -> str:
    """The label of state ``value`` from the model's state-field choices; the value itself otherwise."""
    return _state_label(_model(model_or_obj), value, get_language()) if value else ""


@functools.cache
def _state_label(model, value: str, language) -> str:
    try:
        field = model._meta.get_field(workflow.state_field_name(model))
    except LookupError:
        return value
    return str(dict(field.flatchoices).get(value, value))


def reason_label(model_or_obj, code: str, reason: str) -> str:
    return str(_reason_labels.get((_model(model_or_obj), code), {}).get(reason, reason))


def local_time(at: dt.datetime) -> dt.datetime:
    """``at`` in the project's time zone (settings.TIME_ZONE), whatever zone is active."""
    return timezone.localtime(at, timezone.get_default_timezone())


def actor_name(user) -> str:
    if user is None:
        return str(_("system"))
    person = person_of(user)
    return (person.name if person is not None else "") or user.get_full_name() or user.username


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime  # local time
    actor: str
    action: str
    code: str
    from_state: str
    to_state: str
    reason: str

    @property
    def when(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"

    @property
    def change(self) -> str:
        if self.from_state and self.to_state and self.from_state != self.to_state:
            return f"{self.from_state} → {self.to_state}"
        return self.to_state or self.from_state


def row_for(entry, model=None) -> TimelineRow:
    """One audit entry as read; ``model`` defaults to the entry's content type's model."""
    model = model or entry.content_type.model_class()
    if model is None:  # the model is gone: show the codes
        return TimelineRow(local_time(entry.at), actor_name(entry.actor), entry.action, entry.action,
                           entry.from_state, entry.to_state, entry.reason)
    return TimelineRow(
        at=local_time(entry.at), actor=actor_name(entry.actor), action=action_label(model, entry.action),
        code=entry.action, from_state=state_label(model, entry.from_state),
        to_state=state_label(model, entry.to_state), reason=reason_label(model, entry.action, entry.reason))


def timeline(obj) -> list[TimelineRow]:
    """Every audit entry of ``obj``, oldest first, as read."""
    if obj.pk is None:
        return []
    model = type(obj)
    entries = entries_for(obj).exclude(action__in=READS).select_related("actor__person").order_by("at", "id")
    return [row_for(e, model) for e in entries]


def timeline_html(obj, css_class: str = "audit-trail"):
    """The timeline as a table with its column headers (the admin's audit displays)."""
    rows = timeline(obj)
    if not rows:
        return "—"
    head = format_html_join("", "<th>{}</th>", [(h,) for h in (
        _("time"), _("actor"), _("action"), _("state"), _("reason"))])
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            [(r.when, r.actor, r.action, r.change, r.reason) for r in rows])
    return format_html('<table class="{}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', css_class, head,
                       body)
