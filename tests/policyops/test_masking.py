"""Personal data masked where the reader does not handle the case; each full view audited (policyops.masking)."""
import pytest
from django.test import Client
from django.urls import reverse

from policyops.audit import entries_for
from policyops.masking import mask_id_number, mask_phone
from policyops.models import District
from policyops.roles import Role
from tests.approvals.factories import DelegatedPowerFactory, register_case
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def pingdu(seeded):
    return District.objects.get(name="平度市")


@pytest.fixture
def clerk(pingdu):
    return make_user(Role.CLERK, district=pingdu)


@pytest.fixture
def case(clerk):
    case = register_case(DelegatedPowerFactory(), clerk=clerk)
    case.applicant_phone = PHONE
    case.save(update_fields=["applicant_phone"])
    return case


def client_of(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def views_logged(case):
    return entries_for(case).filter(action="view_personal_data")


def test_a_phone_keeps_its_prefix_and_last_four_digits():
    assert mask_phone(PHONE) == MASKED
    assert mask_phone("0532-88881234") == "053******1234"
    assert mask_phone("") == ""


def test_a_value_too_short_to_keep_both_ends_keeps_only_its_last_digit():
    assert mask_phone("1234567") == "******7"  # 3 + 4 kept would hide nothing
    assert mask_phone("12345") == "****5"
    assert mask_id_number("3702831234") == "*********4"


def test_an_id_number_keeps_its_region_and_last_four_digits():
    assert mask_id_number("370283199001011234") == "370283********1234"


def test_the_case_list_shows_the_phone_masked(clerk, case):
    body = client_of(clerk).get(reverse("approvals:case_list")).content.decode()
    assert MASKED in body and PHONE not in body


def test_the_case_page_shows_the_handling_clerk_the_full_phone_and_logs_it(clerk, case):
    response = client_of(clerk).get(reverse("approvals:case_detail", args=[case.pk]))
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert [(e.actor, e.action) for e in views_logged(case)] == [(clerk, "view_personal_data")]


def test_the_case_page_shows_the_head_of_the_authority_the_masked_phone_unlogged(pingdu, case):
    director = make_user(Role.DIRECTOR, district=pingdu)  # sees the district's cases, never calls the applicant
    body = client_of(director).get(reverse("approvals:case_detail", args=[case.pk])).content.decode()
    assert MASKED in body and PHONE not in body
    assert not views_logged(case).exists()


def test_the_case_page_shows_a_supervisor_the_full_phone(case):
    supervisor = make_user(Role.SUPERVISOR)
    body = client_of(supervisor).get(reverse("approvals:case_detail", args=[case.pk])).content.decode()
    assert PHONE in body and views_logged(case).get().actor == supervisor


def test_the_case_list_api_masks_the_phone(clerk, case):
    rows = client_of(clerk).get("/api/approvals/cases/").json()["results"]
    assert [row["applicant_phone"] for row in rows if row["number"] == case.number] == [MASKED]
    assert not views_logged(case).exists()


def test_the_case_api_gives_the_handling_clerk_the_full_phone_and_logs_it(clerk, case):
    body = client_of(clerk).get(f"/api/approvals/cases/{case.number}/").json()
    assert body["applicant_phone"] == PHONE
    assert views_logged(case).count() == 1


def test_the_case_api_masks_the_phone_for_another_role(pingdu, case):
    director = make_user(Role.DIRECTOR, district=pingdu)
    body = client_of(director).get(f"/api/approvals/cases/{case.number}/").json()
    assert body["applicant_phone"] == MASKED
    assert not views_logged(case).exists()


def admin_page(case):
    return reverse("admin:approvals_approvalcase_change", args=[case.pk])


def test_the_admin_case_page_shows_the_head_of_the_authority_the_masked_phone_unlogged(pingdu, case):
    director = make_user(Role.DIRECTOR, district=pingdu)
    response = client_of(director).get(admin_page(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert MASKED in body and PHONE not in body
    assert not views_logged(case).exists()


def test_the_admin_case_page_shows_the_handling_clerk_the_full_phone_and_logs_it(clerk, case):
    response = client_of(clerk).get(admin_page(case))
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert [(e.actor, e.action) for e in views_logged(case)] == [(clerk, "view_personal_data")]


# --- who reads the phone in full, at the edges (found by `make mutants`) -----------------------


def test_another_clerk_of_the_cases_district_reads_the_phone_in_full(pingdu, case):
    from approvals.personal_data import sees_personal_data

    colleague = make_user(Role.CLERK, district=pingdu)  # neither its first contact nor its handler
    assert sees_personal_data(colleague, case) is True


def test_the_first_contact_person_reads_the_phone_in_full_whatever_their_role(pingdu, case):
    from approvals.models import ApprovalCase
    from approvals.personal_data import sees_personal_data

    director = make_user(Role.DIRECTOR, district=pingdu)  # no process_case right of their own
    ApprovalCase.objects.filter(pk=case.pk).update(first_contact=director.person)
    case.refresh_from_db()
    assert sees_personal_data(director, case) is True


def test_nobody_signed_in_and_no_inactive_account_reads_the_phone_in_full(clerk, case):
    from django.contrib.auth.models import AnonymousUser

    from approvals.personal_data import sees_personal_data

    assert sees_personal_data(None, case) is False
    assert sees_personal_data(AnonymousUser(), case) is False
    clerk.is_active = False
    assert sees_personal_data(clerk, case) is False
