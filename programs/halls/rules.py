"""Rules of the "百名局长进审批服务大厅" hall duty (青政办字〔2018〕78号, 002:1946–1982)."""
import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# 002:1968 每人每月不少于1天 (served days, see served_a_day).
MIN_SHIFTS_PER_DIRECTOR_PER_MONTH = 1


# 002:1978 原则上不得离岗: a day in the hall is the shift's window less the hall's tolerance.
def minimum_presence(window: dt.timedelta, tolerance_minutes: int) -> dt.timedelta:
    return max(window - dt.timedelta(minutes=tolerance_minutes), dt.timedelta(0))


# 002:1968 每人每月不少于1天 + 002:1978 不得离岗: signed in and out, and present at least the minimum.
def served_a_day(signed_in_at, signed_out_at, minimum: dt.timedelta) -> bool:
    return bool(signed_in_at and signed_out_at and signed_out_at - signed_in_at >= minimum)


# The same rule in SQL, for the reports' aggregates: ``DutyShift.served`` is it for one shift
# (signed out without leaving early; ``left_early`` is served_a_day's verdict, stored at sign-out).
def served_q(shift_lookup: str = "") -> Q:
    from programs.halls.models import DutyShift  # the models import this module

    return Q(**{f"{shift_lookup}state": DutyShift.State.SIGNED_OUT, f"{shift_lookup}left_early": False})


# 002:1978 落实工作AB角制度，协调其他分管同志参加: the stand-in (A/B partner, substitute) is another
# leader of the same department. A person whose department is not recorded has none to share:
# compared as keys, two unknown departments were "the same" and any such director could stand in
# for any other.
def same_department(person, other) -> bool:
    return person.department_id is not None and person.department_id == other.department_id


def same_department_q(person, person_lookup: str = "person") -> Q:
    """``same_department`` as a filter on the rows whose ``person_lookup`` is the other person."""
    if person.department_id is None:
        return Q(pk__in=[])
    return Q(**{f"{person_lookup}__department_id": person.department_id})


# 002:1980 出勤情况: a shift is due once its day has passed as of the report's date (a future one is not).
def due(as_of: dt.date, date_field: str = "date") -> Q:
    return Q(**{f"{date_field}__lt": as_of})


# The hall code changes every minute; a code is accepted in its own minute and the next
# (so a code read at 09:00:59 still works at 09:01:05), and only once per person.
CODE_PERIOD_SECONDS = 60
CODE_GRACE_PERIODS = 1
CODE_DIGITS = 6
# The "好差评" practice: five levels; 不满意 or worse must be followed up.
EVALUATION_LEVELS = [
    (5, _("very satisfied (非常满意)")),
    (4, _("satisfied (满意)")),
    (3, _("basically satisfied (基本满意)")),
    (2, _("dissatisfied (不满意)")),
    (1, _("very dissatisfied (非常不满意)")),
]
FOLLOW_UP_AT_OR_BELOW = 2
SATISFIED_AT_OR_ABOVE = 3  # satisfaction rate: 基本满意 and better
# Public evaluation: one rating per device per shift, a device being a signed token that
# only the rating form hands out (programs/halls/views/public.py). A hall's Wi-Fi puts its
# whole queue behind one address, so no per-address limit may stop the queue:
# - new device tokens per client address per hour: one new phone a minute is more than a
#   hall's queue brings, and a script needs one per rating;
EVALUATION_DEVICES_PER_CLIENT = 60  # pragma: no mutate (a guard's size, ours; its tests read it)
EVALUATION_DEVICES_WINDOW_SECONDS = 3600  # pragma: no mutate (a guard's size, ours; its tests read it)
# - ratings per client address per window: a flood guard above a hall queue's pace;
EVALUATION_RATE_LIMIT = 30  # pragma: no mutate (a guard's size, ours; its tests read it)
EVALUATION_RATE_WINDOW_SECONDS = 600  # pragma: no mutate (a guard's size, ours; its tests read it)
# - ratings of 不满意 or worse per shift (one director, one day), whatever the address:
#   each one opens a supervisor's follow-up; more than ten from distinct phones in one day
#   is a campaign, not a queue, and the ten already put that day under review.
EVALUATION_FOLLOW_UPS_PER_SHIFT = 10  # pragma: no mutate (a guard's size, ours; its tests read it)
