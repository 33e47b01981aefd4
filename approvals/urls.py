"""Pages of the approvals app (mounted at /approvals/)."""
from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns: list = [
    path("cases/", views.case_list, name="case_list"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("seals/<int:pk>/impression/", views.seal_impression, name="seal_impression"),
    path("status/", views.public_status, name="public_status"),
]
