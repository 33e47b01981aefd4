"""The project's URLs plus the hall-duty pages at /halls/ (until policyops.urls mounts them)."""
from django.urls import include, path

from policyops.urls import urlpatterns as project_urlpatterns

_mounted = any(getattr(pattern, "namespace", None) == "halls" for pattern in project_urlpatterns)

urlpatterns = list(project_urlpatterns) + ([] if _mounted else [path("halls/", include("programs.halls.urls"))])
