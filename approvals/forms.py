"""Forms of the approvals pages and of the admin's intermediate pages.

Every form collects only what a service needs; the services decide and refuse. Field
names are the ``field`` names the services put on InvalidInput, so a refusal can be shown
next to the field it is about.
"""

from django import forms
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals import rules, services
from approvals.models import ApprovalCase, DelegatedPower, Entrustment
from policyops.formatting import as_typed
from policyops.forms import HtmlDateInput, NoScriptSearchFormMixin, SearchedSelect, preselect_single_choices
from policyops.models import Department, Person, ServiceHall
from policyops.scoping import person_of

_BLANK = [("", "—")]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- Registration -----------------------------------------------------------------


def first_contact_choices(user):
    """Who may be recorded as a case's first contact: any person ``user`` sees (the form's
    choices and the search's answers, views.register.first_contact_search)."""
    return Person.objects.visible_to(user).select_related("department")


FIRST_CONTACT_SEARCH_FIELDS = ("name", "department__name")


class CaseRegisterForm(NoScriptSearchFormMixin, forms.Form):
    power = forms.ModelChoiceField(label=_("delegated power"), queryset=DelegatedPower.objects.order_by("number"))
    applicant_name = forms.CharField(label=_("applicant"), max_length=100)
    applicant_type = forms.ChoiceField(label=_("applicant type"), choices=ApprovalCase.ApplicantType.choices)
    applicant_phone = forms.CharField(label=_("contact phone"), max_length=20, help_text=_(
        "The applicant checks the case on the public status page with the last 4 digits of this number."))
    school_type = forms.ChoiceField(label=_("school type"), choices=_BLANK + rules.SchoolType.CHOICES,
                                    required=False)
    hospital_grade = forms.ChoiceField(label=_("medical institution grade"),
                                       choices=_BLANK + rules.HospitalGrade.CHOICES, required=False)
    inside_pingdu = forms.BooleanField(label=_("located inside Pingdu"), required=False, initial=True)
    cross_regional = forms.BooleanField(label=_("cross-regional project"), required=False, initial=False,
                                        help_text=_("The project crosses Pingdu's border; such approvals are not "
                                                    "delegated and the application is not accepted."))
    received_hall = forms.ModelChoiceField(label=_("receiving hall"), queryset=ServiceHall.objects.none())
    first_contact = forms.ModelChoiceField(
        label=_("first-contact person"), queryset=Person.objects.none(),
        widget=SearchedSelect(search_url=reverse_lazy("approvals:first_contact_search"),
                              search_fields=FIRST_CONTACT_SEARCH_FIELDS))
    received_on = forms.DateField(label=_("received on"), widget=HtmlDateInput())
    materials_provided = forms.CharField(
        label=_("materials received"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."))
    materials_missing = forms.CharField(
        label=_("materials still missing"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Missing materials are listed in the correction notice."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_hall"].queryset = (ServiceHall.objects.visible_to(user)
                                                 .filter(district__isnull=False).select_related("district"))
        self.fields["first_contact"].queryset = first_contact_choices(user)
        person = person_of(user)
        self.fields["first_contact"].initial = person.pk if person else None
        self.fields["received_on"].initial = timezone.localdate()
        preselect_single_choices(self)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The receipt date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if not _lines(data.get("materials_provided")) and not _lines(data.get("materials_missing")):
            raise forms.ValidationError(_("List the materials received (at least one)."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        materials = [(name, True) for name in _lines(data["materials_provided"])]
        materials += [(name, False) for name in _lines(data["materials_missing"])]
        return {
            "power": data["power"], "applicant_name": data["applicant_name"],
            "applicant_type": data["applicant_type"], "applicant_phone": data["applicant_phone"],
            "received_hall": data["received_hall"], "first_contact": data["first_contact"],
            "received_on": data["received_on"], "materials": materials, "school_type": data["school_type"],
            "hospital_grade": data["hospital_grade"], "inside_pingdu": data["inside_pingdu"],
            "cross_regional": data["cross_regional"],
        }


class PowerChoiceForm(forms.Form):
    """The registration page's first step: the power decides the checklist and the facts asked."""

    power = forms.ModelChoiceField(label=_("delegated power"), queryset=DelegatedPower.objects.order_by("number"))


def _valid_halls(user):
    """Halls the user may register at: only the entrusted authority's district exercises the powers (002:31)."""
    return (ServiceHall.objects.visible_to(user).filter(
        district__departments__kind=Department.Kind.APPROVAL_AUTHORITY).distinct().select_related("district"))


class CaseRegisterPageForm(CaseRegisterForm):
    """The front registration page: the power's checklist ticked, other materials as lines, the scope checked."""

    checklist = forms.MultipleChoiceField(
        label=_("materials checklist"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what was received; an unticked item is recorded as missing."))
    confirm_out_of_scope = forms.BooleanField(
        label=_("Register anyway, to decide not to accept it"), required=False, widget=forms.HiddenInput,
        help_text=_("The application is outside the delegated scope; it is registered and then not accepted, with "
                    "the reason and where to apply instead."))

    field_order = ("power", "applicant_name", "applicant_type", "applicant_phone", "school_type", "hospital_grade",
                   "inside_pingdu", "cross_regional", "received_hall", "first_contact", "received_on", "checklist",
                   "materials_provided", "materials_missing", "confirm_out_of_scope")

    def __init__(self, *args, user, power, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.power = power
        self.scope_problems = []
        self.fields["power"].widget = forms.HiddenInput()
        self.fields["power"].initial = power.pk
        self.items = list(power.checklist.all())
        self.fields["checklist"].choices = [(str(item.pk), item.name) for item in self.items]
        if not self.items:
            del self.fields["checklist"]
        self.fields["materials_provided"].label = _("other materials received")
        self.fields["materials_missing"].label = _("other materials still missing")
        # Ask only the facts this power's scope rule needs (rules.scope_violations).
        if power.scope_rule != rules.ScopeRule.PRIVATE_HIGH_OR_VOCATIONAL_SCHOOL:
            del self.fields["school_type"]
        if power.scope_rule not in (rules.ScopeRule.NOT_TERTIARY_PRACTITIONER, rules.ScopeRule.NOT_TERTIARY_HOSPITAL):
            del self.fields["hospital_grade"]
        halls = _valid_halls(user)
        self.fields["received_hall"].queryset = halls
        preselect_single_choices(self)

    def clean_power(self):
        power = self.cleaned_data["power"]
        if power.pk != self.power.pk:
            raise forms.ValidationError(_("The delegated power changed; choose it again."))
        return power

    def materials(self) -> list[tuple[str, bool]]:
        data = self.cleaned_data
        ticked = set(data.get("checklist") or ())
        materials = [(item.name, str(item.pk) in ticked) for item in self.items]
        materials += [(name, True) for name in _lines(data.get("materials_provided"))]
        materials += [(name, False) for name in _lines(data.get("materials_missing"))]
        return materials

    def clean(self):
        data = forms.Form.clean(self)
        names = [name for name, _provided in self.materials()]
        if not names:
            raise forms.ValidationError(_("List the materials received (at least one)."))
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            self.add_error("materials_provided", _("Listed more than once: %(names)s") % {"names": "、".join(repeated)})
        self._check_scope(data)
        return data

    def _check_scope(self, data):
        """services.case_scope_problems before anything is saved: a missing fact is the field's error; an
        application outside the scope is registered only when confirmed (then refused, Art. 32)."""
        case = ApprovalCase(power=self.power, school_type=data.get("school_type", ""),
                            hospital_grade=data.get("hospital_grade", ""), inside_pingdu=data.get("inside_pingdu"),
                            cross_regional=data.get("cross_regional"))
        missing_fact = {str(rules.SCHOOL_TYPE_MISSING): "school_type",
                        str(rules.HOSPITAL_GRADE_MISSING): "hospital_grade"}
        for problem in services.case_scope_problems(case):
            if problem in missing_fact:
                self.add_error(missing_fact[problem], problem)
            else:
                self.scope_problems.append(problem)
        if self.scope_problems:  # the confirmation is asked only now
            self.fields["confirm_out_of_scope"].widget = forms.CheckboxInput()
        if self.scope_problems and not data.get("confirm_out_of_scope"):
            self.add_error(None, _("Outside the delegated scope: %(problems)s Tick the confirmation to register it "
                                   "and then decide not to accept it.") % {"problems": "".join(self.scope_problems)})

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "power": self.power, "applicant_name": data["applicant_name"], "applicant_type": data["applicant_type"],
            "applicant_phone": data["applicant_phone"], "received_hall": data["received_hall"],
            "first_contact": data["first_contact"], "received_on": data["received_on"], "materials": self.materials(),
            "school_type": data.get("school_type", ""), "hospital_grade": data.get("hospital_grade", ""),
            "inside_pingdu": data["inside_pingdu"], "cross_regional": data["cross_regional"],
        }


class FollowUpForm(forms.Form):
    follow_up_on = forms.DateField(label=_("follow-up date"), required=False, widget=HtmlDateInput(),
                                   help_text=_("Leave empty to clear it."))


# --- Case transitions ---------------------------------------------------------------


class CaseTransitionForm(forms.Form):
    """What a case transition needs besides the case, the acting user and the date."""

    def __init__(self, *args, case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ConfirmForm(CaseTransitionForm):
    pass


class CorrectionForm(CaseTransitionForm):
    missing = forms.MultipleChoiceField(
        label=_("missing materials"), widget=forms.CheckboxSelectMultiple,
        help_text=_("The notice lists every ticked item; the applicant is told once (Art. 32)."))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        materials = case.material_list
        self.fields["missing"].choices = [(m.name, m.name) for m in materials]
        self.fields["missing"].initial = [m.name for m in materials if not m.provided]


class ResubmitForm(CaseTransitionForm):
    provided = forms.MultipleChoiceField(
        label=_("materials now provided"), widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        missing = [m.name for m in case.material_list if not m.provided]
        self.fields["provided"].choices = [(name, name) for name in missing]
        self.fields["provided"].initial = missing


class RefuseForm(CaseTransitionForm):
    reason = forms.CharField(label=_("reason for not accepting"), widget=forms.Textarea(attrs={"rows": 3}))
    refer_to = forms.CharField(label=_("where to apply instead"), max_length=200, required=False,
                               help_text=_("Required for a matter outside the delegated scope (Art. 32)."))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        suggestion = services.case_refusal_suggestion(case)
        if suggestion:
            self.fields["reason"].initial = suggestion["reason"]
            self.fields["refer_to"].initial = suggestion["refer_to"]
            self.fields["refer_to"].required = True


class PauseForm(CaseTransitionForm):
    ground = forms.ChoiceField(label=_("legal ground"), choices=_BLANK + rules.PauseGround.CHOICES)
    expected_days = forms.IntegerField(label=_("expected length (working days)"), min_value=1, max_value=365)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class ReasonForm(CaseTransitionForm):
    reason_required = False
    reason_label = _("reason")

    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["reason"].required = self.reason_required
        self.fields["reason"].label = self.reason_label


class ExtendForm(ReasonForm):
    reason_required = True
    reason_label = _("reason for the extension (told to the applicant)")


class ApproveForm(ReasonForm):
    reason_label = _("decision reasons")


class DenyForm(ReasonForm):
    reason_required = True
    reason_label = _("reasons for the denial")


class LicenceForm(CaseTransitionForm):
    licence_number = forms.CharField(label=_("licence number"), max_length=50)


class SuperiorDecisionForm(CaseTransitionForm):
    decision = forms.ChoiceField(label=_("deciding authority's decision"),
                                 choices=_BLANK + list(ApprovalCase.SuperiorDecision.choices))
    document = forms.CharField(label=_("deciding authority's document"), max_length=100)


# --- Admin intermediate pages ---------------------------------------------------------


def case_processors(district_id):
    """People of the district whose login may process cases: the only possible handlers."""
    perm = Permission.objects.filter(content_type__app_label="approvals", codename="process_case")
    can_process = (Q(user__is_superuser=True) | Q(user__user_permissions__in=perm)
                   | Q(user__groups__permissions__in=perm))
    return (Person.objects.filter(can_process, district_id=district_id, user__is_active=True)
            .distinct().select_related("department").order_by("name"))


class AssignHandlerForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("handler"), queryset=Person.objects.none())

    def __init__(self, *args, district_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = case_processors(district_id)


class EntrustmentStepForm(forms.Form):
    """The input of an entrustment's step, built with the entrustment (``entrustment=``) as the
    workflow's step pages build it, or without one (a bulk action): the same questions."""

    def __init__(self, *args, entrustment=None, **kwargs):
        self.entrustment = entrustment
        super().__init__(*args, **kwargs)


class SuspendEntrustmentForm(EntrustmentStepForm):
    reason = forms.CharField(label=_("reason for the suspension"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The delegated powers stop at once; the reason is recorded."))


class RevokeEntrustmentForm(EntrustmentStepForm):
    reason = forms.ChoiceField(label=_("revocation reason"),
                               choices=_BLANK + list(Entrustment.RevocationReason.choices))
    details = forms.CharField(label=_("revocation details"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("The facts behind the revocation; the seal is recovered today."))


# --- Public status page -------------------------------------------------------------


class StatusLookupForm(forms.Form):
    """The public page speaks Chinese only, like the notices the applicant holds."""

    number = forms.CharField(label="案件编号", max_length=30,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "PD-2024-000001"}))
    phone_last4 = forms.CharField(label="联系电话后4位", max_length=8, widget=forms.TextInput(
        attrs={"autocomplete": "off", "inputmode": "numeric", "size": 6}),
        help_text="申请时留下的联系电话的最后4位数字")

    def clean_number(self):
        return rules.case_number_as_typed(self.cleaned_data["number"])

    def clean_phone_last4(self):
        return as_typed(self.cleaned_data["phone_last4"])
