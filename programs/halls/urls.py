"""Pages of hall duty (mounted at /halls/)."""
from django.urls import path

from programs.halls.views import director, kiosk, public, reports

app_name = "halls"

urlpatterns = [
    path("", public.index, name="index"),
    # Public, no login.
    path("<int:hall_id>/rota/<int:year>/<int:month>/", public.rota, name="rota"),
    path("<int:hall_id>/sign/<int:year>/<int:month>/", public.rota_print, name="rota_print"),
    path("<int:hall_id>/evaluate/", public.evaluate, name="evaluate"),
    # The hall's screen, behind its signed token.
    path("kiosk/<str:token>/", kiosk.kiosk, name="kiosk"),
    # Directors.
    path("sign/", director.sign, name="sign"),
    path("my/", director.my_shifts, name="my_shifts"),
    path("my/<int:shift_id>/substitution/", director.file_substitution, name="file_substitution"),
    path("my/<int:shift_id>/record/", director.work_record, name="work_record"),
    path("my/problems/<int:problem_id>/<str:name>/", director.problem_step, name="problem_step"),
    # Supervision.
    path("briefing/<int:year>/<int:month>/", reports.briefing, name="briefing"),
    path("briefing/<int:year>/<int:month>.xlsx", reports.briefing_xlsx, name="briefing_xlsx"),
    path("assessment/<int:year>/", reports.assessment, name="assessment"),
    path("assessment/<int:year>.xlsx", reports.assessment_xlsx, name="assessment_xlsx"),
]
