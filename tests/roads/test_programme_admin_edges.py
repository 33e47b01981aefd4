"""Edges of the admin of the road programme's data (programs/roads/admin/programme.py): targets,
phases and subsidy tables, where the admin tests do not reach (found by mutation testing)."""
import pytest
from django.contrib import admin
from django.urls import reverse

from programs.roads.models import ProgrammePhase, SubsidyParameter, SubsidyRate
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def delete_url(obj):
    return reverse(f"admin:roads_{obj._meta.model_name}_delete", args=[obj.pk])


@pytest.mark.parametrize("model", [ProgrammePhase, SubsidyRate, SubsidyParameter])
def test_a_superuser_may_delete_programme_data(seeded, client, model):
    client.force_login(make_user(is_superuser=True))
    assert client.get(delete_url(model.objects.first())).status_code == 200


@pytest.mark.parametrize("model", [ProgrammePhase, SubsidyRate, SubsidyParameter])
def test_a_supervisor_who_may_change_programme_data_may_not_delete_it(seeded, client, supervisor, model):
    row = model.objects.first()
    client.force_login(supervisor)
    assert client.get(reverse(f"admin:roads_{model._meta.model_name}_change", args=[row.pk])).status_code == 200
    assert client.get(delete_url(row)).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_a_parameter_no_rule_reads_means_a_dash(seeded):
    parameter_admin = admin.site._registry[SubsidyParameter]
    assert parameter_admin.meaning(SubsidyParameter(key="no_such_key")) == "—"
    assert parameter_admin.meaning(SubsidyParameter.objects.get(key="poverty_multiplier")) not in ("", "—")
