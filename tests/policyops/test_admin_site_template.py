"""Our admin/base_site.html is Django's, verbatim, plus the style sheet and script every admin page shares."""
from pathlib import Path

import django.contrib.admin
from django.conf import settings

DJANGOS = Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "base_site.html"
OURS = Path(settings.BASE_DIR) / "policyops" / "templates" / "admin" / "base_site.html"


def test_our_base_site_begins_with_djangos_own_verbatim():
    # After a Django upgrade that changes its base_site.html, copy it again above our block.
    assert OURS.read_text(encoding="utf-8").startswith(DJANGOS.read_text(encoding="utf-8"))


def test_an_admin_page_links_the_shared_style_sheet(client):
    page = client.get("/admin/login/").content.decode()
    assert '<link rel="stylesheet" href="/static/policyops/admin_site.css">' in page


def test_an_admin_page_loads_the_navigations_default_before_djangos_script(client):
    # admin_nav.js must run before nav_sidebar.js (deferred) reads the user's choice.
    page = client.get("/admin/login/").content.decode()
    assert '<script src="/static/policyops/admin_nav.js"></script>' in page
