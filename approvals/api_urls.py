"""JSON API of the approvals app (mounted at /api/approvals/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from approvals import api
from policyops.api import UnknownActionView

app_name = "approvals-api"

router = SimpleRouter()
router.register("powers", api.DelegatedPowerViewSet, basename="power")
router.register("cases", api.CaseViewSet, basename="case")

urlpatterns: list = [
    *router.urls,
    # Any other /cases/{number}/<action>/ (an unknown transition): a JSON 404.
    path("cases/<str:number>/<str:action>/", UnknownActionView.as_view(), name="case-unknown-action"),
]
