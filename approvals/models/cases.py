"""Approval cases: the statutory workflow of the Administrative Licensing Law (DOMAIN.md §1)."""
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, ExtractYear, Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from approvals import guards as _g
from approvals import rules
from approvals.models.entrustments import ApprovalSeal
from approvals.models.powers import DelegatedPower
from approvals.phones import CONTACT_PHONE_MAX_LENGTH, validate_contact_phone
from policyops.formatting import as_typed
from policyops.fsm import StateField, StateMachineModel
from policyops.history import HistoricalRecords
from policyops.models import District, Person, ServiceHall
from policyops.scoping import DistrictScopedQuerySet

# The states of a case still being worked (ApprovalCase.OPEN_STATES); also the condition of the
# work queues' partial index, which Meta cannot read from the class body.
OPEN_STATE_VALUES = ("submitted", "correction_requested", "resubmitted", "accepted", "under_review", "paused",
                     "approved", "forwarded")


class CaseQuerySet(DistrictScopedQuerySet):
    def open(self):
        return self.filter(state__in=ApprovalCase.OPEN_STATES)

    def overdue(self, today: dt.date):
        return self.open().filter(due_on__lt=today)

    def due_soon(self, today: dt.date, soon_until: dt.date):
        """Open cases due between today and ``soon_until`` (add_working_days(today, 3))."""
        return self.open().filter(due_on__gte=today, due_on__lte=soon_until)


def year_in_case_number(field: str) -> Substr:
    """The year of receipt as a case number in ``field`` writes it (rules.CASE_NUMBER_YEAR), in SQL."""
    return Substr(field, rules.CASE_NUMBER_YEAR.start + 1,  # SQL counts from 1
                  rules.CASE_NUMBER_YEAR.stop - rules.CASE_NUMBER_YEAR.start)


