"""Issue 12: the first-contact select draws only its choice and searches for the rest.

A district whose hall has a thousand directors made the registration page list every one of
them (1,030 options, 46 KB, 63 ms); the select now holds the chosen person and the page's
search box asks first_contact_search.
"""
import datetime as dt
import re

import pytest
from django.urls import reverse

from approvals.models import ApprovalCase
from policyops.forms import SEARCH_RESULTS_LIMIT
from tests.approvals.factories import pingdu, pingdu_authority, pingdu_hall
from tests.conftest import freeze_localdate
from tests.factories import DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("approvals:first_contact_search")


@pytest.fixture(autouse=True)
def today(monkeypatch):
    freeze_localdate(monkeypatch, dt.date(2024, 9, 27))


def register_page(client, power):
    return client.get(f"{reverse('approvals:case_register')}?power={power.pk}").content.decode()


def first_contact_options(html):
    select = re.search(r'<select name="first_contact".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


def found(client, term):
    response = client.get(SEARCH, {"q": term})
    assert response.status_code == 200
    return response.json()


def test_the_register_page_draws_only_the_chosen_person(client, clerk, power):
    PersonFactory.create_batch(5, district=pingdu())
    client.force_login(clerk)
    assert first_contact_options(register_page(client, power)) == ["", str(clerk.person.pk)]


def test_the_select_names_its_search(client, clerk, power):
    client.force_login(clerk)
    assert f'data-search-url="{SEARCH}"' in register_page(client, power)


def test_the_register_page_does_not_grow_with_the_people(client, clerk, power, assert_constant_queries):
    client.force_login(clerk)
    url = f"{reverse('approvals:case_register')}?power={power.pk}"
    response = assert_constant_queries(client, url, lambda n: PersonFactory.create_batch(n, district=pingdu()))
    assert len(first_contact_options(response.content.decode())) == 2


def test_a_person_found_by_the_search_is_accepted(client, clerk, power, entrustment):
    colleague = PersonFactory(name="王晓明", district=pingdu(), department=pingdu_authority())
    client.force_login(clerk)
    [row] = found(client, "晓明")["results"]
    response = client.post(f"{reverse('approvals:case_register')}?power={power.pk}", {
        "power": power.pk, "applicant_name": "青岛测试有限公司", "applicant_type": "organisation",
        "applicant_phone": "0532-88881234", "inside_pingdu": "on", "received_hall": pingdu_hall().pk,
        "first_contact": row["id"], "received_on": "2024-09-27", "materials_provided": "申请书"})
    assert response.status_code == 302
    assert ApprovalCase.objects.get().first_contact == colleague


def test_a_refused_post_draws_the_person_it_was_given(client, clerk, power, entrustment):
    colleague = PersonFactory(name="王晓明", district=pingdu())
    client.force_login(clerk)
    response = client.post(f"{reverse('approvals:case_register')}?power={power.pk}", {
        "power": power.pk, "first_contact": colleague.pk, "received_on": "2024-09-27"})
    assert response.status_code == 400
    assert first_contact_options(response.content.decode()) == ["", str(colleague.pk)]


def test_a_tampered_choice_draws_no_person_and_is_refused(client, clerk, power, entrustment):
    client.force_login(clerk)
    response = client.post(f"{reverse('approvals:case_register')}?power={power.pk}", {
        "power": power.pk, "first_contact": "abc", "received_on": "2024-09-27"})
    assert first_contact_options(response.content.decode()) == [""]
    assert "first_contact" in response.context["form"].errors


def test_a_person_of_another_district_is_refused_though_posted(client, clerk, power, entrustment):
    stranger = PersonFactory(name="外区人员", district=DistrictFactory())
    client.force_login(clerk)
    response = client.post(f"{reverse('approvals:case_register')}?power={power.pk}", {
        "power": power.pk, "first_contact": stranger.pk, "received_on": "2024-09-27"})
    assert "first_contact" in response.context["form"].errors
    assert first_contact_options(response.content.decode()) == [""]


def test_the_search_finds_by_part_of_a_name_or_a_department(client, clerk):
    PersonFactory(name="王晓明", district=pingdu())
    PersonFactory(name="李强", district=pingdu(), department=pingdu_authority())
    client.force_login(clerk)
    assert [row["text"] for row in found(client, "晓明")["results"]] == ["王晓明"]
    assert "李强" in [row["text"].split("（")[0] for row in found(client, pingdu_authority().name[:3])["results"]]


def test_the_search_answers_only_people_the_user_sees(client, clerk):
    PersonFactory(name="外区王明", district=DistrictFactory())
    PersonFactory(name="本区王明", district=pingdu())
    client.force_login(clerk)
    assert [row["text"] for row in found(client, "王明")["results"]] == ["本区王明"]


def test_the_search_shows_a_limited_page_and_says_so(client, clerk):
    PersonFactory.create_batch(SEARCH_RESULTS_LIMIT + 1, district=pingdu(), name="张三")
    client.force_login(clerk)
    answer = found(client, "张三")
    assert len(answer["results"]) == SEARCH_RESULTS_LIMIT
    assert str(SEARCH_RESULTS_LIMIT) in answer["summary"] and "前" in answer["summary"]


def test_an_empty_search_answers_nothing(client, clerk):
    client.force_login(clerk)
    answer = found(client, "   ")
    assert answer["results"] == [] and answer["summary"]


def test_nobody_found_is_said(client, clerk):
    client.force_login(clerk)
    answer = found(client, "查无此人")
    assert answer["results"] == [] and "未找到" in answer["summary"]


def test_the_search_needs_the_right_to_register(client, head):
    client.force_login(head)
    assert client.get(SEARCH, {"q": "王"}).status_code == 403


def test_the_search_needs_a_login(client):
    assert client.get(SEARCH, {"q": "王"}).status_code == 302


def test_the_search_answers_only_get(client, clerk):
    client.force_login(clerk)
    assert client.post(SEARCH, {"q": "王"}).status_code == 405


def test_the_admin_register_page_draws_only_the_chosen_person_with_the_script(client, clerk):
    PersonFactory.create_batch(5, district=pingdu())
    client.force_login(clerk)
    html = client.get(reverse("admin:approvals_approvalcase_add")).content.decode()
    assert first_contact_options(html) == ["", str(clerk.person.pk)]
    assert "policyops/page" in html and f'data-search-url="{SEARCH}"' in html


def test_the_superuser_searches_every_district(admin_client):
    PersonFactory(name="外区王明", district=DistrictFactory())
    assert [row["text"] for row in found(admin_client, "外区王明")["results"]] == ["外区王明"]


# --- without JavaScript: the search is a button of the form (policyops.forms.NoScriptSearchFormMixin) ----


def search_without_script(client, url, term, **filled):
    """The form posted by its search button, as a browser without scripts posts it (the select's
    choice among what was filled in)."""
    return client.post(url, {"first_contact__q": term, "first_contact__search": "1", **filled})


def register_url(power):
    return f"{reverse('approvals:case_register')}?power={power.pk}"


def test_the_select_carries_a_search_for_browsers_without_scripts(client, clerk, power):
    client.force_login(clerk)
    # The select's own <noscript> (the page's header has another: the language menu's button).
    noscript = re.search(r'<noscript><span class="select-search-noscript">.*?</noscript>',
                         register_page(client, power), re.S).group(0)
    assert 'name="first_contact__q"' in noscript and 'name="first_contact__search"' in noscript


def test_a_search_without_scripts_offers_whom_it_found_and_chooses_the_first(client, clerk, power, entrustment):
    colleague = PersonFactory(name="王晓明", district=pingdu())
    client.force_login(clerk)
    response = search_without_script(client, register_url(power), "晓明", power=power.pk,
                                     first_contact=clerk.person.pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert first_contact_options(html) == ["", str(clerk.person.pk), str(colleague.pk)]
    assert re.search(rf'<option value="{colleague.pk}" selected>', html)
    assert "找到 1 人。" in html


def test_a_search_without_scripts_saves_nothing_and_says_nothing_wrong(client, clerk, power, entrustment):
    client.force_login(clerk)
    response = search_without_script(client, register_url(power), "晓明", power=power.pk, applicant_name="青岛测试")
    assert ApprovalCase.objects.count() == 0
    assert 'class="errorlist' not in response.content.decode()
    assert 'value="青岛测试"' in response.content.decode()  # what was typed stays


def test_a_search_without_scripts_keeps_the_chosen_person_when_found_again(client, clerk, power, entrustment):
    colleague = PersonFactory(name="王晓明", district=pingdu())
    PersonFactory(name="张晓明", district=pingdu())
    client.force_login(clerk)
    response = search_without_script(client, register_url(power), "晓明", power=power.pk,
                                     first_contact=colleague.pk)
    assert re.search(rf'<option value="{colleague.pk}" selected>', response.content.decode())


def test_a_search_without_scripts_offers_only_people_the_user_sees(client, clerk, power, entrustment):
    PersonFactory(name="外区王晓明", district=DistrictFactory())
    client.force_login(clerk)
    html = search_without_script(client, register_url(power), "晓明", power=power.pk,
                                 first_contact=clerk.person.pk).content.decode()
    assert first_contact_options(html) == ["", str(clerk.person.pk)]
    assert "未找到，请核对姓名。" in html


def test_a_search_without_scripts_offers_a_limited_page_and_says_so(client, clerk, power, entrustment):
    PersonFactory.create_batch(SEARCH_RESULTS_LIMIT + 1, name="王明", district=pingdu())
    client.force_login(clerk)
    html = search_without_script(client, register_url(power), "王明", power=power.pk,
                                 first_contact=clerk.person.pk).content.decode()
    assert len(first_contact_options(html)) == 2 + SEARCH_RESULTS_LIMIT  # the blank, the clerk, the first 20
    assert f"前 {SEARCH_RESULTS_LIMIT} 人" in html


def test_an_empty_search_without_scripts_asks_for_a_name(client, clerk, power, entrustment):
    client.force_login(clerk)
    html = search_without_script(client, register_url(power), "  ", power=power.pk,
                                 first_contact=clerk.person.pk).content.decode()
    assert first_contact_options(html) == ["", str(clerk.person.pk)]
    assert "请输入姓名的一部分" in html


def test_the_admins_register_page_searches_without_scripts_too(client, clerk, entrustment):
    colleague = PersonFactory(name="王晓明", district=pingdu())
    client.force_login(clerk)
    response = search_without_script(client, reverse("admin:approvals_approvalcase_add"), "晓明")
    assert response.status_code == 200 and ApprovalCase.objects.count() == 0
    assert str(colleague.pk) in first_contact_options(response.content.decode())
