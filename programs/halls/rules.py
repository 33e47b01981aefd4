"""Rules of the "百名局长进审批服务大厅" hall duty (青政办字〔2018〕78号, 002:1944-1981)."""
from django.utils.translation import gettext_lazy as _

# 002:1968 每人每月不少于1天.
MIN_SHIFTS_PER_DIRECTOR_PER_MONTH = 1
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
# Public evaluation: at most this many ratings per client address per window.
EVALUATION_RATE_LIMIT = 5
EVALUATION_RATE_WINDOW_SECONDS = 600
