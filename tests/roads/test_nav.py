"""The roads pages' own links and headings: the import is reachable by those who may import."""
import pytest
from django.urls import reverse

from policyops.roles import Role
from tests.conftest import make_user
from tests.roads.factories import district, manager_of

pytestmark = pytest.mark.django_db
IMPORT = reverse("roads:project-import")


def test_a_programme_manager_finds_the_import_page_in_the_roads_links(client, seeded):
    client.force_login(manager_of())
    for page in ("roads:dashboard", "roads:project-list"):
        assert f'href="{IMPORT}"' in client.get(reverse(page)).content.decode(), page


def test_a_reader_is_not_offered_the_import_page(client, seeded):
    client.force_login(make_user(Role.DIRECTOR, district=district()))
    response = client.get(reverse("roads:project-list"))
    assert response.status_code == 200
    assert IMPORT not in response.content.decode()


def test_the_preview_heading_names_the_uploaded_file(client, seeded):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.roads.test_import_export import csv_bytes, good_rows

    client.force_login(manager_of())
    response = client.post(IMPORT, {"file": SimpleUploadedFile("清单.csv", csv_bytes(good_rows()))})
    assert response.status_code == 200
    heading = response.content.decode().split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading.endswith("清单.csv") and heading != "清单.csv"
