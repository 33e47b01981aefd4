"""JSON API of the road programme (mounted at /api/roads/)."""
from django.urls import path

from programs.roads import api

app_name = "roads-api"

urlpatterns: list = [
    path("subsidy-quote/", api.SubsidyQuoteView.as_view(), name="subsidy-quote"),
    path("projects/", api.ProjectListView.as_view(), name="project-list"),
    path("progress/", api.ProgressView.as_view(), name="progress"),
]
