"""A road project's next step on the front pages (/roads/projects/<pk>/<action>/).

The steps are the kernel's (programs.roads.actions through policyops.workflow); the page
is policyops.action_pages.action_page, the one view body every front page shares. Only a
step the kernel offers this user now can be opened: any other name is a 404.
"""
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from policyops import workflow
from policyops.action_pages import action_page
from programs.roads.models import RoadProject
from programs.roads.views import can_view_roads


def _head(project) -> list[tuple[str, str]]:
    current = project.current_milestone
    head = [(_("district"), f"{project.district.name} · {project.town}"), (_("status"), project.get_state_display())]
    if current is not None:
        planned = current.planned_end.isoformat() if current.planned_end else "—"
        started = current.actual_start.isoformat() if current.actual_start else "—"
        head += [(_("planned end"), planned), (_("actual start"), started)]
    return head


@require_http_methods(["GET", "POST"])
@can_view_roads
def project_action(request, pk: int, action: str):
    today = timezone.localdate()
    project = get_object_or_404(RoadProject.objects.visible_to(request.user).select_related("district", "manager")
                                .prefetch_related("milestones"), pk=pk)
    if action not in {a.name for a in workflow.available_actions(project, request.user, as_of=today)}:
        raise Http404
    return action_page(request, project, action, as_of=today, head=_head(project),
                       back_url=reverse("roads:project-detail", args=[project.pk]))
