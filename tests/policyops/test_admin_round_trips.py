"""Every admin with 导入 takes back its own 导出 unchanged: a table exported, then imported as it
came, changes nothing (a supervisor edits a spreadsheet and brings it back). Two such round
trips had failed: indicator readings of shared names, and road projects named in full width."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from import_export.formats import base_formats

from policyops.models import CalendarOverride, District
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import IndicatorFactory, IndicatorReadingFactory, PolicyDocumentFactory
from tests.policyops.test_file_hardening import pipeline_admins
from tests.roads.test_projects import new_project

pytestmark = pytest.mark.django_db
FORMATS = {"xlsx": base_formats.XLSX, "csv": base_formats.CSV}


@pytest.fixture
def every_table_has_rows(seeded):
    """The seeds, and rows of the tables they leave empty — with the shapes that broke before."""
    pingdu = District.objects.get(name="平度市")
    document = PolicyDocumentFactory()
    for n, district in enumerate([None, pingdu]):
        indicator = IndicatorFactory(document=document, name="技术合同交易额", target_year=2020, district=district)
        IndicatorReadingFactory(indicator=indicator, period_end=dt.date(2020, 12, 31), value=Decimal(100 + n))
    CalendarOverride.objects.create(date=dt.date(2031, 10, 8), is_working_day=False, name="测试")
    new_project(make_user(Role.PROGRAMME_MANAGER, district=pingdu), name="平度演示乙镇旅游路（演示）")


@pytest.mark.parametrize("kind", sorted(FORMATS))
@pytest.mark.parametrize("label", sorted(pipeline_admins()))
def test_an_admin_takes_back_its_own_export_unchanged(every_table_has_rows, label, kind):
    model_admin = pipeline_admins()[label]
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.create_superuser("round-trip", password="x-Long-enough-1")
    rows = model_admin.get_export_queryset(request)
    content = model_admin.get_export_data(FORMATS[kind](), request, rows)
    content = content.encode() if isinstance(content, str) else content
    resource = model_admin.get_import_resource_classes(request)[0](**model_admin.get_import_resource_kwargs(request))
    report = model_admin.run_import(request, resource, content, filename=f"back.{kind}", dry_run=True)
    assert report.ok, [str(p) for p in report.problems[:3]]
    assert {r.import_type for r in report.result.rows} == {"skip"} and len(report.result.rows) == rows.count()
