"""Permissions and conditions of the hall-duty transitions and steps.

Conditions are pure: they read the shift and the moment the step is taken at
(``acting_as_of()``, an aware datetime that policyops.workflow sets for the check or the
run; never the wall clock, never an attribute on the instance). Each carries the message
that says what is missing, declared beside it.
"""
from django.utils.translation import gettext_lazy as _

from policyops.scoping import may_touch_district
from policyops.workflow import acting_as_of, condition

MANAGE_ROTA = "halls.manage_rota"
FOLLOW_UP_PROBLEMS = "halls.change_problem"

# Permissions (role, district, whose shift).


def may_manage_rota(shift, user) -> bool:
    return bool(user and user.has_perm(MANAGE_ROTA) and may_touch_district(user, shift.hall.district_id))


def is_own_shift(shift, user) -> bool:
    """The rostered director (who files their A/B substitute)."""
    return bool(user and user.is_authenticated and shift.director.person.user_id == user.pk)


def is_on_duty(shift, user) -> bool:
    """The director on duty: the filed substitute after a swap (002:1978), else the rostered director."""
    return bool(user and user.is_authenticated and shift.on_duty_person_user_id == user.pk)


def may_move(shift, user) -> bool:
    """Only a generated, unpublished shift is moved to another day."""
    return shift.state == shift.State.SCHEDULED and may_manage_rota(shift, user)


def may_keep_work_record(shift, user) -> bool:
    """The director on duty keeps the work record of a shift they signed in to."""
    return shift.state in (shift.State.SIGNED_IN, shift.State.SIGNED_OUT) and is_on_duty(shift, user)


def may_follow_up_problem(problem, user) -> bool:
    """The director on duty who found it, or staff of the hall's district (supervisors: every district)."""
    if not (user and user.has_perm(FOLLOW_UP_PROBLEMS)):
        return False
    shift = problem.record.shift
    return is_on_duty(shift, user) or may_touch_district(user, shift.hall.district_id)


# Conditions.


@condition(_("the shift has already started; a substitution must be filed in advance"))
def before_start(shift) -> bool:
    return acting_as_of() < shift.starts_at


@condition(_("choose the substitute (the A/B partner or another leader of the department)"))
def has_substitute(shift) -> bool:
    return shift.substitute_id is not None and shift.substitute_id != shift.director_id


@condition(_("the shift's window has not closed yet"))
def after_window(shift) -> bool:
    return acting_as_of() >= shift.ends_at


@condition(_("it is outside the shift's window"))
def within_window(shift) -> bool:
    return shift.starts_at <= acting_as_of() <= shift.ends_at
