"""Serializers of the approvals JSON API.

Output serializers only read; input serializers only validate the shape of a request —
what a use case allows is decided by approvals.services, never here. The applicant's
phone number is masked in every response (policyops.masking) but one: the case's own
endpoint shows it in full to those who handle the case, and that view is audited.
"""
import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals import forms, rules
from approvals.models import (
    ApprovalCase,
    CaseMaterial,
    CaseNotice,
    CaseSuspension,
    DelegatedPower,
)
from approvals.selectors import DUE_LABELS, DueState, case_clock_summary
from policyops.api import ChoiceField, ModelSerializer, Serializer
from policyops.masking import mask_phone
from policyops.models import Person
from policyops.scoping import with_city_level

# The values with what they mean, for the schema's lists ("`private_school` - 限于民办普通高中、中职学校"):
# a scope rule by the annex's remark that sets it, a due state by its badge's name.
SCOPE_RULES = [(rules.ScopeRule.NONE, ""), *((rule, remark) for remark, rule in rules.SCOPE_RULE_BY_REMARK.items())]
DUE_STATES = list(DUE_LABELS.items())


# --- delegated powers -----------------------------------------------------------------------


class DelegatedPowerSerializer(ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    is_preliminary_review = serializers.BooleanField(read_only=True)
    scope_rule = ChoiceField(choices=SCOPE_RULES, read_only=True)

    class Meta:
        model = DelegatedPower
        fields = ["number", "agency", "name", "item", "sub_item", "remark", "is_preliminary_review", "scope_rule",
                  "legal_limit_days", "promised_limit_days"]
        read_only_fields = fields


# --- cases: output --------------------------------------------------------------------------


class ClockSerializer(serializers.Serializer):
    """approvals.selectors.case_clock_summary as of today."""

    received_on = serializers.DateField()
    accepted_on = serializers.DateField(allow_null=True)
    correction_due_on = serializers.DateField(allow_null=True)
    legal_due_on = serializers.DateField(allow_null=True)
    promised_due_on = serializers.DateField(allow_null=True)
    licence_due_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    days_paused = serializers.IntegerField()
    days_left = serializers.IntegerField(allow_null=True)
    due_state = ChoiceField(choices=DUE_STATES)
    provisional = serializers.BooleanField(
        help_text=_("The due date lies in a year whose official holiday calendar is not known yet."))


class CaseMaterialSerializer(ModelSerializer):
    class Meta:
        model = CaseMaterial
        fields = ["name", "provided", "note"]
        read_only_fields = fields


class CaseSuspensionSerializer(ModelSerializer):
    ground_display = serializers.CharField(source="get_ground_display", read_only=True)

    class Meta:
        model = CaseSuspension
        fields = ["start", "end", "ground", "ground_display", "expected_days", "note"]
        read_only_fields = fields


class CaseNoticeSerializer(ModelSerializer):
    class Meta:
        model = CaseNotice
        fields = ["kind", "number", "issued_on"]
        read_only_fields = fields


class CaseSerializer(ModelSerializer):
    """A case as the list shows it. Needs ``today`` in the context (the clock's date)."""

    state_display = serializers.CharField(source="get_state_display", read_only=True)
    power = serializers.IntegerField(source="power.number", read_only=True)
    power_name = serializers.CharField(source="power.name", read_only=True)
    handler = serializers.CharField(source="handler.name", read_only=True, allow_null=True)
    first_contact = serializers.CharField(source="first_contact.name", read_only=True)
    clock = serializers.SerializerMethodField()
    applicant_phone = serializers.SerializerMethodField(
        help_text=_("Masked (138****5678), except on the case's own endpoint for those who handle the case."))
    # From the lists a list prefetched (approvals.models.prefetched_list), or read for one case.
    materials = CaseMaterialSerializer(many=True, read_only=True, source="material_list")
    suspensions = CaseSuspensionSerializer(many=True, read_only=True, source="suspension_list")
    notices = CaseNoticeSerializer(many=True, read_only=True, source="notice_list")

    class Meta:
        model = ApprovalCase
        fields = ["number", "state", "state_display", "power", "power_name", "applicant_name", "applicant_type",
                  "applicant_phone", "received_on", "accepted_on", "deemed_accepted", "extended", "handler",
                  "first_contact", "clock", "materials", "suspensions", "notices"]
        read_only_fields = fields

    def get_applicant_phone(self, case) -> str:
        # Masked here; CaseViewSet.retrieve puts the full number in for those who handle the case.
        return mask_phone(case.applicant_phone)

    @extend_schema_field(ClockSerializer)
    def get_clock(self, case):
        # What ClockSerializer writes (dates as ISO strings), without a serializer instance per
        # row: building one copied its eleven fields for each case of a list (issue 12).
        clock = case_clock_summary(case, self.context["today"])
        return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in clock.items()}


