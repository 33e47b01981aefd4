"""Hall duty: directors, the monthly rota, real-name sign-in, work records and evaluations."""
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from policyops.fsm import StateField, StateMachineModel
from policyops.history import HistoricalRecords
from policyops.models import Person, ServiceHall
from policyops.scoping import DistrictScopedQuerySet
from programs.halls import guards as g
from programs.halls import rules
from programs.halls.querysets import HallsQuerySet


def new_hall_secret() -> str:
    return secrets.token_hex(20)


class HallSettings(models.Model):
    """Opening hours and daily rota capacity of a hall (set by the supervisors)."""

    hall = models.OneToOneField(ServiceHall, verbose_name=_("service hall"), on_delete=models.CASCADE,
                                related_name="duty_settings")
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    daily_capacity = models.PositiveSmallIntegerField(_("directors per day at most"), default=2)
    # 002:1978 原则上不得离岗: a served day is the opening hours less this tolerance (rules.minimum_presence).
    presence_tolerance_minutes = models.PositiveSmallIntegerField(
        _("tolerated absence per day (minutes)"), default=60,
        help_text=_("A shift counts as a served day only if the director stayed the opening hours less this."))
    code_secret = models.CharField(_("code secret"), max_length=64, default=new_hall_secret, editable=False)
    history = HistoricalRecords(excluded_fields=["code_secret"])

    district_lookup = "hall__district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hall duty settings")
        verbose_name_plural = _("hall duty settings")

    def __str__(self):
        return str(self.hall)

    def clean(self):
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("The hall must close after it opens.")})

    def minimum_presence(self, starts_at, ends_at):
        """The presence that makes a shift in this window a served day (002:1978)."""
        return rules.minimum_presence(ends_at - starts_at, self.presence_tolerance_minutes)


