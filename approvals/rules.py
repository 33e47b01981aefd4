"""The legal rules of delegated approvals, each in one place with its source.

Time limits are counted in working days by policyops.calendar (Art. 82).
"""
import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

from policyops.calendar import add_working_days
from policyops.formatting import as_typed

# Decree 第264号 (002:7): the delegation is in force from 2018-10-08.
DECREE_IN_FORCE = dt.date(2018, 10, 8)
# 行政许可法 Art. 42: decide within 20 working days of acceptance.
LEGAL_DECISION_DAYS = 20  # pragma: no mutate (read once, as DelegatedPower's default; a test pins it)
# 行政许可法 Art. 42: the head of the authority may extend once by 10 working days.
EXTENSION_DAYS = 10
# 行政许可法 Art. 32(4): one complete correction notice within 5 working days of receipt,
# otherwise the application counts as accepted on the day it was received.
CORRECTION_NOTICE_DAYS = 5
# 行政许可法 Art. 44: issue and deliver the licence within 10 working days of approval.
LICENCE_ISSUE_DAYS = 10
# 行政许可法 Art. 43: a preliminary review is finished and forwarded within 20 working days.
PRELIMINARY_REVIEW_DAYS = 20
# "Due soon" everywhere: at most this many working days left.
DUE_SOON_DAYS = 3
# The decree whose publication starts the 30 days for signing (002:35).
DECREE_NUMBER = "青岛市人民政府令第264号"
# Decree 第264号 (002:35): agencies sign the entrustment and grant the seal within 30 days of publication.
ENTRUSTMENT_SIGNING_CALENDAR_DAYS = 30


def correction_notice_due(received_on: dt.date) -> dt.date:
    """Art. 32(4): the last day for the one complete correction notice."""
    return add_working_days(received_on, CORRECTION_NOTICE_DAYS)


def is_deemed_accepted(*, received_on: dt.date, correction_requested: bool, as_of: dt.date) -> bool:
    """Art. 32(4) 逾期不告知的，自收到申请材料之日起即为受理: no correction notice within the
    5 working days, so the application counts as accepted on its receipt date."""
    return not correction_requested and as_of > correction_notice_due(received_on)


def entrustment_signing_deadline(decree_published_on: dt.date) -> dt.date:
    """Last day to sign the entrustment and grant the seal (calendar days: "发布后30日内")."""
    return decree_published_on + dt.timedelta(days=ENTRUSTMENT_SIGNING_CALENDAR_DAYS)


def legal_budget_days(legal_limit_days: int, *, preliminary_review: bool, extended: bool) -> int:
    """Working days from acceptance to the decision, or for a 初审 power to forwarding.

    Art. 43: the preliminary review is forwarded within 20 working days (no Art. 42
    extension: the deciding authority's own limit runs after it). Art. 42: +10 once.
    """
    if preliminary_review:
        return PRELIMINARY_REVIEW_DAYS
    return legal_limit_days + (EXTENSION_DAYS if extended else 0)


def is_preliminary_review(power_name: str) -> bool:
    """Annex items whose name ends in 初审 (#16, #17, #24) are reviewed, then forwarded (Art. 43)."""
    return power_name.endswith("初审")


class ScopeRule:
    """Machine-checkable scope rules derived from the annex's 备注 column (002:52-92)."""

    NONE = ""
    PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL = "private_school"
    NOT_TERTIARY_PRACTITIONER = "not_tertiary_practitioner"
    NOT_TERTIARY_HOSPITAL = "not_tertiary_hospital"


# The remark as the annex writes it → the rule it sets.
SCOPE_RULE_BY_REMARK = {
    "限于民办普通高中、中职学校": ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL,  # #7-#14
    "在三级医疗机构执业的除外": ScopeRule.NOT_TERTIARY_PRACTITIONER,  # #28-#38
    "三级医疗机构除外": ScopeRule.NOT_TERTIARY_HOSPITAL,  # #39-#43
}


def scope_rule_for(remark: str) -> str:
    return SCOPE_RULE_BY_REMARK.get(remark.strip(), ScopeRule.NONE)


class SchoolType:
    PRIVATE_GENERAL_HIGH_SCHOOL = "private_general_high"
    SECONDARY_VOCATIONAL_SCHOOL = "secondary_vocational"
    OTHER = "other"

    CHOICES = [
        (PRIVATE_GENERAL_HIGH_SCHOOL, _("private general high school (民办普通高中)")),
        (SECONDARY_VOCATIONAL_SCHOOL, _("secondary vocational school (中职学校)")),
        (OTHER, _("other school")),
    ]


