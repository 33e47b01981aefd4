"""Serializers of the road programme's JSON API, and the quote of one project.

Input serializers only check the shape of a request; the subsidy rules themselves live in
programs.roads.subsidy (its InvalidInput errors reach the client as 400s naming the field).
Output serializers only read.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from policyops import workflow
from policyops.api import ChoiceField, ModelSerializer
from policyops.models import District
from programs.roads import rules
from programs.roads.models import RoadProject, Step
from programs.roads.rules import WorkType
from programs.roads.subsidy import Quote

REQUIRED = _("This field is required.")
UNKNOWN_DISTRICT = _("Unknown district “%(name)s”.")
CHECK_STATUSES = ("on_track", "at_risk", "met", "missed")
ANNEX_2_COLUMNS = ", ".join(rules.TARGET_FIELDS)  # the help texts name them


# --- subsidy quote -------------------------------------------------------------------------------


def project_label(name: str):
    """The label of a road project's field ``name``, capitalised as DRF writes a model's labels."""
    return capfirst(RoadProject._meta.get_field(name).verbose_name)


class SubsidyQuoteInputSerializer(serializers.Serializer):
    """One project's facts (or, for 客运站点, its bus facilities)."""

    # The facts a project records, labelled as its own fields are (the wording in one place).
    district = serializers.CharField(max_length=50, label=project_label("district"),
                                     help_text=_("District name, e.g. 平度市."))
    work_type = ChoiceField(choices=WorkType.CHOICES, label=project_label("work_type"),
                            help_text=_("Work type, by its Chinese name."))
    length_km = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal(0), required=False,
                                         label=capfirst(_("length (km)")),  # the project's own: "length (km) or count"
                                         help_text=_("Not needed for 危桥改造 and 客运站点."))
    width_m = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal(0), required=False,
                                       label=project_label("pavement_width_m"),
                                       help_text=_("Not needed for 危桥改造 and 客运站点."))
    estimate_wan = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0), required=False,
                                            label=project_label("estimate_wan"))
    poverty_km = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal(0), default=Decimal(0),
                                          label=project_label("poverty_km"),
                                          help_text=RoadProject._meta.get_field("poverty_km").help_text)
    excess = serializers.BooleanField(default=False, label=project_label("excess"),
                                      help_text=_("Work beyond the annual target (reward rules): rewarded only once "
                                                  "the district has met that year's plan in the column."))
    plan_year = serializers.IntegerField(min_value=2018, max_value=2020, required=False,
                                         label=project_label("plan_year"),
                                         help_text=_("Needed for work beyond the annual target (002:503)."))
    bays = serializers.IntegerField(min_value=0, max_value=100000, default=0, label=project_label("bus_bays"),
                                    help_text=_("客运站点 only."))
    shelters = serializers.IntegerField(min_value=0, max_value=100000, default=0, label=project_label("bus_shelters"),
                                        help_text=_("客运站点 only."))
    signs = serializers.IntegerField(min_value=0, max_value=100000, default=0, label=project_label("bus_signs"),
                                     help_text=_("客运站点 only."))

    def validate_district(self, value):
        value = value.strip()
        district = District.objects.filter(name=value).first()
        if district is None:
            raise serializers.ValidationError(UNKNOWN_DISTRICT % {"name": value})
        if not rules.in_programme(district):
            raise serializers.ValidationError(rules.NOT_IN_PROGRAMME % {"district": value})
        return value

    def validate(self, attrs):
        work_type = attrs["work_type"]
        if work_type == WorkType.BUS_STOP:
            return attrs
        needed = ["estimate_wan"] if work_type == WorkType.BRIDGE else ["length_km", "width_m", "estimate_wan"]
        missing = {name: [REQUIRED] for name in needed if attrs.get(name) is None}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class SubsidyQuoteSerializer(serializers.Serializer):
    amount_wan = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("City subsidy in 万元."))
    breakdown = serializers.DictField(help_text=_("How the amount was computed (rate, caps, multipliers, …)."))


# --- projects ------------------------------------------------------------------------------------


class ProjectFilterSerializer(serializers.Serializer):
    district = serializers.CharField(required=False, allow_blank=True, help_text=_("District name."))
    work_type = ChoiceField(choices=WorkType.CHOICES, required=False, allow_blank=True)
    # The API keeps the name "status" for the project's state (source: RoadProject.state).
    status = ChoiceField(source="state", choices=RoadProject.State.choices, required=False,
                         allow_blank=True)

    def validate_district(self, value):
        value = (value or "").strip()
        if not value:
            return None
        district = District.objects.filter(name=value).first()
        if district is None:
            raise serializers.ValidationError(UNKNOWN_DISTRICT % {"name": value})
        return district

    def validate(self, attrs):
        return {key: value or None for key, value in attrs.items()}


class RoadMilestoneSerializer(serializers.Serializer):
    step = ChoiceField(choices=Step.CHOICES)
    planned_end = serializers.DateField(allow_null=True)
    actual_start = serializers.DateField(allow_null=True)
    actual_end = serializers.DateField(allow_null=True)
    evidence_number = serializers.CharField()
    overdue = serializers.SerializerMethodField(help_text=_("The planned end has passed without an actual end."))

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, milestone) -> bool:
        return milestone.is_overdue(self.context["today"])


