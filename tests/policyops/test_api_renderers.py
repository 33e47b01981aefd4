"""The browsable API's page runs under the Content-Security-Policy (policyops.api_renderers)."""
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from rest_framework.compat import pygments_css

from policyops.api_renderers import CODE_STYLE_CSS, BrowsableAPIRenderer

pytestmark = pytest.mark.django_db


def test_the_browsable_api_links_its_code_colours_instead_of_writing_them_inline(client, supervisor):
    client.force_login(supervisor)
    page = client.get("/api/approvals/powers/", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "<style" not in html and CODE_STYLE_CSS in html


def test_the_api_still_answers_json_by_default(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/api/approvals/powers/")["Content-Type"] == "application/json"


def test_the_code_colours_file_holds_pygments_own_colours():
    # After a pygments or DRF upgrade: write pygments_css(BrowsableAPIRenderer.code_style) below its first line.
    css = Path(finders.find(CODE_STYLE_CSS)).read_text().split("\n", 1)[1]
    assert css == pygments_css(BrowsableAPIRenderer.code_style)


def test_the_browsable_api_fits_a_phone(client, supervisor):
    client.force_login(supervisor)
    html = client.get("/api/approvals/powers/", HTTP_ACCEPT="text/html").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html

