"""Use cases of hall duty. One function per use case; ``now`` is injected (never the wall clock).

Each service owns its transaction. Transitions run through ``policyops.workflow.run_transition``
with ``as_of=now``: the conditions (programs.halls.guards) read that moment, never an
attribute on the shift. The user steps are declared once in programs.halls.actions.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from policyops import audit
from policyops.errors import (
    TRANSITION_ILLEGAL,
    ConditionFailed,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    PolicyOpsError,
)
from policyops.history import recorded_by
from policyops.notifications import notify
from policyops.workflow import run_transition
from programs.halls import codes, generator, guards, notices, rules, training
from programs.halls.models import (
    Director,
    DutyShift,
    Evaluation,
    FollowUp,
    HallSettings,
    Problem,
    SignAttempt,
    Unavailability,
    WorkRecord,
    new_hall_secret,
)

WRONG_CODE = _("The code is wrong or has expired. Read the code on the hall's screen again.")
REPLAYED_CODE = _("This code has already been used. Wait for the next code on the hall's screen.")
NO_SHIFT = _("You have no duty shift at this hall today.")
NO_SETTINGS = _("This hall has no duty settings (opening hours) yet.")


class RotaInfeasible(InvalidInput):
    def __init__(self, problems):
        self.problems = problems
        lines = "；".join(f"{name}：{reason}" for name, reason in problems)
        super().__init__(_("No rota satisfies every rule: %(lines)s"), field="rota", lines=lines)


def _window(hall_settings: HallSettings, day: dt.date):
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(day, hall_settings.opens_at, tzinfo=tz),
            dt.datetime.combine(day, hall_settings.closes_at, tzinfo=tz))


def rota_generate(*, hall, year: int, month: int, acting_user) -> list[DutyShift]:
    """Generate (or regenerate) the month's unpublished rota; all or nothing."""
    if not acting_user.has_perm("halls.manage_rota"):
        raise NotAllowed(_("You may not generate rotas."))
    settings_ = HallSettings.objects.filter(hall=hall).first()
    if settings_ is None:
        raise InvalidInput(NO_SETTINGS, field="hall")
    directors = list(Director.objects.filter(hall=hall, active=True)
                     .select_related("person__department").prefetch_related("unavailable_dates"))
    days = generator.working_days_of_month(year, month)
    inputs = [generator.DirectorSlotInput(
        id=d.pk, name=d.person.name, department=d.person.department.name if d.person.department_id else "",
        unavailable=frozenset(u.date for u in d.unavailable_dates.all())) for d in directors]
    result = generator.generate(inputs, days, settings_.daily_capacity)
    if not result.feasible:
        raise RotaInfeasible(result.problems)
    month_shifts = DutyShift.objects.filter(hall=hall, date__year=year, date__month=month)
    with transaction.atomic(), recorded_by(acting_user):
        if month_shifts.exclude(state=DutyShift.State.SCHEDULED).exists():
            raise ConditionFailed(_("The month's rota has already been published; edit single shifts instead."))
        month_shifts.delete()
        shifts = []
        for director_id, day in result.assignments.items():
            starts_at, ends_at = _window(settings_, day)
            shifts.append(DutyShift(hall=hall, date=day, director_id=director_id, starts_at=starts_at,
                                    ends_at=ends_at))
        bulk_create_with_history(shifts, DutyShift, default_user=acting_user)
        audit.record(obj=settings_, action="generate_rota", actor=acting_user,
                     reason=f"{year}-{month:02d}: {len(shifts)}")
    return shifts


def shift_move(*, shift: DutyShift, day: dt.date, acting_user) -> DutyShift:
    """A supervisor's edit of a generated, unpublished shift (the ``move`` step)."""
    if not guards.may_manage_rota(shift, acting_user):
        raise NotAllowed(_("You may not edit rotas."))
    if shift.state != DutyShift.State.SCHEDULED:
        raise ConditionFailed(_("Only unpublished shifts can be moved."))
    from policyops.calendar import is_working_day

    if not is_working_day(day):
        raise InvalidInput(_("%(day)s is not a working day."), field="date", day=day)
    settings_ = HallSettings.objects.get(hall=shift.hall)
    if DutyShift.objects.filter(hall=shift.hall, date=day).exclude(pk=shift.pk).count() >= settings_.daily_capacity:
        raise InvalidInput(_("%(day)s is already full."), field="date", day=day)
    if shift.director.unavailable_dates.filter(date=day).exists():
        raise InvalidInput(_("The director is unavailable on %(day)s."), field="date", day=day)
    with transaction.atomic(), recorded_by(acting_user):
        before = shift.date
        shift.date = day
        shift.starts_at, shift.ends_at = _window(settings_, day)
        try:
            shift.save(update_fields=["date", "starts_at", "ends_at"])
        except IntegrityError:
            raise InvalidInput(_("The director already has a shift on %(day)s."), field="date", day=day) from None
        audit.record(obj=shift, action="move", actor=acting_user, reason=f"{before} → {day}")
    return shift