class HospitalGrade:
    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    UNGRADED = "0"

    CHOICES = [
        (PRIMARY, _("grade 1 (一级)")),
        (SECONDARY, _("grade 2 (二级)")),
        (TERTIARY, _("grade 3 (三级)")),
        (UNGRADED, _("not graded")),
    ]


OUTSIDE_PINGDU = _("The matter is outside Pingdu's administrative area.")
# Decree 第264号 (002:31): 不含跨区域项目审批管理权限 — a project crossing Pingdu's border is not delegated.
CROSS_REGIONAL_PROJECT = _("Approval of a project that crosses Pingdu's border is not delegated to Pingdu "
                           "(不含跨区域项目审批管理权限).")
NOT_A_PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL = _(
    "This power is limited to private general high schools and secondary vocational schools "
    "(限于民办普通高中、中职学校).")
TERTIARY_PRACTITIONER = _(
    "Practitioners in tertiary (三级) medical institutions are excluded (在三级医疗机构执业的除外).")
TERTIARY_HOSPITAL = _("Tertiary (三级) medical institutions are excluded (三级医疗机构除外).")
HOSPITAL_GRADE_MISSING = _("The grade of the medical institution must be given.")
SCHOOL_TYPE_MISSING = _("The type of school must be given.")


def scope_violations(rule: str, *, school_type: str, hospital_grade: str, inside_pingdu: bool,
                     cross_regional: bool = False) -> list:
    """Why an application is outside what Pingdu may accept; empty when it is inside.

    Only inside Pingdu's own territory, and no cross-regional project (decree, 002:31).
    """
    problems = []
    if not inside_pingdu:
        problems.append(OUTSIDE_PINGDU)
    if cross_regional:
        problems.append(CROSS_REGIONAL_PROJECT)
    if rule == ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL:
        if not school_type:
            problems.append(SCHOOL_TYPE_MISSING)
        elif school_type not in (SchoolType.PRIVATE_GENERAL_HIGH_SCHOOL, SchoolType.SECONDARY_VOCATIONAL_SCHOOL):
            problems.append(NOT_A_PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL)
    if rule in (ScopeRule.NOT_TERTIARY_PRACTITIONER, ScopeRule.NOT_TERTIARY_HOSPITAL):
        if not hospital_grade:
            problems.append(HOSPITAL_GRADE_MISSING)
        elif hospital_grade == HospitalGrade.TERTIARY:
            problems.append(TERTIARY_PRACTITIONER if rule == ScopeRule.NOT_TERTIARY_PRACTITIONER
                            else TERTIARY_HOSPITAL)
    return problems


# 行政复议法 Art. 20 (60 days) and 行政诉讼法 Art. 46 (6 months): the remedies a denial names.
REMEDIES_TEXT = _("If the applicant disagrees with this decision, they may apply for administrative "
                  "reconsideration (行政复议) within 60 days of receiving it, or bring an administrative "
                  "lawsuit (行政诉讼) before a people's court within 6 months.")


class PauseGround:
    """Art. 45: procedures not counted in the time limit."""

    CHOICES = [
        ("hearing", _("hearing (听证)")),
        ("tendering", _("tendering (招标)")),
        ("auction", _("auction (拍卖)")),
        ("testing", _("testing, inspection or quarantine (检验、检测、检疫)")),
        ("appraisal", _("appraisal (鉴定)")),
        ("expert_review", _("expert review (专家评审)")),
    ]


class Alert:
    """How a case's row is coloured by its clock (home panels)."""

    RED = "red"
    YELLOW = "yellow"
    NONE = ""


# Issue 11 (clerk workspace): warn once 90 % of the promised time is used or at most 3 working days are left.
ALERT_SHARE_USED = 0.9


def time_used_alert(*, overdue: bool, days_left: int | None, budget_days: int | None) -> str:
    """Red when overdue; yellow once ALERT_SHARE_USED of the budget is used or DUE_SOON_DAYS or fewer are left."""
    if overdue:
        return Alert.RED
    if days_left is None:
        return Alert.NONE  # no running deadline: the clock is stopped
    if days_left <= DUE_SOON_DAYS:
        return Alert.YELLOW
    if budget_days and budget_days - days_left >= ALERT_SHARE_USED * budget_days:
        return Alert.YELLOW
    return Alert.NONE


# --- case numbers ---------------------------------------------------------------------------

