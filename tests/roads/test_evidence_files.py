"""Milestone evidence files: PDFs and photos only, size-limited, served only to who may see the project."""
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from programs.roads.models.projects import EVIDENCE_MAX_BYTES
from tests.roads.factories import RoadProjectFactory, district, manager_of

pytestmark = pytest.mark.django_db
PDF = "%PDF-1.4 evidence of 平度市".encode()


@pytest.fixture
def milestone(seeded):
    manager = manager_of("平度市")
    project = RoadProjectFactory(acting_user=manager, district=district("平度市"))
    milestone = project.milestones.first()
    milestone.evidence_file.save("acceptance.pdf", ContentFile(PDF))
    return milestone


def download(user, milestone):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(reverse("roads:milestone-evidence", args=[milestone.pk]))


def test_a_manager_of_the_projects_district_downloads_its_evidence(milestone):
    response = download(manager_of("平度市"), milestone)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_another_districts_manager_gets_nothing(milestone):
    assert download(manager_of("莱西市"), milestone).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login(milestone):
    response = download(None, milestone)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_executable_is_refused_as_evidence(milestone):
    milestone.evidence_file = SimpleUploadedFile("report.exe", b"MZ")
    with pytest.raises(ValidationError) as refused:
        milestone.full_clean()
    assert "evidence_file" in refused.value.message_dict


def test_an_oversized_file_is_refused_as_evidence(milestone):
    milestone.evidence_file = SimpleUploadedFile("scan.pdf", b"x" * (EVIDENCE_MAX_BYTES + 1))
    with pytest.raises(ValidationError) as refused:
        milestone.full_clean()
    assert "evidence_file" in refused.value.message_dict


def test_the_admin_links_the_evidence_through_the_scoped_view_not_the_media_url(milestone, supervisor):
    client = Client()
    client.force_login(supervisor)
    html = client.get(reverse("admin:roads_roadproject_change", args=[milestone.project_id])).content.decode()
    assert reverse("roads:milestone-evidence", args=[milestone.pk]) in html
    assert "/media/roads/evidence/" not in html


def test_a_file_refused_in_the_form_is_not_offered_for_download(milestone):
    from django.contrib import admin

    from programs.roads.admin.projects import ProjectMilestoneInline

    inline = ProjectMilestoneInline(type(milestone.project), admin.site)
    assert reverse("roads:milestone-evidence", args=[milestone.pk]) in inline.evidence_link(milestone)
    milestone.evidence_file = SimpleUploadedFile("report.exe", b"MZ")  # what a failed form holds
    assert inline.evidence_link(milestone) == "—"
