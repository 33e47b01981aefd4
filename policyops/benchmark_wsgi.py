"""WSGI entry of the gunicorn that ``manage.py benchmark`` starts: the site plus its plain counterparts."""
import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyops.settings")
django.setup()
settings.ROOT_URLCONF = "policyops.benchmark_urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
