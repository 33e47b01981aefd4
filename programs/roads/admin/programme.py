"""Admin of the programme's data: district targets (Annex 2), phases and the subsidy tables."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

from policyops.admin_base import HistoryAdmin
from policyops.admin_import import ImportExportMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.exporting import ExportMixin
from programs.roads.models import ProgrammePhase, RoadTarget, SubsidyParameter, SubsidyRate
from programs.roads.resources import (
    ProgrammePhaseResource,
    RoadTargetResource,
    SubsidyParameterResource,
    SubsidyRateResource,
)
from programs.roads.subsidy import PARAMETER_MEANINGS


@admin.register(RoadTarget)
class RoadTargetAdmin(DistrictScopedAdminMixin, ImportExportMixin, HistoryAdmin):
    resource_classes = [RoadTargetResource]
    list_display = ("district", "upgrade_km", "village_access_km", "pavement_total_km", "major_medium_km",
                    "preventive_km", "dangerous_bridges", "bus_stops", "demonstration_accepted_on")
    list_select_related = ("district",)

    def has_import_permission(self, request):
        # import-export allows every admin user by default; targets change only with the change permission.
        return self.has_change_permission(request)


class ProgrammeDataAdmin(ExportMixin, HistoryAdmin):
    """Rules transcribed from the sources: changed by those granted the change permission (supervisors),
    read-only for everyone else, never deleted from the admin (load_seeds owns the rows)."""

    export_formats = [base_formats.XLSX, base_formats.CSV]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ProgrammePhase)
class ProgrammePhaseAdmin(ProgrammeDataAdmin):
    resource_classes = [ProgrammePhaseResource]
    list_display = ("number", "name", "starts_on", "ends_on", "completion_share", "source")


@admin.register(SubsidyRate)
class SubsidyRateAdmin(ProgrammeDataAdmin):
    resource_classes = [SubsidyRateResource]
    list_display = ("work_type", "wide", "district_group", "rate_wan_per_km", "source")
    list_filter = ("work_type", "wide", "district_group")


@admin.register(SubsidyParameter)
class SubsidyParameterAdmin(ProgrammeDataAdmin):
    resource_classes = [SubsidyParameterResource]
    list_display = ("key", "meaning", "value", "text", "source")
    readonly_fields = ("meaning",)
    search_fields = ("key", "text")

    @admin.display(description=_("meaning"))
    def meaning(self, parameter):
        return PARAMETER_MEANINGS.get(parameter.key, "—")
