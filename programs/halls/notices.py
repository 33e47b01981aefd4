"""Who is told of what happens to a shift, sent in the transaction of the step that caused it."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from policyops.notifications import notify
from policyops.recipients import role_members
from policyops.roles import Role
from programs.halls import guards


def hall_supervisors(shift) -> list:
    """The supervisors who may object to a filing at this shift's hall (its district, or every district)."""
    return [user for user in role_members(Role.SUPERVISOR) if guards.may_manage_rota(shift, user)]


def substitution_filed(*, shift, now: dt.datetime) -> int:
    """002:1978 提前报…备案: the substitute learns they are on duty; the hall's supervisors see the filing
    (and may object before the shift). A practice filing at a training hall reaches the substitute only."""
    subject = (_("A/B substitution filed: %(substitute)s is on duty for %(director)s on %(date)s at %(hall)s")
               % {"substitute": shift.substitute, "director": shift.director, "date": shift.date, "hall": shift.hall})
    sent = notify(recipients=[shift.substitute.person.user], kind="shift.substitution_filed", obj=shift,
                  due_date=shift.date, subject=subject, url=reverse("halls:my_shifts"), now=now)
    if shift.hall.is_training:
        return sent
    # The shift's admin page carries the objection button.
    return sent + notify(recipients=hall_supervisors(shift), kind="shift.substitution_filed", obj=shift,
                         due_date=shift.date, subject=subject,
                         url=reverse("admin:halls_dutyshift_change", args=[shift.pk]), now=now)