def rota_publish(*, hall, year: int, month: int, acting_user, now: dt.datetime | None = None) -> int:
    """Publish the hall's whole month: every unpublished shift of it, in one transaction."""
    now = now or timezone.now()
    shifts = list(DutyShift.objects.filter(hall=hall, date__year=year, date__month=month,
                                           state=DutyShift.State.SCHEDULED).select_related("hall"))
    with transaction.atomic():
        for shift in shifts:
            run_transition(shift, "publish", acting_user=acting_user, as_of=now, at=now)
    return len(shifts)


def shift_publish_month(*, shift: DutyShift, acting_user, now: dt.datetime) -> DutyShift:
    """The ``publish`` step of one shift: its hall's month is published with it (a rota is public by month)."""
    rota_publish(hall=shift.hall, year=shift.date.year, month=shift.date.month, acting_user=acting_user, now=now)
    shift.refresh_from_db()
    return shift


def _log(*, user, hall, shift, action, code, counter, success, reason, now):
    return SignAttempt.objects.create(at=now, user=user, hall=hall, shift=shift, action=action, code=code[:12],
                                      code_counter=counter, success=success, reason=str(reason)[:200])


def shift_sign(*, user, hall, code: str, action: str, now: dt.datetime) -> DutyShift:
    """Real-name, real-time sign-in or sign-out (002:1978 本人实名实时签到、签退) with the hall's rotating code.

    Every attempt is logged, refused ones too (in their own transaction, so a refusal
    still leaves its row).
    """
    assert action in ("sign_in", "sign_out")
    settings_ = HallSettings.objects.filter(hall=hall).first()
    counter = codes.match(settings_.code_secret, code, now) if settings_ else None
    today = timezone.localtime(now).date()
    if counter is not None and hall.is_training:
        training.shift_for_practice(user=user, hall=hall, day=today)  # any day, any hour
    own = (DutyShift.objects.filter(hall=hall, date=today)
           .select_related("director__person", "substitute__person").order_by("id"))
    shift = next((s for s in own if s.on_duty_person_user_id == user.pk), None)

    def refuse(reason, exc=NotAllowed):
        _log(user=user, hall=hall, shift=shift, action=action, code=code or "", counter=None, success=False,
             reason=reason, now=now)
        raise exc(reason)

    if settings_ is None:
        refuse(NO_SETTINGS, InvalidInput)
    if counter is None:
        refuse(WRONG_CODE, InvalidInput)
    if shift is None:
        refuse(NO_SHIFT)
    if SignAttempt.objects.filter(hall=hall, code_counter=counter, user=user, action=action, success=True).exists():
        refuse(REPLAYED_CODE, InvalidInput)

    def stamp(signed):
        setattr(signed, "signed_in_at" if action == "sign_in" else "signed_out_at", now)
        if action == "sign_out":  # a short day (late or left early) is recorded with the sign-out (002:1978 不得离岗)
            minimum = settings_.minimum_presence(signed.starts_at, signed.ends_at)
            signed.left_early = not rules.served_a_day(signed.signed_in_at, now, minimum)

    try:
        with transaction.atomic():
            run_transition(shift, action, acting_user=user, as_of=now, at=now, before_save=stamp)
            _log(user=user, hall=hall, shift=shift, action=action, code=code, counter=counter, success=True,
                 reason="", now=now)
    except IntegrityError:
        refuse(REPLAYED_CODE, InvalidInput)
    except PolicyOpsError as exc:
        refuse(str(exc), type(exc))
    return shift


