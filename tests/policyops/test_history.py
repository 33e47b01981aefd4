"""policyops.history: simple-history's records, with the history manager's class made once."""
import pytest
from django.apps import apps
from simple_history.manager import HistoryDescriptor

from policyops.history import HistoryManager
from tests.factories import DistrictFactory


def models_with_history():
    return [model for model in apps.get_models()
            if isinstance(model.__dict__.get("history"), HistoryDescriptor)]


def test_every_model_with_history_keeps_it_through_policyops_history():
    assert len(models_with_history()) >= 10  # cases, powers, seals, people, projects …
    for model in models_with_history():
        assert isinstance(model.history, HistoryManager), model._meta.label


def test_the_history_manager_class_is_made_once_per_model():
    for model in models_with_history():
        assert type(model.history) is type(model.history), model._meta.label


@pytest.mark.django_db
def test_an_objects_history_still_lists_only_its_own_rows():
    first, second = DistrictFactory(name="甲区"), DistrictFactory(name="乙区")
    first.name = "甲区（新）"
    first.save()
    assert [row.name for row in first.history.order_by("history_id")] == ["甲区", "甲区（新）"]
    assert [row.name for row in second.history.all()] == ["乙区"]


# --- who made the change ---------------------------------------------------------------------------


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.mark.django_db
def test_recorded_by_names_the_acting_user_over_the_requests():
    from policyops.history import history_user, recorded_by
    from tests.factories import UserFactory

    actor, signed_in = UserFactory(), UserFactory()
    with recorded_by(actor):
        assert history_user(request=_Request(signed_in)) == actor
    assert history_user(request=_Request(signed_in)) == signed_in  # the block has ended
    assert history_user(request=None) is None


def test_recorded_by_nobody_leaves_the_requests_user():
    from django.contrib.auth.models import AnonymousUser

    from policyops.history import history_user, recorded_by

    with recorded_by(AnonymousUser()):
        assert history_user(request=None) is None
    with recorded_by(None):
        assert history_user(request=_Request("the request's user")) == "the request's user"


# --- the admin's history page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_history_page_reads_states_as_labels_in_chinese(client):
    from django.urls import reverse
    from django.utils import translation

    from approvals.models import Entrustment
    from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force
    from tests.conftest import make_user

    supervisor = make_user(is_superuser=True)
    entrustment = entrustment_in_force([DelegatedPowerFactory()], supervisor=supervisor)
    client.force_login(supervisor)
    html = client.get(reverse("admin:approvals_entrustment_history", args=[entrustment.pk])).content.decode()
    with translation.override("zh-hans"):
        signed, filed = (str(dict(Entrustment.State.choices)[code]) for code in ("signed", "filed"))
    changes = " ".join(html.split())
    assert f"{signed} &nbsp;&rarr;&nbsp;&nbsp;{filed}" in changes and "signed &nbsp;" not in changes
    assert "<th scope=\"col\">变更</th>" in html
    # No reason given: a dash, not Python's None; and no inline style for the CSP to refuse.
    assert "None" not in html and 'style="' not in html.split('id="change-history"')[1]


def delta_value(value, field="department"):
    from simple_history.models import ModelChange

    from policyops.admin_base import ChoiceLabelContextHelper
    from policyops.models import Person

    return str(ChoiceLabelContextHelper(Person, None).prepare_delta_change_value(ModelChange(field, None, None), value))


def test_a_relation_that_was_empty_reads_as_a_dash_on_the_history_page():
    from simple_history.models import DeletedObject

    from policyops.models import Department

    assert delta_value(DeletedObject(Department, None)) == "—"


def test_a_related_row_since_deleted_reads_as_its_model_and_key_in_chinese():
    from simple_history.models import DeletedObject

    from policyops.models import Department

    assert delta_value(DeletedObject(Department, 7)) == "部门（编号 7，已删除）"


def test_an_empty_value_reads_as_a_dash_on_the_history_page():
    assert delta_value(None, field="phone") == "—"


@pytest.mark.django_db
def test_a_records_page_names_the_app_and_the_list_as_every_admin_page_does(client):
    from django.urls import reverse

    from tests.conftest import make_user

    district = DistrictFactory(name="丙区")
    record = district.history.get()
    client.force_login(make_user(is_superuser=True))
    html = client.get(reverse("admin:policyops_district_simple_history", args=[district.pk, record.history_id]))
    breadcrumbs = " ".join(html.content.decode().split('class="breadcrumbs"')[1].split("</div>")[0].split())
    assert ">政策落实</a>" in breadcrumbs and ">区（市）</a>" in breadcrumbs
    assert "Policyops" not in breadcrumbs and "historical" not in breadcrumbs.lower()


@pytest.mark.django_db
def test_a_records_page_shows_its_values_as_text_without_inputs_or_related_links(client):
    from django.urls import reverse

    from programs.halls.models import Director
    from tests.conftest import make_user
    from tests.halls.factories import DirectorFactory

    director = DirectorFactory()
    record = Director.history.filter(id=director.pk).get()
    client.force_login(make_user(is_superuser=True))
    page = client.get(reverse("admin:halls_director_simple_history", args=[director.pk, record.history_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "related-widget-wrapper-link" not in html and "<select" not in html and 'type="text"' not in html
    assert director.person.name in html
