"""JSON API of the road programme (mounted at /api/roads/).

Views check the shape of a request, then read through programs.roads.selectors or quote
through programs.roads.subsidy. Errors are mapped to HTTP statuses once, in
policyops.api.exception_handler (InvalidInput → 400 naming the field, NotAllowed → 403).
"""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from policyops.api import PolicyOpsAPIMixin, input_errors
from programs.roads import rules, selectors
from programs.roads import serializers as s
from programs.roads.models import RoadProject
from programs.roads.rules import WorkType
from programs.roads.subsidy import ProjectQuoter, RewardLedger, SubsidyTable, load_table, quote_earned

ERRORS = input_errors()


class CanViewRoads(permissions.BasePermission):
    message = _("You may not see the road programme.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("roads.view_roadproject"))


class SubsidyQuoteView(PolicyOpsAPIMixin, APIView):
    """The city subsidy (市级补助) of one project, with its breakdown (002:485-507)."""

    api_title = _("City subsidy quote")
    api_description = _("Send a project's figures to get its city subsidy and how it was computed.")

    permission_classes = [permissions.IsAuthenticated]
    # The body read below; the browsable API draws its form from it.
    serializer_class = s.SubsidyQuoteInputSerializer

    @extend_schema(summary=_("Quote the city subsidy"), request=s.SubsidyQuoteInputSerializer,
                   responses={200: s.SubsidyQuoteSerializer, **ERRORS})
    def post(self, request):
        body = self.serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        table = SubsidyTable.load()
        if data["work_type"] == WorkType.BUS_STOP:
            quote = table.quote_bus_facilities(bays=data["bays"], shelters=data["shelters"], signs=data["signs"],
                                               district=data["district"])
        else:
            quote = quote_earned(table, RewardLedger.load(), data["district"], data["work_type"],
                                 data.get("length_km") or 0,
                                 (data.get("width_m")
                                  or 0),  # pragma: no mutate (this 0 only: 0 or 1 m are both narrow, <6 m)
                                 data["estimate_wan"],
                                 data["poverty_km"], data["excess"], data.get("plan_year"))
        return Response(s.quote_data(quote))


class ProjectListView(PolicyOpsAPIMixin, generics.ListAPIView):
    """Projects the user may see (their district; every district for supervisors), each with its quote."""

    api_title = _("Road projects")
    api_description = _("Road projects of your district (every district for supervisors), each with its city "
                        "subsidy.")

    permission_classes = [permissions.IsAuthenticated, CanViewRoads]
    serializer_class = s.RoadProjectSerializer
    queryset = RoadProject.objects.none()  # for the schema only; reads go through selectors.project_list

    def get_queryset(self):
        query = s.ProjectFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.project_list(user=self.request.user, **query.validated_data)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not hasattr(self, "_quoter"):
            self._quoter = ProjectQuoter(load_table())  # ONE table per request
        return {**context, "quoter": self._quoter, "today": timezone.localdate()}

    @extend_schema(summary=_("List road projects"), parameters=[s.ProjectFilterSerializer],
                   responses={200: s.RoadProjectSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def progress_payload(*, user, as_of) -> dict:
    """Per visible district and Annex 2 target, and the phase checks, as of a date."""
    phases = selectors.programme_phases()
    districts = []
    for progress in selectors.district_progress(as_of=as_of, user=user):
        targets = [_target_row(name, progress.by_target[name]) for name in rules.TARGET_FIELDS]
        checks = [{"phase": c.phase.number, "name": c.phase.name, "starts_on": c.phase.starts_on,
                   "ends_on": c.phase.ends_on,
                   "measure": "accepted" if c.phase.completion_share is None else "completed",
                   "required_share": c.required_share, "actual_share": c.actual_share, "status": c.status,
                   "columns": [_column_row(col) for col in c.columns],
                   "failing_columns": [col.field for col in c.failing]}
                  for c in selectors.programme_checks(progress, as_of, phases)]
        districts.append({"district": progress.district.name, "targets": targets,
                          "km_total": _target_row(None, progress.km), "phase_checks": checks})
    return {"as_of": as_of, "districts": districts}


def _column_row(col) -> dict:
    return {"field": col.field, "label": str(rules.TARGET_LABELS[col.field]), "target": col.target,
            "done": col.done, "share": col.share, "required_share": col.required, "met": col.met}


def _target_row(name, p) -> dict:
    return {"field": name or "km_total", "label": str(rules.TARGET_LABELS.get(name, _("km targets together (km)"))),
            "target": p.target, "planned": p.planned, "under_way": p.under_way, "completed": p.completed,
            "accepted": p.accepted, "completed_share": p.completed_share}


class ProgressView(PolicyOpsAPIMixin, APIView):
    """Progress against the Annex 2 targets and the phase checks (002:477-481, 002:527-539)."""

    api_title = _("Programme progress")
    api_description = _("Progress of each district against the targets of Annex 2, and the checks of each phase.")

    permission_classes = [permissions.IsAuthenticated, CanViewRoads]

    @extend_schema(summary=_("Programme progress as of a date"), parameters=[s.ProgressQuerySerializer],
                   responses={200: s.ProgressSerializer, **ERRORS})
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if k == "as_of" and v.strip()}
        query = s.ProgressQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        return Response(s.ProgressSerializer(progress_payload(user=request.user, as_of=as_of)).data)