class Director(models.Model):
    """A leadership member (局长) stationed in a hall, with their A/B partner (002:1978 AB角制度)."""

    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                                  related_name="hall_director")
    hall = models.ForeignKey(ServiceHall, verbose_name=_("service hall"), on_delete=models.PROTECT,
                             related_name="directors")
    partner = models.ForeignKey("self", verbose_name=_("A/B partner"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    district_lookup = "hall__district"
    owner_lookups = ("person__user",)
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hall director")
        verbose_name_plural = _("hall directors")
        ordering = ["hall_id", "person__department__name", "person__name"]

    def __str__(self):
        return self.person.name

    def clean(self):
        if self.partner_id and self.person_id:
            if self.partner_id == self.pk:
                raise ValidationError({"partner": _("A director cannot be their own partner.")})
            if self.person.department_id is None:
                raise ValidationError({"partner": _("Record the director's department first: the A/B partner is "
                                                    "a leader of the same department.")})
            if not rules.same_department(self.person, self.partner.person):
                raise ValidationError({"partner": _("The A/B partner must be a leader of the same department.")})


class Unavailability(models.Model):
    director = models.ForeignKey(Director, verbose_name=_("director"), on_delete=models.CASCADE,
                                 related_name="unavailable_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    district_lookup = "director__hall__district"
    owner_lookups = ("director__person__user",)
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unavailable date")
        verbose_name_plural = _("unavailable dates")
        constraints = [models.UniqueConstraint(fields=["director", "date"], name="unavailability_unique")]

    def __str__(self):
        return f"{self.director} {self.date}"


class DutyShift(StateMachineModel):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHED = "published", _("published")
        # 002:1978 提前报…备案: a filed A/B substitution is in force at once (a filing, not an approval).
        SUBSTITUTED = "substituted", _("substitute filed (A/B)")
        SIGNED_IN = "signed_in", _("signed in")
        SIGNED_OUT = "signed_out", _("completed")
        MISSED = "missed", _("missed")

    hall = models.ForeignKey(ServiceHall, verbose_name=_("service hall"), on_delete=models.PROTECT,
                             related_name="duty_shifts")
    date = models.DateField(_("date"))
    director = models.ForeignKey(Director, verbose_name=_("director"), on_delete=models.PROTECT,
                                 related_name="shifts")
    starts_at = models.DateTimeField(_("window opens"))
    ends_at = models.DateTimeField(_("window closes"))
    state = StateField(_("state"), max_length=20, choices=State.choices, default=State.SCHEDULED, protected=True)
    substitute = models.ForeignKey(Director, verbose_name=_("substitute"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="substitute_shifts")
    substitution_reason = models.CharField(_("reason for the substitution"), max_length=200, blank=True)
    objection_reason = models.CharField(_("supervisor's objection to the last substitution"), max_length=200,
                                        blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)
    left_without_sign_out = models.BooleanField(_("left without signing out"), default=False)
    # Present less than the minimum, however it came about (a late arrival or an early departure).
    left_early = models.BooleanField(_("short of a full day (not a served day)"), default=False)
    history = HistoricalRecords()

    district_lookup = "hall__district"
    shift_lookup = ""
    # A director sees their own shifts (and those they cover) wherever the hall is.
    owner_lookups = ("director__person__user", "substitute__person__user")
    objects = HallsQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["date", "hall_id", "id"]
        # Per hall: a director may practise at a training hall on a day they are rostered (a director's
        # real shifts are all at their own hall, so this still allows one real shift a day).
        constraints = [models.UniqueConstraint(fields=["director", "hall", "date"],
                                               name="shift_one_per_director_hall_day")]
        # A hall's rota by (hall, date); the admin's list in the model's order by dutyshift_by_date;
        # the A/B filings still open to objection (the supervisor's home) among a year's shifts by
        # dutyshift_filed_substitution: PostgreSQL read every shift twice for them (issue 12).
        indexes = [models.Index(fields=["hall", "date"]),
                   models.Index(fields=["date", "hall", "id"], name="dutyshift_by_date"),
                   models.Index(fields=["starts_at", "id"], condition=models.Q(state="substituted"),
                                name="dutyshift_filed_substitution")]
        permissions = [("manage_rota", _("Can generate, edit and publish rotas and object to substitutions"))]

    def __str__(self):
        return f"{self.date} {self.hall} {self.director}"

    @property
    def on_duty(self) -> Director:
        """The filed substitute (in force once filed, 002:1978), else the rostered director."""
        return self.substitute if self.substitute_id else self.director

    @property
    def on_duty_person_user_id(self):
        return self.on_duty.person.user_id

    @property
    def minutes_on_duty(self):
        if self.signed_in_at and self.signed_out_at:
            return int((self.signed_out_at - self.signed_in_at).total_seconds() // 60)
        return None

    @property
    def served(self) -> bool:
        """A served day (002:1968, 002:1978): signed out without leaving early (``left_early`` set at sign-out)."""
        return self.state == self.State.SIGNED_OUT and not self.left_early

    # Transitions: permissions and conditions in programs.halls.guards; steps in programs.halls.actions.

    @transition(field=state, source=State.SCHEDULED, target=State.PUBLISHED, permission=g.may_manage_rota)
    def publish(self):
        pass

    # 002:1978: the filing puts the substitute on duty at once; nobody approves it.
    @transition(field=state, source=State.PUBLISHED, target=State.SUBSTITUTED, permission=g.is_own_shift,
                conditions=[g.before_start, g.has_substitute])
    def file_substitution(self):
        pass

    # A supervisor may object (with a reason) before the shift: the rostered director is on duty again.
    @transition(field=state, source=State.SUBSTITUTED, target=State.PUBLISHED, permission=g.may_manage_rota,
                conditions=[g.before_start])
    def object_to_substitution(self):
        pass

    @transition(field=state, source=[State.PUBLISHED, State.SUBSTITUTED],
                target=State.SIGNED_IN, permission=g.is_on_duty, conditions=[g.within_window])
    def sign_in(self):
        pass

    @transition(field=state, source=State.SIGNED_IN, target=State.SIGNED_OUT, permission=g.is_on_duty,
                conditions=[g.within_window])
    def sign_out(self):
        pass

    # The window sweep's step (no user): an absence nobody covered.
    @transition(field=state, source=[State.PUBLISHED, State.SUBSTITUTED],
                target=State.MISSED, conditions=[g.after_window])
    def mark_missed(self):
        pass


class SignAttempt(models.Model):
    """Every sign-in or sign-out attempt, refused ones included."""

    # A record of what was written, sent or issued: manage.py plain_text leaves its text alone.
    keeps_text_as_written = True

    at = models.DateTimeField(_("time"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    hall = models.ForeignKey(ServiceHall, verbose_name=_("service hall"), on_delete=models.PROTECT, null=True,
                             related_name="+")
    shift = models.ForeignKey(DutyShift, verbose_name=_("duty shift"), on_delete=models.PROTECT, null=True,
                              blank=True, related_name="sign_attempts")
    action = models.CharField(_("action"), max_length=10)
    code = models.CharField(_("code"), max_length=12, blank=True)
    code_counter = models.BigIntegerField(_("code period"), null=True, blank=True)
    success = models.BooleanField(_("accepted"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    district_lookup = "hall__district"
    owner_lookups = ("user",)
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at", "-id"], name="signattempt_newest_first")]  # the admin's list
        constraints = [
            # A code works once per person and action: a replay is refused by the database too.
            models.UniqueConstraint(fields=["hall", "code_counter", "user", "action"], condition=models.Q(success=True),
                                    name="signattempt_code_once"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {'✓' if self.success else '✗'}"


class WorkRecord(models.Model):
    """工作记实 of one shift."""

    shift = models.OneToOneField(DutyShift, verbose_name=_("duty shift"), on_delete=models.CASCADE,
                                 related_name="work_record")
    cases = models.ManyToManyField("approvals.ApprovalCase", verbose_name=_("cases accepted"), blank=True,
                                   related_name="duty_records")
    opinions = models.TextField(_("opinions gathered from service users"), blank=True)
    history = HistoricalRecords()

    district_lookup = "shift__hall__district"
    shift_lookup = "shift__"
    owner_lookups = ("shift__director__person__user", "shift__substitute__person__user")
    objects = HallsQuerySet.as_manager()

    class Meta:
        verbose_name = _("work record")
        verbose_name_plural = _("work records")

    def __str__(self):
        return str(self.shift)


class Problem(StateMachineModel):
    """A problem found on duty, the rectification proposal and its follow-up (open → being rectified → rectified)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("being rectified")
        RECTIFIED = "rectified", _("rectified")

    record = models.ForeignKey(WorkRecord, verbose_name=_("work record"), on_delete=models.CASCADE,
                               related_name="problems")
    description = models.TextField(_("problem found"))
    proposal = models.TextField(_("rectification proposal"), blank=True)
    state = StateField(_("rectification"), max_length=20, choices=State.choices, default=State.OPEN, protected=True)
    history = HistoricalRecords()

    district_lookup = "record__shift__hall__district"
    shift_lookup = "record__shift__"
    owner_lookups = ("record__shift__director__person__user", "record__shift__substitute__person__user")
    objects = HallsQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    def __str__(self):
        return self.description[:40]

    @transition(field=state, source=State.OPEN, target=State.IN_PROGRESS, permission=g.may_follow_up_problem)
    def start_rectification(self):
        pass

    @transition(field=state, source=[State.OPEN, State.IN_PROGRESS], target=State.RECTIFIED,
                permission=g.may_follow_up_problem)
    def mark_rectified(self):
        pass

    @transition(field=state, source=State.RECTIFIED, target=State.IN_PROGRESS, permission=g.may_follow_up_problem)
    def reopen(self):
        pass


class Evaluation(models.Model):
    """好差评 of the director on duty, by a service user without login."""

    shift = models.ForeignKey(DutyShift, verbose_name=_("duty shift"), on_delete=models.PROTECT,
                              related_name="evaluations")
    level = models.PositiveSmallIntegerField(_("rating"), choices=rules.EVALUATION_LEVELS)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    device = models.CharField(_("device"), max_length=64)  # a random id kept in the device's cookie
    created_at = models.DateTimeField(_("time"))

    district_lookup = "shift__hall__district"
    shift_lookup = "shift__"
    objects = HallsQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["shift", "device"], name="evaluation_once_per_device")]
        # The admin's list, newest first (its order with the id the change list adds): ratings
        # grow by a hall's every visitor, and a sort of them all took 0.3 s at 500,000.
        indexes = [models.Index(fields=["-created_at", "-id"], name="evaluation_newest_first")]

    def __str__(self):
        return f"{self.shift} {self.get_level_display()}"


class FollowUp(models.Model):
    """A 不满意 / 非常不满意 rating the supervisor must answer."""

    evaluation = models.OneToOneField(Evaluation, verbose_name=_("evaluation"), on_delete=models.PROTECT,
                                      related_name="follow_up")
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The rated shift, copied from the rating on save (a rating never changes shift): which
    # follow-ups are open and counted (not a training hall's) is read through the shifts
    # (thousands), not the ratings (half a million: the supervisor's count took 21–33 ms).
    shift = models.ForeignKey(DutyShift, verbose_name=_("duty shift"), on_delete=models.PROTECT, related_name="+",
                              editable=False)
    history = HistoricalRecords()

    district_lookup = "shift__hall__district"
    shift_lookup = "shift__"
    objects = HallsQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        # The admin's order: open ones first (no answer yet), then the latest answered. PostgreSQL
        # puts NULLs first in a descending index unasked (SQLite refuses NULLS FIRST in one).
        indexes = [models.Index(fields=["-answered_at", "-id"], name="followup_open_first")]

    def __str__(self):
        # The rating's label (Evaluation.__str__) from the follow-up's own shift, which lists read with it.
        return f"{self.shift} {self.evaluation.get_level_display()}"

    def save(self, *args, **kwargs):
        if self.shift_id is None and self.evaluation_id is not None:
            self.shift_id = self.evaluation.shift_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class MonthlyBriefing(models.Model):
    """A month's briefing (简报) as generated for the municipal government (002:1980 每月以简报形式…报市政府)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    generated_at = models.DateTimeField(_("generated at"))
    figures = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("monthly briefing")
        verbose_name_plural = _("monthly briefings")
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="briefing_unique_month")]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"
