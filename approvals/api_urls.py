"""JSON API of the approvals app (mounted at /api/approvals/)."""
from django.urls import path

app_name = "approvals-api"

urlpatterns: list = []
