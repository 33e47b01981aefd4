"""The case export's rows (policyops.importing.tables.SafeExportMixin.export_resource): each
field's way of writing found once an export, the cells the same as import-export's own."""
import pytest
from import_export.resources import ModelResource

from approvals import services
from approvals.resources import ApprovalCaseResource
from policyops.cells import safe_cell
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db


def cells_as_import_export_writes_them(resource, case, selected=None, **kwargs) -> list:
    """Each cell through import-export's own export_field, one by one."""
    return [safe_cell(ModelResource.export_field(resource, field, case, **kwargs))
            for field in resource.get_export_fields(selected)]


@pytest.fixture
def cases(power, entrustment, clerk):
    refused = register_case(power, clerk=clerk)
    services.case_refuse(case=refused, reason="不属于本机关职权范围", refer_to="青岛市自然资源和规划局",
                         acting_user=clerk, as_of=refused.received_on)
    return [register_case(power, clerk=clerk), refused]


@pytest.mark.parametrize("native", [True, False])
def test_every_column_is_written_as_import_export_writes_it(cases, native):
    resource = ApprovalCaseResource()
    for case in cases:
        assert (resource.export_resource(case, force_native_type=native)
                == cells_as_import_export_writes_them(resource, case, force_native_type=native))


def test_the_columns_chosen_are_written_in_their_order_with_their_labels(cases):
    resource = ApprovalCaseResource()
    chosen = ["number", "state", "extended"]
    refused = cases[1]
    row = resource.export_resource(refused, selected_fields=chosen)
    assert row == cells_as_import_export_writes_them(resource, refused, chosen)
    assert row[0] == refused.number and row[1] == str(refused.get_state_display())
    assert len(resource.export_resource(refused)) == len(resource.get_export_fields())  # all again


def _admin_export_statements(clerk) -> int:
    from django.contrib import admin
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from import_export.formats import base_formats

    from approvals.models import ApprovalCase

    model_admin = admin.site._registry[ApprovalCase]
    request = RequestFactory().get("/admin/approvals/approvalcase/export/")
    request.user = clerk
    with CaptureQueriesContext(connection) as captured:
        model_admin.get_export_data(base_formats.XLSX(), request, model_admin.get_export_queryset(request))
    return len(captured.captured_queries)


def test_the_case_export_reads_only_its_columns_and_never_a_row_at_a_time(power, entrustment, clerk, head):
    # The export's queryset loads only the columns it writes (ApprovalCaseResource.exported_attributes):
    # a column read from a field left out would cost a statement per row.
    register_case(power, clerk=clerk)
    few = _admin_export_statements(clerk)
    services.case_assign(cases=[register_case(power, clerk=clerk) for _ in range(4)], handler=clerk.person,
                         acting_user=head)
    assert _admin_export_statements(clerk) == few
