"""The user steps of hall duty, declared once for every face.

The admin buttons (DutyShiftAdmin, ProblemAdmin), the director's pages (``my_shifts``, the
work record) and bulk actions iterate these lists through policyops.workflow. Signing in
and out is no listed step: it needs the code on the hall's screen and has one face, the
director's phone page (``services.shift_sign``); missing a shift is the window sweep's
step (``services.shifts_close_windows``).

To add a step: write the ``@transition`` (its conditions in guards.py) on the model, the
service, its form, and one line here.
"""
from functools import partial

from django.utils.translation import gettext_lazy as _

from policyops.workflow import Action
from programs.halls import forms as f
from programs.halls import guards as g
from programs.halls import services
from programs.halls.models import DutyShift, Problem


def _at_now(service, **fixed):
    """The kernel gives the acting moment as ``as_of``; hall-duty services call it ``now``."""

    def run(*, as_of, **inputs):
        return service(now=as_of, **fixed, **inputs)

    run.__name__ = getattr(service, "__name__", "run")
    return run


SHIFT_ACTIONS = [
    Action("publish", _("Publish the month's rota"), _at_now(services.shift_publish_month), target="shift"),
    Action("move", _("Move to another day…"), services.shift_move, target="shift", form=f.MoveShiftForm,
           transition=None, permission=g.may_move, takes_as_of=False),
    # The filing form chooses the substitute, so it supplies has_substitute.
    Action("file_substitution", _("File an A/B substitute…"), _at_now(services.shift_file_substitution),
           target="shift", form=f.SubstitutionForm, supplies=(g.has_substitute,)),
    # A filed substitution is in force at once (002:1978 备案); a supervisor may object, with a reason.
    Action("object_to_substitution", _("Object to the A/B substitution…"),
           _at_now(services.shift_object_to_substitution), target="shift", form=f.ObjectionForm),
    Action("record_work", _("Work record"), services.work_record_save, target="shift", form=f.WorkRecordForm,
           transition=None, permission=g.may_keep_work_record, takes_as_of=False),
]


def _problem(name, label):
    return Action(name, label, partial(services.problem_follow_up, action=name), target="problem")


PROBLEM_ACTIONS = [
    _problem("start_rectification", _("Start the rectification")),
    _problem("mark_rectified", _("Mark as rectified")),
    _problem("reopen", _("Reopen the rectification")),
]


def register_all():
    from policyops import workflow

    workflow.register(DutyShift, SHIFT_ACTIONS)
    workflow.register(Problem, PROBLEM_ACTIONS)