def _require_free_on_the_day(substitute: Director, shift: DutyShift) -> None:
    """002:1978 协调其他分管同志参加: the stand-in must be able to attend — not on duty that day for
    another shift (their own, or one they already cover, in any hall; practice shifts aside) and not
    marked unavailable that day. One person in the hall is one director on duty."""
    busy = (DutyShift.objects.counted().filter(date=shift.date).exclude(pk=shift.pk)
            .filter(Q(director=substitute, substitute__isnull=True) | Q(substitute=substitute))
            .select_related("hall").first())
    if busy is not None:
        raise InvalidInput(_("%(substitute)s is already on duty at %(hall)s on %(date)s; choose another leader."),
                           field="substitute", substitute=substitute, hall=busy.hall, date=shift.date)
    if Unavailability.objects.filter(director=substitute, date=shift.date).exists():
        raise InvalidInput(_("%(substitute)s is marked unavailable on %(date)s; choose another leader."),
                           field="substitute", substitute=substitute, date=shift.date)


def shift_file_substitution(*, shift: DutyShift, substitute: Director, reason: str, acting_user,
                            now: dt.datetime) -> DutyShift:
    """A/B: filed by the director before the shift starts (002:1978 提前报…备案).

    A filing, not a request: the substitute is on duty as soon as it is filed; supervisors
    see it and may object (``shift_object_to_substitution``), their silence blocks nothing.
    """
    if not rules.same_department(shift.director.person, substitute.person):
        raise InvalidInput(_("The substitute must be a leader of the same department."), field="substitute")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the substitution."), field="reason")
    with transaction.atomic():
        shift.substitute, shift.substitution_reason, shift.objection_reason = substitute, reason.strip(), ""
        run_transition(shift, "file_substitution", acting_user=acting_user, as_of=now, at=now, reason=reason)
        # After the step's own conditions (a filing too late is told so first); refusing undoes the step.
        _require_free_on_the_day(substitute, shift)
        notices.substitution_filed(shift=shift, now=now)
    return shift


