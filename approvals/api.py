"""JSON API of delegated approvals (mounted at /api/approvals/).

Views validate the shape of a request and call exactly one use case of
approvals.services; they never change a case themselves. ``as_of`` is always today
(``timezone.localdate()``): clients cannot back-date an action. Errors are mapped to
HTTP statuses once, in policyops.api.exception_handler.
"""
import copy

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import selectors, services
from approvals import serializers as s
from approvals.models import ApprovalCase, CaseNotice, DelegatedPower
from policyops.api import ErrorSerializer, InputErrorSerializer, PolicyOpsAPIMixin
from policyops.errors import InvalidInput, PolicyOpsError
from policyops.transitions import check_transition

NO_PERSON = _("Your login account is not linked to a person record, so it cannot be the first-contact person "
              "of a case. Ask a supervisor to link it.")
UNKNOWN_ACTION = _("Unknown action.")

# Every transition of a case → the serializer of its request body (None: no body). Each one
# runs approvals.services.case_<name>; the order is the workflow's.
CASE_TRANSITIONS = {
    "request_correction": s.CorrectionInputSerializer,
    "resubmit": s.ResubmitInputSerializer,
    "accept": None,
    "refuse": s.RefuseInputSerializer,
    "start_review": None,
    "pause": s.PauseInputSerializer,
    "resume": None,
    "extend": s.RequiredReasonSerializer,
    "approve": s.OptionalReasonSerializer,
    "deny": s.RequiredReasonSerializer,
    "issue_licence": s.LicenceInputSerializer,
    "forward": s.OptionalReasonSerializer,
    "record_superior_decision": s.SuperiorDecisionInputSerializer,
    "withdraw": s.OptionalReasonSerializer,
}

# Fields the services fill from the request body just before the transition, so the
# conditions that read them (has_refusal_reason, has_decision_reason, has_licence_number,
# has_superior_decision) count as met when listing what the user may do.
_BODY_FIELDS = {
    "refusal_reason": "-", "refer_to": "-", "decision_reason": "-", "licence_number": "-",
    "superior_decision": ApprovalCase.SuperiorDecision.APPROVED, "superior_document": "-",
}


def allowed_transitions(case, user, today) -> list[str]:
    """Names of the transitions policyops.transitions.check_transition lets ``user`` run today."""
    probe = copy.copy(case)  # never the instance that is serialized or saved
    probe.as_of = today
    for field, placeholder in _BODY_FIELDS.items():
        if not getattr(probe, field):
            setattr(probe, field, placeholder)
    allowed = []
    for name in CASE_TRANSITIONS:
        try:
            check_transition(probe, name, acting_user=user)
        except PolicyOpsError:
            continue
        allowed.append(name)
    return allowed


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


def _transition_action(name):
    """The POST /cases/{number}/<name>/ action that runs services.case_<name>."""
    service = getattr(services, f"case_{name}")

    def run(self, request, number=None):
        return self._transition(request, number, name)

    run.__name__ = name
    run = action(detail=True, methods=["post"], url_path=name, url_name=name.replace("_", "-"))(run)
    return extend_schema(
        summary=f"Case transition: {name}",
        description=(service.__doc__ or "").strip() or None,
        request=CASE_TRANSITIONS[name],
        responses={200: s.CaseDetailSerializer, **ERRORS},
    )(run)


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

    def _get_for_update(self, number) -> ApprovalCase:
        """The case, its row locked until the caller's transaction ends.

        The lock makes concurrent requests on one case take turns: the second one reads the
        first one's result (and gets its 409 from the state or a condition). Without it,
        ConcurrentTransitionMixin only catches a stale *state*: two extensions (under_review →
        under_review) would both pass, and a transition's full save would undo a concurrent
        reassignment. Not prefetched: the services read case.suspensions / case.materials
        after writing them, and a prefetched copy would be stale.
        """
        try:
            return (ApprovalCase.objects.visible_to(self.request.user)
                    .select_related("power", "power__agency").select_for_update(of=("self",))
                    .get(number=number))
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
        with transaction.atomic():
            case = self._get_for_update(number)
            body = s.AssignInputSerializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            services.case_assign(cases=[case], handler=body.validated_data["handler"], acting_user=request.user)
        return Response(self._detail(self._get(number)))

    def _transition(self, request, number, name):
        with transaction.atomic():
            case = self._get_for_update(number)
            params = {}
            input_class = CASE_TRANSITIONS[name]
            if input_class is not None:
                body = input_class(data=request.data, context=self.get_serializer_context())
                body.is_valid(raise_exception=True)
                params = dict(body.validated_data)
            service = getattr(services, f"case_{name}")
            service(case=case, acting_user=request.user, as_of=self.today, **params)
        return Response(self._detail(self._get(number)))

    request_correction = _transition_action("request_correction")
    resubmit = _transition_action("resubmit")
    accept = _transition_action("accept")
    refuse = _transition_action("refuse")
    start_review = _transition_action("start_review")
    pause = _transition_action("pause")
    resume = _transition_action("resume")
    extend = _transition_action("extend")
    approve = _transition_action("approve")
    deny = _transition_action("deny")
    issue_licence = _transition_action("issue_licence")
    forward = _transition_action("forward")
    record_superior_decision = _transition_action("record_superior_decision")
    withdraw = _transition_action("withdraw")


class UnknownCaseActionView(PolicyOpsAPIMixin, APIView):
    """/cases/{number}/<anything else>/: a JSON 404 rather than Django's HTML page."""

    schema = None  # not part of the API

    def post(self, request, *args, **kwargs):
        raise NotFound(UNKNOWN_ACTION)

    get = put = patch = delete = post