class ApprovalCase(StateMachineModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("approval case", "submitted")
        CORRECTION_REQUESTED = "correction_requested", pgettext_lazy("approval case", "correction requested")
        RESUBMITTED = "resubmitted", pgettext_lazy("approval case", "resubmitted")
        REFUSED = "refused", pgettext_lazy("approval case", "not accepted")
        ACCEPTED = "accepted", pgettext_lazy("approval case", "accepted")
        UNDER_REVIEW = "under_review", pgettext_lazy("approval case", "under review")
        PAUSED = "paused", pgettext_lazy("approval case", "clock paused")
        APPROVED = "approved", pgettext_lazy("approval case", "approved")
        DENIED = "denied", pgettext_lazy("approval case", "denied")
        FORWARDED = "forwarded", pgettext_lazy("approval case", "forwarded to the deciding authority")
        CLOSED = "closed", pgettext_lazy("approval case", "closed")
        WITHDRAWN = "withdrawn", pgettext_lazy("approval case", "withdrawn")

    class ApplicantType(models.TextChoices):
        PERSON = "person", _("natural person")
        ORGANISATION = "organisation", _("legal person or organisation")

    class SuperiorDecision(models.TextChoices):
        APPROVED = "approved", _("approved")
        DENIED = "denied", _("denied")

    OPEN_STATES = tuple(map(State, OPEN_STATE_VALUES))

    number = models.CharField(_("case number"), max_length=20, unique=True, editable=False)
    power = models.ForeignKey(DelegatedPower, verbose_name=_("delegated power"), on_delete=models.PROTECT,
                              related_name="cases")
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="approval_cases")
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_type = models.CharField(_("applicant type"), max_length=20, choices=ApplicantType.choices)
    applicant_phone = models.CharField(_("contact phone"), max_length=CONTACT_PHONE_MAX_LENGTH,
                                       validators=[validate_contact_phone])
    # The facts the scope rules need (rules.scope_violations).
    school_type = models.CharField(_("school type"), max_length=30, choices=rules.SchoolType.CHOICES, blank=True)
    hospital_grade = models.CharField(_("medical institution grade"), max_length=2,
                                      choices=rules.HospitalGrade.CHOICES, blank=True)
    inside_pingdu = models.BooleanField(_("located inside Pingdu"), default=True)
    cross_regional = models.BooleanField(_("cross-regional project"), default=False, help_text=_(
        "The project crosses Pingdu's border: not delegated (不含跨区域项目审批管理权限)."))
    received_hall = models.ForeignKey(ServiceHall, verbose_name=_("receiving hall"), on_delete=models.PROTECT,
                                      related_name="received_cases")
    first_contact = models.ForeignKey(Person, verbose_name=_("first-contact person"), on_delete=models.PROTECT,
                                      related_name="first_contact_cases",
                                      help_text=_("首问责任人: stays responsible to the end."))
    handler = models.ForeignKey(Person, verbose_name=_("handler"), on_delete=models.PROTECT, null=True, blank=True,
                                related_name="handled_cases")
    # The handler's own reminder, set by services.case_set_follow_up; no legal effect.
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    received_on = models.DateField(_("received on"))
    state = StateField(_("state"), max_length=30, choices=State.choices, default=State.SUBMITTED, protected=True)
    # The clock: start day and budget; suspensions are CaseSuspension rows.
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("deemed accepted"), default=False,
                                          help_text=_("No correction notice within 5 working days: accepted on "
                                                      "the day of receipt (Art. 32)."))
    extended = models.BooleanField(_("extended"), default=False)
    approved_on = models.DateField(_("decided on"), null=True, blank=True)
    # Stored results of the clock, recomputed by approvals.clock_service on every change.
    correction_due_on = models.DateField(_("correction notice due"), null=True, blank=True)
    legal_due_on = models.DateField(_("legal due date"), null=True, blank=True)
    promised_due_on = models.DateField(_("promised due date"), null=True, blank=True)
    licence_due_on = models.DateField(_("licence due"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True,
                              help_text=_("The deadline that governs the case in its current state."))
    # Outcomes.
    refusal_reason = models.TextField(_("reason for not accepting"), blank=True)
    refer_to = models.CharField(_("where to apply instead"), max_length=200, blank=True)
    decision_reason = models.TextField(_("decision reasons"), blank=True)
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True)
    superior_decision = models.CharField(_("deciding authority's decision"), max_length=10,
                                         choices=SuperiorDecision.choices, blank=True)
    superior_document = models.CharField(_("deciding authority's document"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["correction_due_on", "legal_due_on", "promised_due_on",
                                                 "licence_due_on", "due_on"])

    district_lookup = "district"
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval case")
        verbose_name_plural = _("approval cases")
        ordering = ["-received_on", "-id"]
        indexes = [
            # The case list's order (due soonest first, cases with nothing due last, newest first among
            # equals: selectors.case_list), city-wide, per state and per district and state. Without the id
            # PostgreSQL sorted every case of a state by it to show a page: the closed cases, all without a
            # due date, took 1.6 s at a million cases (issue 12).
            # City-wide by id ascending: scanned backwards it gives the admin's "due, latest first" (due_on
            # DESC, id DESC) exactly; forwards, only the cases due the same day are sorted by id.
            models.Index(fields=["due_on", "id"], name="case_by_due"),
            models.Index(fields=["state", "due_on", "-id"], name="case_state_by_due"),
            models.Index(fields=["district", "state", "due_on", "-id"], name="case_district_state_by_due"),
            # The lists' default order (newest first), city-wide and per district (issue 12: without
            # them PostgreSQL sorts every row of the table to show the first page).
            models.Index(fields=["-received_on", "-id"], name="case_newest_first"),
            models.Index(fields=["district", "-received_on", "-id"], name="case_district_newest_first"),
            # The work queues, soonest legal due first: 科室待办 (open, unassigned, per district) and 我的待办
            # (open, per handler, within the districts the user sees). PostgreSQL orders by an index only
            # after equalities, and IS NULL is none, hence the handler in the condition rather than among
            # the fields. The district after the handler lets the scoped count of "my cases" read the
            # index alone (a BitmapAnd of the district's and the handler's whole history took 5 ms).
            models.Index(fields=["district", "legal_due_on", "due_on", "id"], name="case_unassigned_queue",
                         condition=models.Q(state__in=OPEN_STATE_VALUES, handler__isnull=True)),
            models.Index(fields=["handler", "district", "legal_due_on", "due_on", "id"],
                         name="case_handler_district_queue", condition=models.Q(state__in=OPEN_STATE_VALUES)),
            # 已超期 on the home pages (selectors.overdue_cases: open, due before today, soonest first), city-wide
            # and per district: PostgreSQL misjudged how many open cases are overdue and read and sorted
            # all of them (7,890 at a million cases: 17 ms) to show ten.
            models.Index(fields=["due_on", "id"], name="case_open_by_due",
                         condition=models.Q(state__in=OPEN_STATE_VALUES)),
            models.Index(fields=["district", "due_on", "id"], name="case_district_open_by_due",
                         condition=models.Q(state__in=OPEN_STATE_VALUES)),
        ]
        constraints = [
            # A number holds its case's year of receipt (rules.case_number; the receipt date is not
            # edited after registration): the admin's search of a year's numbers reads only that
            # year's cases along the newest-first index (selectors.numbers_within_their_year).
            models.CheckConstraint(
                condition=Exact(year_in_case_number("number"), Cast(ExtractYear("received_on"), models.CharField())),
                name="case_number_holds_year_of_receipt"),
        ]
        permissions = [
            ("process_case", _("Can register and process approval cases")),
            ("decide_case", _("Can approve, deny and forward approval cases")),
            ("assign_case", _("Can assign and reassign case handlers")),
            ("extend_case", _("Head of authority: can extend a case's time limit")),
        ]

    def __str__(self):
        return self.number

    def clean(self):
        super().clean()
        # The phone as the status page compares it (approvals.phones), whoever typed it.
        self.applicant_phone = as_typed(self.applicant_phone)

    def get_state_display(self) -> str:
        # Django's own hashes each lazy label of the choices on every call: twelve translations
        # per row of a list (issue 12). Django does not replace a get_FOO_display a model defines.
        return str(dict(self.State.choices).get(self.state, self.state))

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    # A case's materials, suspensions and notices, as lists: those a list page prefetched with
    # ``prefetched_list`` when it did, otherwise read now (or from Django's own prefetch).
    @property
    def material_list(self) -> list:
        return _prefetched_or_read(self, "materials")

    @property
    def suspension_list(self) -> list:
        return _prefetched_or_read(self, "suspensions")

    @property
    def notice_list(self) -> list:
        return _prefetched_or_read(self, "notices")

    # Transitions: pure state changes. Guards live in approvals.guards (named so that a
    # refusal can say which one failed); side effects live in approvals.services.

    @transition(field=state, source=State.SUBMITTED, target=State.CORRECTION_REQUESTED,
                permission=_g.may_process, conditions=[_g.within_correction_period, _g.has_missing_materials])
    def request_correction(self):
        pass

    @transition(field=state, source=State.CORRECTION_REQUESTED, target=State.RESUBMITTED, permission=_g.may_process)
    def resubmit(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.RESUBMITTED], target=State.ACCEPTED,
                permission=_g.may_process,
                conditions=[_g.materials_complete, _g.inside_scope, _g.entrusted_with_seal])
    def accept(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.RESUBMITTED], target=State.REFUSED,
                permission=_g.may_process, conditions=[_g.still_refusable, _g.has_refusal_reason])
    def refuse(self):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.UNDER_REVIEW, permission=_g.may_process,
                conditions=[_g.has_handler])
    def start_review(self):
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.PAUSED, permission=_g.may_process)
    def pause(self):
        pass

    @transition(field=state, source=State.PAUSED, target=State.UNDER_REVIEW, permission=_g.may_process)
    def resume(self):
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.UNDER_REVIEW,
                permission=_g.may_extend,
                conditions=[_g.not_yet_extended, _g.not_preliminary_review, _g.before_legal_deadline])
    def extend(self):
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.APPROVED, permission=_g.may_decide,
                conditions=[_g.not_preliminary_review, _g.entrusted_with_seal])
    def approve(self):
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.DENIED, permission=_g.may_decide,
                conditions=[_g.not_preliminary_review, _g.has_decision_reason, _g.entrusted_with_seal])
    def deny(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.CLOSED, permission=_g.may_process,
                conditions=[_g.has_licence_number, _g.entrusted_with_seal])
    def issue_licence(self):
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.FORWARDED, permission=_g.may_decide,
                conditions=[_g.is_preliminary_review, _g.entrusted_with_seal])
    def forward(self):
        pass

    @transition(field=state, source=State.FORWARDED, target=State.CLOSED, permission=_g.may_process,
                conditions=[_g.has_superior_decision])
    def record_superior_decision(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.WITHDRAWN, permission=_g.may_process)
    def withdraw(self):
        pass