CASE_NUMBER_PREFIX = "PD"  # 平度: the only district the 49 powers are entrusted to
CASE_SERIAL_DIGITS = 6
# A whole case number: the prefix, the year of receipt and the year's serial in six digits.
WHOLE_CASE_NUMBER = re.compile(rf"{CASE_NUMBER_PREFIX}-\d{{4}}-\d{{{CASE_SERIAL_DIGITS}}}", re.IGNORECASE)


def case_number_as_typed(text: str) -> str:
    """A case number as someone typed it, read as it is written: full-width letters, digits and
    dashes (a Chinese input method's ＰＤ－２０２６) as ASCII (NFKC), lower case as upper, trimmed."""
    return as_typed(text).upper()


def case_number(year: int, serial: int) -> str:
    """The number a case is registered under (services.case_register), e.g. PD-2024-000123."""
    return f"{CASE_NUMBER_PREFIX}-{year}-{serial:0{CASE_SERIAL_DIGITS}d}"


def case_number_serial(text: str) -> str | None:
    """The serial of a whole case number (PD-2024-000123 → 000123), else None: the part of it
    that few texts hold — its prefix and year every number of the year shares — registered with
    policyops.search_indexes for the audit trail's search (issue 12)."""
    return text[-CASE_SERIAL_DIGITS:] if WHOLE_CASE_NUMBER.fullmatch(text) else None


# What a case number is written with (case_number): a search term with any other character is
# not part of one, and the search then reads only the applicants (selectors.case_search).
CASE_NUMBER_CHARACTERS = frozenset(f"{CASE_NUMBER_PREFIX}-0123456789")
# case_number's layout, a character a place ("#" a digit); a serial past six digits goes on in digits.
_CASE_NUMBER_LAYOUT = f"{CASE_NUMBER_PREFIX}-####-" + "#" * CASE_SERIAL_DIGITS
_CASE_NUMBER_FIXED_START = f"{CASE_NUMBER_PREFIX}-"  # what every number begins with
# Where the year of receipt sits in a number (PD-2019-000123[3:7]); the constraint
# case_number_holds_year_of_receipt reads it there too.
CASE_NUMBER_YEAR = slice(len(_CASE_NUMBER_FIXED_START), len(_CASE_NUMBER_FIXED_START) + 4)


def _fits_layout_at(text: str, place: int) -> bool:
    for offset, char in enumerate(text, start=place):
        expected = _CASE_NUMBER_LAYOUT[offset] if offset < len(_CASE_NUMBER_LAYOUT) else "#"
        if not (char.isdigit() if expected == "#" else char == expected):
            return False
    return True


def _places_in_case_number(text: str) -> list[int]:
    """Where in a number ``text`` (upper case) may sit."""
    if not text or not set(text) <= CASE_NUMBER_CHARACTERS:
        return []
    return [place for place in range(len(_CASE_NUMBER_LAYOUT)) if _fits_layout_at(text, place)]


def may_be_in_case_number(text: str) -> bool:
    """Whether a number of case_number's layout can contain ``text`` (``PD-2024``, ``0123``; not
    ``P-``, ``--`` or ``PD 2024``)."""
    return bool(_places_in_case_number(text.upper()))


def case_number_start(text: str) -> str | None:
    """The start that every case number containing ``text`` has, when the layout leaves ``text``
    one place only, inside or just after the fixed "PD-" (``2025-01`` -> ``PD-2025-01``: a dash
    sits after the prefix or the year only). Else None: digits alone fit many places.

    "Contains" is then "starts with", which the number's own B-tree answers by a range (issue 12).
    """
    text = text.upper()
    places = _places_in_case_number(text)
    if len(places) != 1 or places[0] > len(_CASE_NUMBER_FIXED_START):
        return None
    return _CASE_NUMBER_FIXED_START[:places[0]] + text


def case_number_year(start: str) -> int | None:
    """The year of receipt of every number beginning with ``start`` (case_number writes it after
    the prefix: ``PD-2019`` and ``PD-2019-01`` -> 2019), or None while the year is open (``PD-20``)."""
    if len(start) < CASE_NUMBER_YEAR.stop or not start.startswith(_CASE_NUMBER_FIXED_START):
        return None
    return int(start[CASE_NUMBER_YEAR])


def case_numbers_starting_with(start: str) -> int | None:
    """How many numbers the layout allows that begin with ``start``, a year's at most; None while
    the year is open (``PD-20``). ``PD-2025-01`` -> 10,000: no more cases than that match it."""
    year_ends = CASE_NUMBER_YEAR.stop  # "PD-" and the year
    if len(start) < year_ends:
        return None
    return 10 ** max(0, len(_CASE_NUMBER_LAYOUT) - max(len(start), year_ends + 1))
