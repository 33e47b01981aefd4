"""JSON API of delegated approvals (mounted at /api/approvals/).

Views validate the shape of a request and call exactly one use case of
approvals.services; they never change a case themselves. ``as_of`` is always today
(``timezone.localdate()``): clients cannot back-date an action. Errors are mapped to
HTTP statuses once, in policyops.api.exception_handler.
"""
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework import decorators
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import selectors, services
from approvals.actions import CASE_ACTIONS
from approvals import serializers as s
from approvals.models import ApprovalCase, CaseNotice, DelegatedPower
from policyops.api import ErrorSerializer, InputErrorSerializer, PolicyOpsAPIMixin
from policyops.errors import InvalidInput
from policyops import workflow

NO_PERSON = _("Your login account is not linked to a person record, so it cannot be the first-contact person "
              "of a case. Ask a supervisor to link it.")
UNKNOWN_ACTION = _("Unknown action.")



def allowed_transitions(case, user, today) -> list[str]:
    """The steps ``user`` may take on ``case`` today: the same list the admin and pages show."""
    return workflow.ready_action_names(case, user, as_of=today)


ERRORS = {
    400: OpenApiResponse(InputErrorSerializer, description="Invalid input; ``field`` names the field."),
    403: OpenApiResponse(ErrorSerializer, description="Not logged in, or not allowed."),
    404: OpenApiResponse(ErrorSerializer, description="No such case in the user's district."),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the case's current state, a condition "
                                                      "is unmet, or someone else changed the case meanwhile."),
}


class CanViewCases(permissions.BasePermission):
    message = _("You may not see approval cases.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("approvals.view_approvalcase"))


class DelegatedPowerViewSet(PolicyOpsAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The 49 powers delegated to Pingdu (decree 第264号), in the annex's order."""

    queryset = DelegatedPower.objects.select_related("agency").order_by("number")
    serializer_class = s.DelegatedPowerSerializer


def _transition_action(action):
    """The POST /cases/{number}/<name>/ endpoint that runs the action's service."""

    def run(self, request, number=None):
        return self._transition(request, number, action)

    run.__name__ = action.name
    run = extend_schema(
        summary=f"Case transition: {action.name}",
        description=(action.service.__doc__ or "").strip() or None,
        request=action.serializer,
        responses={200: s.CaseDetailSerializer, **ERRORS},
    )(run)
    return decorators.action(detail=True, methods=["post"], url_path=action.name,
                             url_name=action.name.replace("_", "-"))(run)


class CaseViewSet(PolicyOpsAPIMixin, viewsets.GenericViewSet):
    """Approval cases of the user's district (every district for supervisors)."""

    permission_classes = [permissions.IsAuthenticated, CanViewCases]
    serializer_class = s.CaseSerializer
    lookup_field = "number"
    # For the schema's introspection only; every read goes through approvals.selectors.
    queryset = ApprovalCase.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.today = timezone.localdate()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": getattr(self, "today", None) or timezone.localdate()}

    # --- reads ---------------------------------------------------------------------------

    def _get(self, number) -> ApprovalCase:
        try:
            return selectors.case_get(user=self.request.user, number=number)
        except ApprovalCase.DoesNotExist:
            raise NotFound() from None

    def _detail(self, case) -> dict:
        context = {**self.get_serializer_context(),
                   "allowed_transitions": allowed_transitions(case, self.request.user, self.today)}
        return s.CaseDetailSerializer(case, context=context).data

    @extend_schema(parameters=[s.CaseListQuerySerializer],
                   responses={200: s.CaseSerializer(many=True), 400: ERRORS[400]})
    def list(self, request):
        query = s.CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cases = (selectors.case_list(user=request.user, today=self.today, **query.validated_data)
                 .prefetch_related("materials", "suspensions",
                                   Prefetch("notices", queryset=CaseNotice.objects.defer("body"))))
        page = self.paginate_queryset(cases)
        if page is None:
            return Response(self.get_serializer(cases, many=True).data)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.CaseDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request, number=None):
        return Response(self._detail(self._get(number)))

    # --- use cases -----------------------------------------------------------------------

    @extend_schema(summary="Register an application", request=s.CaseRegisterSerializer,
                   responses={201: s.CaseDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]})
    def create(self, request):
        body = s.CaseRegisterSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        try:
            first_contact = request.user.person
        except ObjectDoesNotExist:
            raise InvalidInput(NO_PERSON, field="first_contact") from None
        data = body.validated_data
        case = services.case_register(
            power=data["power"], applicant_name=data["applicant_name"], applicant_type=data["applicant_type"],
            applicant_phone=data["applicant_phone"], received_hall=data["received_hall"],
            first_contact=first_contact, received_on=data.get("received_on") or self.today,
            materials=[(m["name"], m["provided"]) for m in data["materials"]], acting_user=request.user,
            school_type=data["school_type"], hospital_grade=data["hospital_grade"],
            inside_pingdu=data["inside_pingdu"])
        return Response(self._detail(self._get(case.number)), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Assign or reassign the handler",
                   description=(services.case_assign.__doc__ or "").strip(), request=s.AssignInputSerializer,
                   responses={200: s.CaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, number=None):
        case = self._get(number)
        body = s.AssignInputSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.case_assign(cases=[case], handler=body.validated_data["handler"], acting_user=request.user)
        return Response(self._detail(self._get(number)))

    def _transition(self, request, number, action):
        # The service locks the row and refuses a copy that changed meanwhile (409).
        case = self._get(number)
        params = {}
        if action.serializer is not None:
            body = action.serializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            params = dict(body.validated_data)
        workflow.perform(case, action.name, acting_user=request.user, as_of=self.today, **params)
        return Response(self._detail(self._get(number)))

    locals().update({a.name: _transition_action(a) for a in CASE_ACTIONS})


class UnknownCaseActionView(PolicyOpsAPIMixin, APIView):
    """/cases/{number}/<anything else>/: a JSON 404 rather than Django's HTML page."""

    schema = None  # not part of the API

    def post(self, request, *args, **kwargs):
        raise NotFound(UNKNOWN_ACTION)

    get = put = patch = delete = post
