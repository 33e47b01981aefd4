from django.contrib import admin
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from approvals.models import DelegatedPower
from approvals.resources import DelegatedPowerResource


@admin.register(DelegatedPower)
class DelegatedPowerAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [DelegatedPowerResource]
    list_display = ("number", "item", "sub_item", "agency", "remark")
    list_display_links = ("number", "item")
    list_filter = ("agency",)
    search_fields = ("name", "remark")
    list_select_related = ("agency",)
    list_per_page = 50