def shift_object_to_substitution(*, shift: DutyShift, reason: str, acting_user, now: dt.datetime) -> DutyShift:
    """A supervisor objects to a filed A/B substitution before the shift starts, with a reason.

    The rostered director is on duty again; both directors are told, in the same transaction.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the objection."), field="reason")
    substitute = shift.substitute

    def revert(objected):
        objected.substitute, objected.objection_reason = None, reason[:200]

    with transaction.atomic():
        run_transition(shift, "object_to_substitution", acting_user=acting_user, as_of=now, at=now,
                       reason=reason, before_save=revert)
        recipients = [shift.director.person.user] + ([substitute.person.user] if substitute else [])
        notify(recipients=recipients, kind="shift.substitution_objected", obj=shift, due_date=shift.date,
               subject=_("A supervisor objected to the A/B substitution on %(date)s at %(hall)s: %(reason)s; "
                         "%(director)s is on duty") % {"date": shift.date, "hall": shift.hall, "reason": reason,
                                                      "director": shift.director},
               url=reverse("halls:my_shifts"), now=now)
    return shift


def shifts_close_windows(*, now: dt.datetime) -> dict:
    """After a window closes: unfiled absences become missed, no sign-out is flagged (training shifts: never).

    A state sweep: re-running it changes nothing more. The flags are written in bulk with
    their history rows (a constant number of queries however many shifts are flagged).
    """
    S = DutyShift.State
    missed = 0
    for shift in DutyShift.objects.counted().filter(ends_at__lte=now, state__in=[S.PUBLISHED, S.SUBSTITUTED]):
        with transaction.atomic():
            run_transition(shift, "mark_missed", acting_user=None, as_of=now, at=now)
        missed += 1
    with transaction.atomic():
        unflagged = list(DutyShift.objects.counted().select_for_update(of=("self",)).filter(
            ends_at__lte=now, state=S.SIGNED_IN, left_without_sign_out=False))
        for shift in unflagged:
            shift.left_without_sign_out = True
        if unflagged:
            bulk_update_with_history(unflagged, DutyShift, ["left_without_sign_out"], default_date=now,
                                     default_change_reason="close_windows")
    return {"missed": missed, "flagged": len(unflagged)}


# --- public evaluation ------------------------------------------------------------------


def device_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def on_duty_shifts(*, hall, now: dt.datetime) -> list[DutyShift]:
    """The shifts whose director is (or was) signed in at ``hall`` today."""
    return list(DutyShift.objects.filter(hall=hall, date=timezone.localtime(now).date(),
                                         state__in=[DutyShift.State.SIGNED_IN, DutyShift.State.SIGNED_OUT])
                .select_related("director__person__department", "substitute__person__department")
                .order_by("signed_in_at", "id"))


def evaluation_submit(*, hall, level: int, comment: str, device: str, now: dt.datetime,
                      shift_id: int | None = None) -> Evaluation:
    """A service user's 好差评 of a director on duty today; one per device per shift.

    With several directors on duty the user chooses whom they rate (``shift_id``).
    """
    if level not in dict(rules.EVALUATION_LEVELS):
        raise InvalidInput(_("Choose one of the five ratings."), field="level")
    candidates = on_duty_shifts(hall=hall, now=now)
    if not candidates:
        raise ConditionFailed(_("No director is on duty at this hall today."))
    if shift_id is None and len(candidates) == 1:
        shift = candidates[0]
    else:
        shift = next((s for s in candidates if s.pk == shift_id), None)
        if shift is None:
            raise InvalidInput(_("Choose the director you are rating."), field="shift")
    with transaction.atomic():
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(shift=shift, level=level, comment=(comment or "")[:500],
                                                       device=device_key(device), created_at=now)
        except IntegrityError:
            raise ConditionFailed(_("You have already rated this shift. Thank you.")) from None
        if level <= rules.FOLLOW_UP_AT_OR_BELOW:
            FollowUp.objects.create(evaluation=evaluation)
    return evaluation


def work_record_save(*, shift: DutyShift, acting_user, cases, opinions: str) -> WorkRecord:
    """The director's work record (工作记实): the cases they accepted become theirs to follow
    to the end as first-contact person (首问责任制, 002:1970).

    The one way cases are attached to a record (director's page and admin): each must have
    been received at the shift's hall on its day (approvals.services.case_take_first_contact).
    """
    from approvals.services import case_take_first_contact

    if not guards.is_on_duty(shift, acting_user):
        raise NotAllowed(_("Only the director on duty keeps this shift's work record."))
    if not guards.may_keep_work_record(shift, acting_user):
        raise ConditionFailed(_("The work record is kept once the director on duty has signed in."))
    cases = list(cases)
    with transaction.atomic(), recorded_by(acting_user):
        record, _created = WorkRecord.objects.get_or_create(shift=shift)
        record.opinions = (opinions or "").strip()
        record.save()
        for case in cases:
            case_take_first_contact(case=case, person=shift.on_duty.person, acting_user=acting_user,
                                    hall=shift.hall, day=shift.date)
        record.cases.set(cases)
        audit.record(obj=record, action="save_work_record", actor=acting_user,
                     reason="、".join(c.number for c in cases))
    return record


PROBLEM_STEPS = ("start_rectification", "mark_rectified", "reopen")


def problem_follow_up(*, problem: Problem, action: str, acting_user, as_of: dt.datetime) -> Problem:
    """A step of a problem's rectification (``PROBLEM_STEPS``): audited, with its history row."""
    if action not in PROBLEM_STEPS:
        raise IllegalTransition(TRANSITION_ILLEGAL, action=action, state=problem.get_state_display())
    with transaction.atomic():
        run_transition(problem, action, acting_user=acting_user, as_of=as_of, at=as_of)
    return problem


def hall_renew_code_secret(*, hall_settings: HallSettings, acting_user) -> HallSettings:
    """For a leaked kiosk link: codes and the kiosk token both derive from the secret."""
    if not acting_user.has_perm("halls.manage_rota"):
        raise NotAllowed(_("You may not renew hall code secrets."))
    with transaction.atomic(), recorded_by(acting_user):
        hall_settings.code_secret = new_hall_secret()  # the object returned holds the new one too
        HallSettings.objects.filter(pk=hall_settings.pk).update(code_secret=hall_settings.code_secret)
        audit.record(obj=hall_settings, action="renew_code_secret", actor=acting_user)
    return hall_settings


def follow_up_answer(*, follow_up: FollowUp, answer: str, acting_user, now: dt.datetime) -> FollowUp:
    if not acting_user.has_perm("halls.change_followup"):
        raise NotAllowed(_("You may not answer follow-ups."))
    if not (answer or "").strip():
        raise InvalidInput(_("Write the answer."), field="answer")
    with transaction.atomic(), recorded_by(acting_user):
        follow_up.answer, follow_up.answered_by, follow_up.answered_at = answer.strip(), acting_user, now
        follow_up.save()
        audit.record(obj=follow_up, action="answer", actor=acting_user, reason=answer.strip()[:200], at=now)
    return follow_up
