"""The policy-task API (mounted at /api/policy-tasks/).

The list and detail of the tasks whose lead unit is in the user's district, and one
``POST /api/policy-tasks/{id}/{action}/`` per step of policyops.actions, generated from that
list by policyops.api.workflow_endpoints, as the approvals API does.
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from policyops import selectors
from policyops.actions import POLICY_TASK_ACTIONS
from policyops.api import ChoiceField, PolicyOpsAPIMixin, WorkflowViewSetMixin, workflow_endpoints, workflow_errors
from policyops.models import PolicyTask

TASK_ERRORS = workflow_errors("task")


class PolicyTaskSerializer(serializers.Serializer):
    """A task of a policy document's ledger. Needs ``today`` in the context (for ``overdue``)."""

    id = serializers.IntegerField(read_only=True)
    document = serializers.CharField(source="document.key", read_only=True,
                                     help_text=_("The document's number (文号), or its title when it has none."))
    document_title = serializers.CharField(source="document.title", read_only=True)
    number = serializers.CharField(read_only=True, help_text=_("The item number in the document."))
    text = serializers.CharField(read_only=True)
    lead_unit = serializers.CharField(source="lead_unit.name", read_only=True)
    cooperating_units = serializers.SerializerMethodField()
    deadline = serializers.DateField(read_only=True, allow_null=True)
    state = ChoiceField(choices=PolicyTask.State.choices, read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    source = serializers.CharField(read_only=True, help_text=_("The source line, e.g. 002:561."))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_cooperating_units(self, task):
        return [unit.name for unit in task.cooperating_units.all()]

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, task):
        return task.is_overdue(self.context.get("today") or timezone.localdate())


class PolicyTaskDetailSerializer(PolicyTaskSerializer):
    """A task with its report, its return reason and what the requesting user may do next.

    ``allowed_transitions`` (from the context) names the steps whose state, permission and
    conditions hold now — the same steps the admin offers; a condition the request body
    supplies (the progress report, the reason) counts as met.
    """

    progress_report = serializers.CharField(read_only=True)
    return_reason = serializers.CharField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, task):
        return list(self.context.get("allowed_transitions", ()))


class PolicyTaskListQuerySerializer(serializers.Serializer):
    state = ChoiceField(choices=PolicyTask.State.choices, required=False,
                        help_text=_("Only tasks in this state."))


class CanViewPolicyTasks(permissions.BasePermission):
    message = _("You may not see policy tasks.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("policyops.view_policytask"))


class PolicyTaskViewSet(WorkflowViewSetMixin, PolicyOpsAPIMixin, viewsets.GenericViewSet):
    """Policy tasks whose lead unit is in the user's district (every district for supervisors)."""

    api_title = _("Policy tasks")
    api_description = _("Policy tasks led by a unit of your district (every district for supervisors).")

    permission_classes = [permissions.IsAuthenticated, CanViewPolicyTasks]
    serializer_class = PolicyTaskSerializer
    detail_serializer_class = PolicyTaskDetailSerializer
    # For the schema's introspection only; every read goes through policyops.selectors.
    queryset = PolicyTask.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_workflow_object(self, pk) -> PolicyTask:
        try:
            return selectors.policy_task_list(user=self.request.user).get(pk=pk)
        except (PolicyTask.DoesNotExist, ValueError):
            raise NotFound() from None

    @extend_schema(parameters=[PolicyTaskListQuerySerializer],
                   responses={200: PolicyTaskSerializer(many=True), 400: TASK_ERRORS[400]})
    def list(self, request):
        query = PolicyTaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = selectors.policy_task_list(user=request.user, state=query.validated_data.get("state"))
        page = self.paginate_queryset(tasks)  # always paged: the default pagination has a limit (PAGE_SIZE)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: PolicyTaskDetailSerializer, 404: TASK_ERRORS[404]})
    def retrieve(self, request, pk=None):
        return Response(self.workflow_detail(self.get_workflow_object(pk)))

    locals().update(workflow_endpoints(POLICY_TASK_ACTIONS, detail_serializer=PolicyTaskDetailSerializer,
                                       noun="task"))
