"""Pages of the road programme (mounted at /roads/)."""
from django.urls import path

app_name = "roads"

urlpatterns: list = []

# Programme dashboard and project pages.
from programs.roads import views as roads_views  # noqa: E402

urlpatterns += [
    path("", roads_views.dashboard, name="dashboard"),
    path("projects/", roads_views.project_list, name="project-list"),
    path("projects/<int:pk>/", roads_views.project_detail, name="project-detail"),
    path("milestones/<int:pk>/evidence/", roads_views.milestone_evidence, name="milestone-evidence"),
]

# A project's next step (the workflow kernel's actions), on the front pages.
from programs.roads import views_actions  # noqa: E402

urlpatterns += [
    path("projects/<int:pk>/<slug:action>/", views_actions.project_action, name="project-action"),
]

# Project lists: import (upload → preview → confirm) and export.
from programs.roads import views_import  # noqa: E402

urlpatterns += [
    path("projects/import/", views_import.project_import, name="project-import"),
    # A large list saved in the background: its page and its progress (JSON, polled by the page).
    path("projects/import/<str:token>/", views_import.project_import_status, name="project-import-status"),
    path("projects/import/<str:token>/progress/", views_import.project_import_progress,
         name="project-import-progress"),
    path("projects/export.xlsx", views_import.project_export, {"file_kind": "xlsx"}, name="project-export-xlsx"),
    path("projects/export.csv", views_import.project_export, {"file_kind": "csv"}, name="project-export-csv"),
]