def prefetched_list(relation: str, queryset=None) -> models.Prefetch:
    """Prefetch a case relation (materials, suspensions, notices) into a plain list, which
    ``ApprovalCase.material_list``, ``suspension_list`` and ``notice_list`` read.

    Django's own prefetch builds a filtered queryset for each row and relation (so that a
    ``.filter()`` on it stays right): at 50 rows and three relations, a third of the API
    list's time (issue 12). The lists serve reading; a step reads afresh under its lock.
    """
    return models.Prefetch(relation, queryset=queryset, to_attr=_PREFETCHED.format(relation))


_PREFETCHED = "_{}_prefetched"


def drop_prefetched(case, relation: str) -> None:
    """Forget what was prefetched of ``relation``, either way (a step reads it afresh)."""
    getattr(case, "_prefetched_objects_cache", {}).pop(relation, None)
    case.__dict__.pop(_PREFETCHED.format(relation), None)


def _prefetched_or_read(case, relation: str) -> list:
    rows = case.__dict__.get(_PREFETCHED.format(relation))
    return rows if rows is not None else list(getattr(case, relation).all())


class CaseMaterial(models.Model):
    """One item of the materials checklist."""

    case = models.ForeignKey(ApprovalCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="materials")
    name = models.CharField(_("material"), max_length=200)
    provided = models.BooleanField(_("provided"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["id"]

    def __str__(self):
        return self.name


class CaseSuspension(models.Model):
    """A pause of the clock (Art. 45): its legal ground and the length told to the applicant."""

    case = models.ForeignKey(ApprovalCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="suspensions")
    start = models.DateField(_("paused on"))
    end = models.DateField(_("resumed on"), null=True, blank=True)
    ground = models.CharField(_("legal ground"), max_length=20, choices=rules.PauseGround.CHOICES)
    expected_days = models.PositiveSmallIntegerField(_("expected length (working days)"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clock suspension")
        verbose_name_plural = _("clock suspensions")
        ordering = ["start", "id"]

    def __str__(self):
        return f"{self.start}–{self.end or '…'} {self.get_ground_display()}"


class CaseNotice(models.Model):
    """A numbered written notice, frozen when it is issued, printable as a page."""

    # A record of what was written, sent or issued: manage.py plain_text leaves its text alone.
    keeps_text_as_written = True

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("受理通知书")
        REFUSAL = "refusal", _("不予受理决定书")
        CORRECTION = "correction", _("补正材料通知书")
        SUSPENSION = "suspension", _("特别程序告知书")
        EXTENSION = "extension", _("延期通知书")
        APPROVAL = "approval", _("准予行政许可决定书")
        DENIAL = "denial", _("不予行政许可决定书")

    case = models.ForeignKey(ApprovalCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("notice number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    body = models.TextField(_("text"))
    seal = models.ForeignKey(ApprovalSeal, verbose_name=_("seal"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="notices")

    district_lookup = "case__district"  # a notice is seen where its case is
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["issued_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


# The case steps whose notice or decision bears the seal: acceptance and refusal (Art. 32), the
# decision either way (Art. 38), the licence (Art. 39) and a preliminary review's forwarding
# (Art. 35). The seal-use admin's filter offers these without reading the log.
SEALED_STEPS = ("accept", "refuse", "approve", "deny", "issue_licence", "forward")


class SealUse(models.Model):
    """Every decision that uses a seal is logged (002:37: the seal only for entrusted powers)."""

    # A record of what was written, sent or issued: manage.py plain_text leaves its text alone.
    keeps_text_as_written = True

    seal = models.ForeignKey(ApprovalSeal, verbose_name=_("seal"), on_delete=models.PROTECT, related_name="uses")
    case = models.ForeignKey(ApprovalCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="seal_uses")
    # The number the seal stamped, as a paper log would record it (a case's number never changes):
    # the log's search for a year's numbers reads its own rows, newest first (issue 12).
    case_number = models.CharField(_("case number"), max_length=20, editable=False)
    action = models.CharField(_("action"), max_length=40)
    used_on = models.DateField(_("used on"))
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("used by"), on_delete=models.PROTECT,
                                related_name="+")

    STEPS = SEALED_STEPS

    district_lookup = "case__district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("seal use")
        verbose_name_plural = _("seal uses")
        ordering = ["-used_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(action__in=SEALED_STEPS),
                                              name="sealuse_action_is_a_sealed_step"),
                       models.CheckConstraint(condition=~models.Q(case_number=""),
                                              name="sealuse_records_the_case_number")]
        indexes = [
            # The log's list, newest first: a use for every acceptance and decision (issue 12).
            models.Index(fields=["-used_on", "-id"], name="sealuse_newest_first"),
            # A year's numbers searched (selectors.seal_uses_within_their_year): that year's uses, newest first.
            models.Index(year_in_case_number("case_number"), models.F("used_on").desc(), models.F("id").desc(),
                         name="sealuse_case_year_newest_first"),
        ]

    def __str__(self):
        # The step's label (the page title and breadcrumb said "refuse").
        return f"{self.seal} {self.case} {self.step_label()}"

    def step_label(self) -> str:
        """The case step that used the seal, by its label, as the log shows it."""
        from policyops.timeline import action_label  # the timeline reads the apps' models: not at import

        return action_label(ApprovalCase, self.action)

    def save(self, *args, **kwargs):
        if not self.case_number:
            self.case_number = self.case.number
        super().save(*args, **kwargs)
