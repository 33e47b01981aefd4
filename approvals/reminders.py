"""Reminder sweeps of delegated approvals (lead times in settings.POLICYOPS_REMINDERS)."""
import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Min, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from approvals.models import ApprovalCase, CaseSuspension, Entrustment
from policyops.calendar import add_working_days, working_days_between
from policyops.notifications import NotificationBatch
from policyops.recipients import role_members, role_members_by_district
from policyops.reminders import lead_horizon, lead_threshold
from policyops.roles import Role

# Cases read per round trip; the messages of a chunk are inserted before the next is read.
CHUNK_SIZE = 2000  # pragma: no mutate (a size tunes memory and round trips; any gives the same messages)
# Case numbers named in an overdue digest (the list page has them all).
DIGEST_NUMBERS = 10

# What the per-case reminders read of a case: its dates, its texts and its responsible user.
_CASE_COLUMNS = ("number", "applicant_name", "state", "received_on", "correction_due_on", "promised_due_on",
                 "legal_due_on", "licence_due_on", "power__name", "handler__user__is_active",
                 "handler__user__email", "first_contact__user__is_active", "first_contact__user__email")
_CASE_RELATED = ("power", "handler__user", "first_contact__user")


def _responsible(case):
    """The handler (承办人), else the first-contact person (首问责任人, never empty); nobody if that
    person has no login."""
    person = case.handler or case.first_contact
    return [person.user] if person.user_id else []


def _url(case):
    return reverse("admin:approvals_approvalcase_change", args=[case.pk])


def _received_by(today: dt.date, days: int) -> dt.date:
    """The last receipt date from which ``today`` is working day ``days`` or later.

    working_days_between(received_on, today) >= days holds exactly for the dates up to it (the
    count only shrinks as received_on grows), so the rule's window is one SQL comparison.
    """
    # A date that qualifies is on or before the answer; today - days is the nearest candidate
    # (N working days take N calendar days at least). The pragmas: any start early enough gives
    # the same answer, so these lines only choose where the search begins (tests cannot tell).
    start = today - dt.timedelta(days=days)  # pragma: no mutate
    while working_days_between(start, today) < days:  # pragma: no mutate
        start -= dt.timedelta(days=max(days, 7))  # pragma: no mutate
    # After ``start``, the first day from which today is one working day short is a working day;
    # the answer is the day before it.
    return add_working_days(start, working_days_between(start, today) - days + 1) - dt.timedelta(days=1)


def _in_chunks(queryset):
    rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        yield chunk


def _cases_a_reminder_may_be_due_for(today: dt.date, lead: dict):
    """The open cases one of the rules in ``_remind`` can fire for on ``today``, and no others.

    Each window is what its rule accepts, computed once from the calendar: the rule itself
    still decides per case (``_remind``), so the SQL only spares reading the other cases.
    """
    S = ApprovalCase.State
    could_be_due = Q(state=S.SUBMITTED, correction_due_on__gte=today,
                     received_on__lte=_received_by(today, lead["case_correction_day"]))
    decision_horizon = lead_horizon(today, lead["case_decision_days_ahead"])
    if decision_horizon is not None:
        could_be_due |= ((Q(state__in=(S.ACCEPTED, S.UNDER_REVIEW)) | Q(state=S.SUBMITTED, legal_due_on__isnull=False))
                         & (Q(promised_due_on__range=(today, decision_horizon))
                            | Q(legal_due_on__range=(today, decision_horizon))))
    could_be_due |= Q(state=S.APPROVED,
                      licence_due_on__range=(today, lead_horizon(today, [lead["case_licence_days_ahead"]])))
    return (ApprovalCase.objects.filter(could_be_due).select_related(*_CASE_RELATED).only(*_CASE_COLUMNS)
            .order_by("pk"))


def _send(batch, case, recipients, kind, due, subject):
    batch.add(recipients=recipients, kind=kind, obj=case, due_date=due, subject=subject,
              body=f"{case.power.name}\n{case.applicant_name}", url=_url(case))


