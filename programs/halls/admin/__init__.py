"""Admin of hall duty, one module per feature.

- ``setup``: hall settings (opening hours, the kiosk link), directors, unavailable dates;
- ``rota``: duty shifts (generating, moving and publishing the rota, A/B decisions), the sign-in log;
- ``work``: work records and the follow-up of the problems found on duty;
- ``evaluations``: public evaluations, their follow-ups, the monthly briefings.

States are never saved from a form: steps run through policyops.workflow (the actions of
programs.halls.actions) or the services; every list is district-scoped (``common``).
"""
from programs.halls.admin import evaluations, rota, setup, work  # noqa: F401 - registers the ModelAdmins
