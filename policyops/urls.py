from django.contrib import admin
from django.urls import include, path

from policyops import views

policyops_patterns = [
    path("", views.home, name="home"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("tasks/", views.policy_task_list, name="tasks"),
]

urlpatterns = [
    path("", include((policyops_patterns, "policyops"))),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