def _remind(batch, case, *, today: dt.date, lead: dict) -> None:
    """The reminders of one case about its own deadlines (overdue ones go in the digests)."""
    S = ApprovalCase.State
    # Correction notice not yet sent from day 4 of the 5-day limit (Art. 32), once.
    if case.state == S.SUBMITTED and case.correction_due_on and today <= case.correction_due_on \
            and working_days_between(case.received_on, today) >= lead["case_correction_day"]:
        _send(batch, case, _responsible(case), "case.correction_window", case.correction_due_on, _(
            "%(case)s: the correction notice must be sent by %(due)s, or the case counts as accepted")
            % {"case": case, "due": case.correction_due_on})
    # Promised and legal decision deadlines ahead and on the day.
    if case.state in (S.ACCEPTED, S.UNDER_REVIEW) or (case.state == S.SUBMITTED and case.legal_due_on):
        for label, due in (("promised", case.promised_due_on), ("legal", case.legal_due_on)):
            left = working_days_between(today, due) if due and due >= today else None
            threshold = None if left is None else lead_threshold(left, lead["case_decision_days_ahead"])
            if threshold is not None:
                _send(batch, case, _responsible(case), f"case.{label}_due_in_{threshold}", due, _(
                    "%(case)s: %(which)s deadline %(due)s (%(left)s working days left)")
                    % {"case": case, "which": _("promised") if label == "promised" else _("legal"),
                       "due": due, "left": left})
    # Licence not issued 2 working days before its 10-day limit (Art. 44), or later: once.
    if case.state == S.APPROVED and case.licence_due_on and case.licence_due_on >= today and \
            lead_threshold(working_days_between(today, case.licence_due_on),
                           [lead["case_licence_days_ahead"]]) is not None:
        _send(batch, case, _responsible(case), "case.licence_due", case.licence_due_on,
              _("%(case)s: issue the licence by %(due)s") % {"case": case, "due": case.licence_due_on})


def _remind_pause_over(batch, suspension, *, today: dt.date) -> None:
    """A pause whose announced length has run out (Art. 45)."""
    expected_end = add_working_days(suspension.start, suspension.expected_days)
    if expected_end < today:
        case = suspension.case
        _send(batch, case, _responsible(case), "case.pause_over", expected_end, _(
            "%(case)s: the announced pause ended on %(end)s; resume the clock or tell the applicant")
            % {"case": case, "end": expected_end})


@dataclass
class _Overdue:
    """Overdue cases of one scope: how many, the earliest due date, the first numbers."""

    count: int = 0
    earliest: dt.date | None = None
    first: list = field(default_factory=list)  # (due_on, id, number), longest overdue first
    name: str = ""  # a district's

    @property
    def numbers(self) -> list[str]:
        return [number for _due, _id, number in self.first]


def _overdue_by(group, today: dt.date, *, name=None) -> dict:
    """{group: _Overdue} of the overdue cases, counted by ``group`` in SQL.

    One query: window functions give every group its count and earliest due date, and its
    first DIGEST_NUMBERS cases; at most that many rows per group come back, however many
    cases are overdue. ``name``: an expression whose value names the group (a district's).
    """
    partition = {"partition_by": [F("group")]}
    rows = (ApprovalCase.objects.overdue(today).annotate(group=group).filter(group__isnull=False)
            .annotate(group_name=name if name is not None else Value(""),
                      total=Window(Count("id"), **partition), earliest=Window(Min("due_on"), **partition),
                      rank=Window(RowNumber(), order_by=[F("due_on").asc(), F("id").asc()], **partition))
            .filter(rank__lte=DIGEST_NUMBERS).order_by()
            .values_list("group", "group_name", "total", "earliest", "due_on", "id", "number"))
    result: dict = {}
    for key, group_name, total, earliest, due_on, pk, number in rows:
        scope = result.setdefault(key, _Overdue(total, earliest))
        scope.name = group_name
        scope.first.append((due_on, pk, number))
    for scope in result.values():
        scope.first.sort()
    return result


def _city_wide(by_district: dict) -> _Overdue:
    """Every district's overdue cases together: each case is in exactly one district."""
    first = sorted(itertools.chain.from_iterable(s.first for s in by_district.values()))[:DIGEST_NUMBERS]
    return _Overdue(sum(s.count for s in by_district.values()),
                    min((s.earliest for s in by_district.values()), default=None), first)


# The responsible user of a case as SQL, the rule of ``_responsible``: the handler's account,
# else the first-contact person's (a handler without an account: nobody).
_RESPONSIBLE_USER = Case(When(handler__isnull=False, then=F("handler__user")), default=F("first_contact__user"))


def _digest_part(summary: str, scope: _Overdue) -> tuple[str, str]:
    """(summary line, the first case numbers) of one scope of a digest."""
    summary = summary % {"count": scope.count, "due": scope.earliest, "district": scope.name}
    numbers = "、".join(scope.numbers)
    more = scope.count - len(scope.numbers)
    return summary, _("%(numbers)s and %(more)s more") % {"numbers": numbers, "more": more} if more > 0 else numbers


