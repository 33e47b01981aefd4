"""Admin of the public evaluation: ratings, the follow-ups of poor ones, the monthly briefings."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops.admin_base import HistoryAdmin, ReadOnlyAdminMixin
from policyops.admin_list import PrecomputedResultListMixin
from policyops.admin_scoping import DistrictScopedAdminMixin
from policyops.errors import PolicyOpsError
from programs.halls import selectors, services
from programs.halls.forms import FollowUpAnswerForm
from programs.halls.models import Evaluation, FollowUp, MonthlyBriefing


class ShiftDirectorsMixin:
    """Rows of a rated shift with its hall joined and its directors read by a query each
    (selectors.with_directors): joined too, they made PostgreSQL plan eight tables (7.8 ms) to
    run them for 0.8 ms. Joined in get_queryset, not only in the list (Django's ChangeList adds
    nothing to a queryset's own select_related), so a change or history page reads them too."""

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related(*self.list_select_related)
        return selectors.with_directors(rows, "shift__")


@admin.register(Evaluation)
class EvaluationAdmin(PrecomputedResultListMixin, ReadOnlyAdminMixin, DistrictScopedAdminMixin, ShiftDirectorsMixin,
                      admin.ModelAdmin):
    """The ratings, newest first. A hall rated for years holds hundreds of thousands of them: at
    500,000 a director's list took 1.1 s (two full counts, a sort of every rating in view, the
    date hierarchy's DISTINCT months, the hall filter's values in use), so it is built as the
    audit trail's (policyops.admin_list): the rows in the order of an index, counted to 1,000,
    dates as ranges, halls from the hall table."""

    list_display = ("created_at", "hall", "director", "level", "comment")
    list_filter = ("level", "shift__hall", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("shift__hall",)  # the directors: ShiftDirectorsMixin
    exclude = ("device",)
    sortable_by = ("created_at",)  # evaluation_newest_first

    @admin.display(description=gettext_lazy("service hall"))
    def hall(self, obj):
        return obj.shift.hall

    @admin.display(description=gettext_lazy("director on duty"))
    def director(self, obj):
        return obj.shift.on_duty.person.name


class FollowUpStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("open")), ("0", _("answered"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(answered_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(answered_at__isnull=False)
        return queryset  # pragma: no mutate  (None reads the same: the change list keeps its rows on a None)


@admin.register(FollowUp)
class FollowUpAdmin(PrecomputedResultListMixin, DistrictScopedAdminMixin, ShiftDirectorsMixin, HistoryAdmin):
    """不满意 / 非常不满意 ratings to answer; open ones first. The answer goes through the service."""

    form = FollowUpAnswerForm
    list_display = ("rated_at", "hall", "director", "level", "comment", "is_open_display", "answered_at")
    list_filter = (FollowUpStatusFilter, "shift__hall")
    list_select_related = ("evaluation", "shift__hall")  # the directors: ShiftDirectorsMixin
    history_select_related = ("evaluation", "shift__hall", "shift__director__person")  # FollowUp.__str__
    ordering = (F("answered_at").desc(nulls_first=True), "-id")  # followup_open_first
    # A follow-up for every poor rating: 25,000 beside 500,000 ratings took a director's list
    # 330 ms (two full counts and a sort of them all); counted to 1,000, in the index's order,
    # fifty a page as the case list, its rows planned once per page (policyops.admin_list).
    list_per_page = 50
    sortable_by = ("answered_at",)  # followup_open_first
    fields = ("rated_at", "hall", "director", "level", "comment", "answer", "answered_by", "answered_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = ["rated_at", "hall", "director", "level", "comment", "answered_by", "answered_at"]
        if obj is not None and not obj.is_open:
            readonly.append("answer")
        return readonly

    @admin.display(description=gettext_lazy("time"), ordering="evaluation__created_at")
    def rated_at(self, obj):
        return timezone.localtime(obj.evaluation.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=gettext_lazy("service hall"))
    def hall(self, obj):
        return obj.shift.hall

    @admin.display(description=gettext_lazy("director on duty"))
    def director(self, obj):
        return obj.shift.on_duty.person.name

    @admin.display(description=gettext_lazy("rating"))
    def level(self, obj):
        return obj.evaluation.get_level_display()

    @admin.display(description=gettext_lazy("comment"))
    def comment(self, obj):
        return obj.evaluation.comment or "—"

    @admin.display(description=gettext_lazy("open"), boolean=True)
    def is_open_display(self, obj):
        return obj.is_open

    def save_model(self, request, obj, form, change):
        if not obj.is_open:
            return
        try:
            services.follow_up_answer(follow_up=obj, answer=form.cleaned_data["answer"], acting_user=request.user,
                                      now=timezone.now())
        except PolicyOpsError as exc:
            self.message_user(request, str(exc), messages.ERROR)


@admin.register(MonthlyBriefing)
class MonthlyBriefingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "generated_at", "page")

    @admin.display(description=gettext_lazy("briefing page"))
    def page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("halls:briefing", args=[obj.year, obj.month]), _("Open"))