class CaseDetailSerializer(CaseSerializer):
    """A case with its outcomes and what the requesting user may do next.

    ``allowed_transitions`` (from the context) names the transitions whose state, permission
    and conditions hold now; conditions met by the request body itself (a reason, a licence
    number, the deciding authority's decision) are taken as met.
    """

    # A plain string, not a second enum of the same choices as the ``decision`` input.
    superior_decision = serializers.CharField(read_only=True,
                                              help_text=_("approved / denied (empty until recorded)."))
    # Empty when the fact does not apply: the schema must allow "" beside the choices (issue 13 #7).
    school_type = ChoiceField(choices=rules.SchoolType.CHOICES, allow_blank=True, read_only=True)
    hospital_grade = ChoiceField(choices=rules.HospitalGrade.CHOICES, allow_blank=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "school_type", "hospital_grade", "inside_pingdu", "cross_regional",
                  "refusal_reason",
                  "refer_to", "decision_reason", "licence_number", "superior_decision", "superior_document",
                  "allowed_transitions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, case):
        return list(self.context.get("allowed_transitions", ()))


# --- cases: input ---------------------------------------------------------------------------


# Input serializers take their fields' labels (and, where they add none, help texts) from the
# form that asks the same input on the pages (``labels_from``, policyops.api.LabelledFieldsMixin).


class CaseListQuerySerializer(Serializer):
    state = ChoiceField(choices=ApprovalCase.State.choices, required=False, label=_("state"),
                        help_text=_("Only cases in this state."))
    due = ChoiceField(choices=[(state, DUE_LABELS[state]) for state in (DueState.OVERDUE, DueState.SOON)],
                      required=False, label=_("due"),
                      help_text=_("overdue: open cases past their deadline; soon: at most 3 working days left."))


class MaterialInputSerializer(Serializer):
    name = serializers.CharField(max_length=200, label=_("material"))
    provided = serializers.BooleanField(default=False, label=_("provided"))


class CaseRegisterSerializer(ModelSerializer):
    """The application as received at the hall; validated here for shape only."""

    labels_from = forms.CaseRegisterForm

    power = serializers.SlugRelatedField(slug_field="number", queryset=DelegatedPower.objects.all(),
                                         help_text=_("The number of the delegated power (1–49)."))
    # The initial values are the defaults: the browsable API's raw-data form starts from them.
    received_on = serializers.DateField(required=False, allow_null=True,
                                        help_text=_("Defaults to today (when left out or null); never in the "
                                                    "future."))
    applicant_phone = serializers.CharField(max_length=20, write_only=True)
    materials = MaterialInputSerializer(many=True, label=_("materials"),
                                        help_text=_("Each material's name, and whether it was received."))
    school_type = ChoiceField(choices=rules.SchoolType.CHOICES, required=False, allow_blank=True,
                              default="", initial="")
    hospital_grade = ChoiceField(choices=rules.HospitalGrade.CHOICES, required=False,
                                 allow_blank=True, default="", initial="")
    inside_pingdu = serializers.BooleanField(default=True, initial=True)
    cross_regional = serializers.BooleanField(default=False)

    class Meta:
        model = ApprovalCase
        fields = ["power", "applicant_name", "applicant_type", "applicant_phone", "received_hall", "received_on",
                  "materials", "school_type", "hospital_grade", "inside_pingdu", "cross_regional"]

    def validate_received_on(self, value):
        if value is not None and value > self.context["today"]:
            raise serializers.ValidationError(_("The date of receipt cannot be in the future."))
        return value


class CorrectionInputSerializer(Serializer):
    labels_from = forms.CorrectionForm

    missing = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                    help_text=_("Materials to mark missing before the notice lists every missing "
                                                "one."))


class ResubmitInputSerializer(Serializer):
    labels_from = forms.ResubmitForm

    provided = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                     help_text=_("Materials now provided; all of them when left out."))


class RefuseInputSerializer(Serializer):
    labels_from = forms.RefuseForm

    reason = serializers.CharField(required=False, allow_blank=True,
                                   help_text=_("Left empty: the scope rule's reason, when the scope rule fails."))
    refer_to = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     help_text=_("Where to apply instead; left empty: the agency that owns the "
                                                 "power, when the scope rule fails."))


class PauseInputSerializer(Serializer):
    labels_from = forms.PauseForm

    ground = ChoiceField(choices=rules.PauseGround.CHOICES)
    expected_days = serializers.IntegerField(min_value=1, max_value=32767)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RequiredReasonSerializer(Serializer):
    labels_from = forms.ReasonForm

    reason = serializers.CharField()


class OptionalReasonSerializer(Serializer):
    labels_from = forms.ReasonForm

    reason = serializers.CharField(required=False, allow_blank=True)


class LicenceInputSerializer(Serializer):
    labels_from = forms.LicenceForm

    licence_number = serializers.CharField(max_length=50)


class SuperiorDecisionInputSerializer(Serializer):
    labels_from = forms.SuperiorDecisionForm

    decision = ChoiceField(choices=ApprovalCase.SuperiorDecision.choices)
    document = serializers.CharField(max_length=100)


@extend_schema_field(OpenApiTypes.INT)
class HandlerField(serializers.PrimaryKeyRelatedField):
    """A person the requesting user can see: their district's people and city-level ones."""

    def get_queryset(self):
        request = self.context.get("request")
        people = Person.objects.all()
        return people if request is None else with_city_level(people, request.user)


class AssignInputSerializer(Serializer):
    labels_from = forms.AssignHandlerForm

    # A number box in the browsable API's form: a select would list a district's thousand people.
    handler = HandlerField(help_text=_("The id of the person who will handle the case."),
                           style={"base_template": "input.html", "input_type": "number"})
