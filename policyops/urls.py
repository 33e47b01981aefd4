from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from policyops import api, api_tasks, health, metrics, views, views_tasks

policyops_patterns = [
    path("", views.home, name="home"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("tasks/", views_tasks.policy_task_list, name="tasks"),
    path("tasks/<int:pk>/", views_tasks.policy_task_detail, name="task-detail"),
    path("tasks/<int:pk>/<slug:action>/", views_tasks.policy_task_action, name="task-action"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", views.inbox_open, name="inbox_open"),
]

# The policy-task API: /api/policy-tasks/, /api/policy-tasks/{id}/, /api/policy-tasks/{id}/{action}/.
policyops_api_router = SimpleRouter()
policyops_api_router.register("policy-tasks", api_tasks.PolicyTaskViewSet, basename="policy-task")
policyops_api_patterns = [
    *policyops_api_router.urls,
    # Any other /policy-tasks/{id}/<action>/ (an unknown step): a JSON 404.
    path("policy-tasks/<int:pk>/<str:action>/", api.UnknownActionView.as_view(),
         name="policy-task-unknown-action"),
]

urlpatterns = [
    # Operations (policyops.health, policyops.metrics): probes open, /metrics by address or token.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include((policyops_patterns, "policyops"))),
    path("approvals/", include("approvals.urls")),
    path("api/", include((policyops_api_patterns, "policyops-api"))),
    path("api/approvals/", include("approvals.api_urls")),
    path("roads/", include("programs.roads.urls")),
    path("api/roads/", include("programs.roads.api_urls")),
    path("halls/", include("programs.halls.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script from /api/docs/?script, not inline: the CSP allows no inline script.
    path("api/docs/",
         SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="policyops/swagger_ui.html"),
         name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
