"""Two supervisors saving clashing rows at once: the admin's checks cannot see the other's uncommitted
row, so the database refuses the second save. The admin checks the form again (now the clash is the
form's error); a save the database refuses twice shows the form again as typed, with the refusal as its
error, never a 500 (AuditedAdminMixin)."""
import os
import threading

import pytest
from django.db import IntegrityError, connections
from django.urls import reverse

from approvals.admin.powers import PowerMaterialFormSet
from approvals.models import PowerMaterial
from policyops.models import AuditEntry
from tests.admin_pages import posted_as_shown
from tests.approvals.factories import DelegatedPowerFactory

SAME = "另一行已有相同的值。"


def with_new_material(client, power, name) -> tuple[str, dict]:
    """The power's change page as posted with one more checklist row named ``name``."""
    url = reverse("admin:approvals_delegatedpower_change", args=[power.pk])
    data = posted_as_shown(client.get(url))
    prefix = next(key.removesuffix("-TOTAL_FORMS") for key in data if key.endswith("-TOTAL_FORMS")
                  and key.startswith("checklist"))
    extra = int(data[f"{prefix}-INITIAL_FORMS"])  # the first empty row
    data |= {f"{prefix}-{extra}-name": name, f"{prefix}-{extra}-order": "9"}
    return url, data


def committed_by_another_connection(make):
    """Run ``make`` in a thread of its own: its own connection, committed before this returns."""
    def run():
        try:
            make()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                    reason="a second connection writing during the admin's transaction: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_row_committed_between_the_checks_and_the_save_is_the_forms_error(client, supervisor, monkeypatch):
    power = DelegatedPowerFactory()
    checked = PowerMaterialFormSet.clean

    def clean_then_lose_the_race(formset):
        checked(formset)
        if not PowerMaterial.objects.filter(power=power, name="身份证").exists():
            committed_by_another_connection(lambda: PowerMaterial.objects.create(power=power, name="身份证"))

    monkeypatch.setattr(PowerMaterialFormSet, "clean", clean_then_lose_the_race)
    client.force_login(supervisor)
    url, data = with_new_material(client, power, "身份证")
    response = client.post(url, data)
    assert response.status_code == 200 and SAME in response.content.decode()
    assert PowerMaterial.objects.filter(power=power, name="身份证").count() == 1
    assert not AuditEntry.objects.filter(action="admin_change", object_id=str(power.pk)).exists()


@pytest.mark.django_db
def test_a_save_the_database_refuses_twice_shows_the_form_as_typed_and_saves_nothing(client, supervisor,
                                                                                    monkeypatch):
    power = DelegatedPowerFactory()

    def refused(formset, commit=True):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(PowerMaterialFormSet, "save", refused)
    client.force_login(supervisor)
    url, data = with_new_material(client, power, "身份证")
    data["remark"] = "今天改的备注"
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "未保存任何内容：数据库拒绝了此次修改，可能是其他用户刚刚修改了同一记录。请核对后重新保存。" in html
    assert 'value="身份证"' in html and "今天改的备注" in html
    assert not PowerMaterial.objects.filter(power=power).exists()
    power.refresh_from_db()
    assert power.remark != "今天改的备注"
    assert not AuditEntry.objects.filter(action="admin_change", object_id=str(power.pk)).exists()
