"""Pages of the approvals app (mounted at /approvals/)."""
from django.urls import path

app_name = "approvals"

urlpatterns: list = []
