"""Pages of the approvals app (mounted at /approvals/)."""
from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_register, name="case_register"),
    path("cases/new/first-contacts/", views.first_contact_search, name="first_contact_search"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/claim/", views.case_claim, name="case_claim"),
    path("cases/<int:pk>/release/", views.case_release, name="case_release"),
    path("cases/<int:pk>/follow-up/", views.case_follow_up, name="case_follow_up"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("seals/<int:pk>/impression/", views.seal_impression, name="seal_impression"),
    path("status/", views.public_status, name="public_status"),
]
