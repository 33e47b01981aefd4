"""Every tabular inline names each input after its column (policyops.admin_base.LabelledInlineFormSet):
Django heads a column once, and an input in a row had no name for a screen reader."""
import re

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin

from approvals.models import PowerMaterial
from policyops.admin_base import LabelledInlineFormSet
from tests.approvals.factories import DelegatedPowerFactory
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_every_inline_of_the_admin_labels_its_rows_inputs():
    inlines = {inline for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    assert len(inlines) >= 10 and all(issubclass(inline, InlineModelAdmin) for inline in inlines)
    assert [inline.__qualname__ for inline in inlines if not issubclass(inline.formset, LabelledInlineFormSet)] == []


def aria_labels(page: str, prefix: str) -> dict[str, str]:
    """Each visible input of a formset's row ``prefix`` (checklist-0, checklist-__prefix__): its aria-label."""
    labels = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        name = re.search(rf'name="{re.escape(prefix)}-([^"]+)"', tag)
        if name and 'type="hidden"' not in tag:
            label = re.search(r'aria-label="([^"]*)"', tag)
            labels[name.group(1)] = label.group(1) if label else ""
    return labels


def test_an_inline_rows_inputs_carry_their_columns_names_in_the_users_language(client):
    client.force_login(make_user(is_superuser=True))
    power = DelegatedPowerFactory()
    PowerMaterial.objects.create(power=power, order=1, name="申请书")
    page = client.get(f"/admin/approvals/delegatedpower/{power.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = page.content.decode()
    assert aria_labels(page, "checklist-0") == {"order": "排序", "name": "申请材料", "DELETE": "删除"}
    # The empty row the page copies for 添加另一个 too.
    assert aria_labels(page, "checklist-__prefix__") == {"order": "排序", "name": "申请材料"}
