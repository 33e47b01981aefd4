"""django-axes, headed in the admin in the user's language.

axes' own AppConfig sets no ``verbose_name``, so Django made one of its label, and the Chinese
admin headed the login logs "Axes". Only the heading changes: the app's name and label stay
``axes`` (its migrations, its checks and ``apps.is_installed("axes")`` see no difference).
"""
from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginSecurityConfig(AxesAppConfig):
    verbose_name = _("Login security")
