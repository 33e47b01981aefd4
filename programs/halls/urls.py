"""Pages of hall duty (mounted at /halls/)."""
from django.urls import path

from programs.halls import views

app_name = "halls"

urlpatterns = [
    path("", views.index, name="index"),
    # Public, no login.
    path("<int:hall_id>/rota/<int:year>/<int:month>/", views.rota, name="rota"),
    path("<int:hall_id>/sign/<int:year>/<int:month>/", views.rota_print, name="rota_print"),
    path("<int:hall_id>/evaluate/", views.evaluate, name="evaluate"),
    # The hall's screen, behind its signed token.
    path("kiosk/<str:token>/", views.kiosk, name="kiosk"),
    # Directors.
    path("sign/", views.sign, name="sign"),
    path("my/", views.my_shifts, name="my_shifts"),
    path("my/<int:shift_id>/substitution/", views.file_substitution, name="file_substitution"),
    path("my/<int:shift_id>/record/", views.work_record, name="work_record"),
    # Supervision.
    path("briefing/<int:year>/<int:month>/", views.briefing, name="briefing"),
    path("briefing/<int:year>/<int:month>.xlsx", views.briefing_xlsx, name="briefing_xlsx"),
    path("assessment/<int:year>/", views.assessment, name="assessment"),
    path("assessment/<int:year>.xlsx", views.assessment_xlsx, name="assessment_xlsx"),
]
