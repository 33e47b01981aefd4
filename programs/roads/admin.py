from django.contrib import admin
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from policyops.admin_scoping import DistrictScopedAdminMixin
from programs.roads.models import RoadTarget
from programs.roads.resources import RoadTargetResource


@admin.register(RoadTarget)
class RoadTargetAdmin(DistrictScopedAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [RoadTargetResource]
    list_display = ("district", "upgrade_km", "village_access_km", "pavement_total_km", "major_medium_km",
                    "preventive_km", "dangerous_bridges", "bus_stops")
    list_select_related = ("district",)
