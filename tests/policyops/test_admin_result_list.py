"""policyops.admin_list writes every admin list's rows as Django's ``results(cl)`` would.

Each registered admin's list is opened by a superuser over the seeded data; wherever the
planned rows apply, they must equal Django's, cell for cell. The case list, which uses
them on its page, is pinned over richer data in tests/approvals/test_list_rendering.py.
"""
import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.urls import reverse
from django.utils import timezone

from policyops import admin_list, audit
from policyops.models import District

pytestmark = pytest.mark.django_db


def test_planned_rows_equal_djangos_on_every_admin_list(seeded, admin_client, admin_user):
    district = District.objects.order_by("pk").first()
    audit.record(obj=district, action="admin_change", actor=admin_user, reason="<b>位置</b>")
    audit.record(obj=district, action="import_update", reason="")
    # A poor rating's follow-up, one open and one answered (seeds hold no ratings).
    from programs.halls.models import FollowUp
    from tests.halls.factories import EvaluationFactory

    for level, answered_at in ((1, None), (2, timezone.now())):
        FollowUp.objects.create(evaluation=EvaluationFactory(level=level, comment="<i>慢</i>"), answer="已回访",
                                answered_by=admin_user if answered_at else None, answered_at=answered_at)
    compared = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, url
        cl = response.context["cl"]
        ours = admin_list.precomputed_rows(cl)
        if ours is None or not cl.result_list:
            continue
        assert [list(row) for row in ours] == [list(row) for row in results(cl)], model._meta.label
        compared.append(model._meta.label)
    # The seeds give rows to these lists at least; the planned path must cover them.
    # (the audit rows above: a list whose first column is a date-time, in local time)
    assert {"approvals.DelegatedPower", "policyops.District", "policyops.Department",
            "policyops.AuditEntry", "halls.FollowUp", "halls.Evaluation"} <= set(compared), compared


class _AdminWithWriter:
    """An admin column whose page-wide work is done by its ``<name>_writer``."""

    def __init__(self):
        self.writers_made = 0

    def shown(self, obj):
        return f"每行 {obj}"

    def shown_writer(self):
        self.writers_made += 1
        prefix = "每页"
        return lambda obj: f"{prefix} {obj}"


def test_a_column_with_a_writer_asks_for_it_once_per_page_and_shows_what_it_writes():
    model_admin = _AdminWithWriter()
    cell = admin_list._admin_method_cell(model_admin, "shown", "-")
    assert [cell(row)[0] for row in ("甲", "乙", "丙")] == ["每页 甲", "每页 乙", "每页 丙"]
    assert model_admin.writers_made == 1


def test_a_column_without_a_writer_calls_the_admin_method_per_row():
    class Plain:
        def shown(self, obj):
            return f"每行 {obj}"

    cell = admin_list._admin_method_cell(Plain(), "shown", "-")
    assert cell("甲") == ("每行 甲", False)


def test_a_choice_field_whose_values_cannot_be_keys_is_left_to_djangos_cell():
    from django.db import models

    unhashable = type("Field", (), {"flatchoices": [(["a"], "甲")]})()  # a list as a choice's value
    assert admin_list._choice_cell(unhashable, "x", "-", False) is None
    cell = admin_list._choice_cell(models.CharField(choices=[("a", "甲")]), "x", "-", False)
    assert cell(type("Row", (), {"x": "a"})()) == ("甲", False)


def _leads_an_index(model, column: str) -> bool:
    field = model._meta.get_field(column)
    if field.primary_key or field.unique or field.db_index:
        return True
    if any(index.fields and index.fields[0].lstrip("-") == column and index.condition is None
           for index in model._meta.indexes):
        return True
    # An index a migration adds in SQL to another app's table (django-axes' logs): the database's own word.
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    declared = {index.name for index in model._meta.indexes}  # judged above, partial ones left out
    return any(c["index"] and c["columns"] and c["columns"][0] == field.column
               for name, c in constraints.items() if name not in declared)


def test_each_million_row_list_sorts_only_by_columns_an_index_orders():
    lists = [(model, model_admin) for model, model_admin in admin.site._registry.items()
             if isinstance(model_admin, admin_list.PrecomputedResultListMixin)]
    assert lists
    for model, model_admin in lists:
        assert model_admin.sortable_by, model
        for column in model_admin.sortable_by:
            assert _leads_an_index(model, column), (model, column)