def _send_overdue_digests(batch, *, today: dt.date) -> None:
    """Overdue cases, escalated daily as one digest per person (issue 12: one message per case
    and head made ~2,700 a day in a head's inbox): the supervisors get every district's, the
    head of a district (role DIRECTOR) their district's, the responsible person their own cases'.

    The digest's object is the recipient's own User row, and its due date today: the unique key
    (recipient, kind, object, due date, channel) then allows one digest per person and day, so a
    second sweep on the same day adds nothing, and the next day brings a new one.
    """
    by_district = _overdue_by(F("district_id"), today, name=F("district__name"))
    if not by_district:
        return
    by_user = _overdue_by(_RESPONSIBLE_USER, today)
    users = get_user_model().objects.filter(pk__in=ApprovalCase.objects.overdue(today).annotate(
        responsible=_RESPONSIBLE_USER).values("responsible")).only("is_active", "email")
    parts: dict = {}  # user pk -> (user, [(summary, numbers)]), the widest scope first

    def add_part(user, part):
        parts.setdefault(user.pk, (user, []))[1].append(part)

    city = _digest_part(_("Overdue cases in all districts: %(count)s, the earliest due on %(due)s"),
                        _city_wide(by_district))
    for user in role_members(Role.SUPERVISOR):
        add_part(user, city)
    for district_id, heads in role_members_by_district(Role.DIRECTOR).items():
        if district_id in by_district:
            district = _digest_part(_("Overdue cases in %(district)s: %(count)s, the earliest due on %(due)s"),
                                    by_district[district_id])
            for user in heads:
                add_part(user, district)
    for user in users:
        if user.pk in by_user:  # else a case became overdue between the two queries: tomorrow
            add_part(user, _digest_part(
                _("Overdue cases you are responsible for: %(count)s, the earliest due on %(due)s"), by_user[user.pk]))
    url = reverse("approvals:case_list") + "?due=overdue"  # the list's own overdue filter
    for user, user_parts in parts.values():
        body = "\n\n".join(f"{summary}\n{numbers}" for summary, numbers in user_parts)
        batch.add(recipients=[user], kind="case.overdue_digest", obj=user, due_date=today, subject=user_parts[0][0],
                  body=body, url=url)


def sweep_cases(*, today: dt.date, now: dt.datetime) -> int:
    """Queue the day's case reminders and overdue digests; returns how many messages are new.

    Scales with the cases due a message today: SQL selects only those (windows computed from the calendar) and counts
    the overdue ones per district and person; rows are read and messages inserted CHUNK_SIZE (2,000) at a time.
    """
    lead = settings.POLICYOPS_REMINDERS
    batch = NotificationBatch(now=now)
    for chunk in _in_chunks(_cases_a_reminder_may_be_due_for(today, lead)):
        for case in chunk:
            _remind(batch, case, today=today, lead=lead)
        batch.flush()
    # Open pauses are few (a paused case waits on a hearing or an expert), hence every one.
    pauses = (CaseSuspension.objects.filter(case__state=ApprovalCase.State.PAUSED, end__isnull=True)
              .select_related(*(f"case__{name}" for name in _CASE_RELATED))
              .only("start", "expected_days", "case", *(f"case__{name}" for name in _CASE_COLUMNS)).order_by("pk"))
    for chunk in _in_chunks(pauses):
        for suspension in chunk:
            _remind_pause_over(batch, suspension, today=today)
        batch.flush()
    _send_overdue_digests(batch, today=today)
    return batch.save()


def sweep_entrustments(*, today: dt.date, now: dt.datetime) -> int:
    horizon = today + dt.timedelta(days=settings.POLICYOPS_REMINDERS["entrustment_calendar_days_ahead"])
    supervisors = role_members(Role.SUPERVISOR)
    batch = NotificationBatch(now=now)
    for entrustment in Entrustment.objects.filter(state=Entrustment.State.IN_FORCE, period_end__gte=today,
                                                  period_end__lte=horizon).select_related("agency", "authority"):
        batch.add(recipients=supervisors, kind="entrustment.ending", obj=entrustment,
                  due_date=entrustment.period_end,
                  subject=_("%(entrustment)s ends on %(end)s") % {"entrustment": entrustment,
                                                                  "end": entrustment.period_end},
                  url=reverse("admin:approvals_entrustment_change", args=[entrustment.pk]))
    return batch.save()
