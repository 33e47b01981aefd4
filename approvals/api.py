"""JSON API of delegated approvals (mounted at /api/approvals/).

Views validate the shape of a request and call exactly one use case of
approvals.services; they never change a case themselves. ``as_of`` is always today
(``timezone.localdate()``): clients cannot back-date an action. The case steps are
generated from approvals.actions by policyops.api.workflow_endpoints, and
``allowed_transitions`` comes from the same list the admin shows. Errors are mapped to
HTTP statuses once, in policyops.api.exception_handler.
"""
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from approvals import personal_data, selectors, services
from approvals import serializers as s
from approvals.actions import CASE_ACTIONS
from approvals.models import ApprovalCase, CaseNotice, DelegatedPower, prefetched_list
from policyops.api import (
    PolicyOpsAPIMixin,
    WorkflowViewSetMixin,
    workflow_endpoints,
    workflow_errors,
)
from policyops.errors import InvalidInput
from policyops.pagination import KeysetPagination

NO_PERSON = _("Your login account is not linked to a person record, so it cannot be the first-contact person "
              "of a case. Ask a supervisor to link it.")
ERRORS = workflow_errors("case")


class CanViewCases(permissions.BasePermission):
    message = _("You may not see approval cases.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("approvals.view_approvalcase"))


class DelegatedPowerViewSet(PolicyOpsAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The 49 powers delegated to Pingdu (decree 第264号), in the annex's order."""

    api_title = _("Delegated powers")
    api_description = _("The 49 city powers entrusted to Pingdu, in the order of the decree's annex.")

    queryset = DelegatedPower.objects.select_related("agency").order_by("number")
    serializer_class = s.DelegatedPowerSerializer


class CaseListPagination(KeysetPagination):
    """The case list's pages, read from a case's due date and id (selectors.case_list's order)."""

    position_field = "due_on"


class CaseViewSet(WorkflowViewSetMixin, PolicyOpsAPIMixin, viewsets.GenericViewSet):
    """Approval cases of the user's district (every district for supervisors)."""

    api_title = _("Approval cases")
    api_description = _("Approval cases of your district (every district for supervisors), the most urgent first. "
                        "A case's page lists the steps you may take now.")

    pagination_class = CaseListPagination
    permission_classes = [permissions.IsAuthenticated, CanViewCases]
    serializer_class = s.CaseSerializer
    detail_serializer_class = s.CaseDetailSerializer
    lookup_field = "number"
    # For the schema's introspection only; every read goes through approvals.selectors.
    queryset = ApprovalCase.objects.none()

    def get_serializer_class(self):
        # Registration reads its own body; the browsable API draws its form from here, and
        # OPTIONS describes that body too (DRF's metadata asks with the method set to POST and
        # no action, and was answered with the list's fields).
        posting_to_the_list = not self.detail and getattr(self.request, "method", None) == "POST"
        if self.action == "create" or posting_to_the_list:
            return s.CaseRegisterSerializer
        return super().get_serializer_class()

    def get_workflow_object(self, number) -> ApprovalCase:
        try:
            return selectors.case_get(user=self.request.user, number=number)
        except ApprovalCase.DoesNotExist:
            raise NotFound() from None

    @extend_schema(parameters=[s.CaseListQuerySerializer],
                   responses={200: s.CaseSerializer(many=True), 400: ERRORS[400]})
    def list(self, request):
        query = s.CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cases = (selectors.case_list(user=request.user, today=self.today, **query.validated_data)
                 .prefetch_related("first_contact", prefetched_list("materials"), prefetched_list("suspensions"),
                                   prefetched_list("notices", CaseNotice.objects.defer("body"))))
        # Always paged (CaseListPagination, a limit by default): a million cases are never one answer.
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.CaseDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request, number=None):
        case = self.get_workflow_object(number)
        data = self.workflow_detail(case)
        # The one full view of the case: its phone in full to those who handle it, audited (approvals.personal_data).
        data["applicant_phone"] = personal_data.case_phone(request.user, case, audit=True)
        return Response(data)

    @extend_schema(summary=_("Register an application"), request=s.CaseRegisterSerializer,
                   responses={201: s.CaseDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]})
    def create(self, request):
        body = self.get_serializer(data=request.data)
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
            inside_pingdu=data["inside_pingdu"], cross_regional=data["cross_regional"])
        return Response(self.workflow_detail(self.get_workflow_object(case.number)), status=status.HTTP_201_CREATED)

    # One name for the page's title and the schema's summary (AutoSchema reads ``name``).
    @extend_schema(request=s.AssignInputSerializer, responses={200: s.CaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"], serializer_class=s.AssignInputSerializer,
            name=_("Assign or reassign the handler"))
    def assign(self, request, number=None):
        case = self.get_workflow_object(number)
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_assign(cases=[case], handler=body.validated_data["handler"], acting_user=request.user)
        return Response(self.workflow_detail(self.get_workflow_object(number)))

    locals().update(workflow_endpoints(CASE_ACTIONS, detail_serializer=s.CaseDetailSerializer, noun="case"))