class RoadProjectSerializer(ModelSerializer):
    """A project with its milestones and its city-subsidy quote."""

    district = serializers.CharField(source="district.name", read_only=True)
    unit = serializers.SerializerMethodField()
    manager = serializers.CharField(source="manager.name", read_only=True, allow_null=True, default=None)
    # "status" in the JSON, as before the model's field was renamed to ``state``.
    status = serializers.CharField(source="state", read_only=True)
    status_label = serializers.CharField(source="get_state_display", read_only=True)
    allowed_actions = serializers.SerializerMethodField(help_text=_(
        "The steps the user may take on the project today: the same list the admin offers."))
    surface = serializers.CharField(read_only=True)
    base_layer = serializers.CharField(read_only=True)
    milestones = RoadMilestoneSerializer(many=True, read_only=True)
    quote = serializers.SerializerMethodField()
    quote_error = serializers.SerializerMethodField(help_text=_("Why there is no quote, when there is none."))

    class Meta:
        model = RoadProject
        fields = ["id", "name", "district", "town", "work_type", "quantity", "unit", "pavement_width_m", "surface",
                  "surface_thickness_cm", "base_layer", "passing_bays", "poverty_km", "estimate_wan", "plan_year",
                  "excess", "bus_bays", "bus_shelters", "bus_signs", "responsible_unit", "contact", "manager",
                  "status", "status_label", "completed_km",
                  "milestones", "allowed_actions", "quote", "quote_error"]
        read_only_fields = fields

    def get_unit(self, project) -> str:
        return WorkType.unit(project.work_type)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, project) -> list[str]:
        request = self.context["request"]
        return workflow.ready_action_names(project, request.user, as_of=self.context["today"])

    def _quote(self, project):
        cache = self.context.setdefault("_quotes", {})
        if project.pk not in cache:
            cache[project.pk] = self.context["quoter"].quote_project(project)
        return cache[project.pk]

    @extend_schema_field(SubsidyQuoteSerializer(allow_null=True))
    def get_quote(self, project):
        quote, _error = self._quote(project)
        return quote_data(quote) if quote else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_quote_error(self, project):
        return self._quote(project)[1]


def quote_data(quote: Quote) -> dict:
    return SubsidyQuoteSerializer({"amount_wan": quote.amount_wan, "breakdown": quote.breakdown}).data


# --- progress ------------------------------------------------------------------------------------


class TargetProgressSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=format_lazy(
        _("Annex 2 column ({columns}), or km_total for the km columns together."), columns=ANNEX_2_COLUMNS))
    label = serializers.CharField()
    target = serializers.DecimalField(max_digits=None, decimal_places=2)
    planned = serializers.DecimalField(max_digits=None, decimal_places=2)
    under_way = serializers.DecimalField(max_digits=None, decimal_places=2)
    completed = serializers.DecimalField(max_digits=None, decimal_places=2)
    accepted = serializers.DecimalField(max_digits=None, decimal_places=2)
    completed_share = serializers.DecimalField(max_digits=None, decimal_places=4, allow_null=True,
                                               help_text=_("completed ÷ target (null when the target is 0)."))


class ColumnCheckSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=format_lazy(_("Annex 2 column ({columns})."), columns=ANNEX_2_COLUMNS))
    label = serializers.CharField()
    target = serializers.DecimalField(max_digits=None, decimal_places=2)
    done = serializers.DecimalField(max_digits=None, decimal_places=2, help_text=_("Capped at the column's target."))
    share = serializers.DecimalField(max_digits=None, decimal_places=4)
    required_share = serializers.DecimalField(max_digits=None, decimal_places=4,
                                              help_text=_("Share due now (pro-rata before the phase ends)."))
    met = serializers.BooleanField()


class PhaseCheckSerializer(serializers.Serializer):
    phase = serializers.IntegerField(help_text=_("Phase number (002:477-481)."))
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    measure = serializers.CharField(help_text=_("“completed” or “accepted” (the last phase counts acceptance)."))
    required_share = serializers.DecimalField(max_digits=None, decimal_places=2)
    actual_share = serializers.DecimalField(max_digits=None, decimal_places=4, allow_null=True,
                                            help_text=_("The weakest column's share (each capped at 1)."))
    status = serializers.CharField(help_text=format_lazy(
        _("One of: {statuses}. Met only when every column is (002:479)."), statuses=", ".join(CHECK_STATUSES)))
    columns = ColumnCheckSerializer(many=True, help_text=_("Each Annex 2 column with a target, checked on its own."))
    failing_columns = serializers.ListField(child=serializers.CharField(),
                                            help_text=_("The columns that fall short of the share due now."))


class DistrictProgressSerializer(serializers.Serializer):
    district = serializers.CharField()
    targets = TargetProgressSerializer(many=True)
    km_total = TargetProgressSerializer(help_text=_(
        "The km columns together: upgrade, village access, major/medium repair and preventive maintenance (what "
        "the phase checks measure)."))
    phase_checks = PhaseCheckSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    districts = DistrictProgressSerializer(many=True)


class ProgressQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("YYYY-MM-DD; today when absent."))
