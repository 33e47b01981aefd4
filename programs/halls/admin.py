"""Admin of hall duty: hall settings, directors, the rota, sign-in log, work records, evaluations.

States are never saved from a form: shifts are read-only here; generating, moving and
publishing the rota and deciding substitutions go through ``programs.halls.services``, as
do answers to follow-ups.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policyops.admin_base import HistoryAdmin, ReadOnlyAdminMixin, audit_trail_html
from policyops.errors import PolicyOpsError
from policyops.models import ServiceHall
from policyops.scoping import may_touch_district, sees_all_districts, user_district_id
from programs.halls import services
from programs.halls.forms import FollowUpAnswerForm, GenerateRotaForm, MoveShiftForm
from programs.halls.models import (
    Director,
    DutyShift,
    Evaluation,
    FollowUp,
    HallSettings,
    MonthlyBriefing,
    Problem,
    SignAttempt,
    Unavailability,
    WorkRecord,
)
from programs.halls.views import kiosk_token

MANAGE_ROTA = "halls.manage_rota"
FORM_PAGE_TEMPLATE = "admin/halls/form_page.html"


# --- Shared pieces ----------------------------------------------------------------------


class HallScopedAdminMixin:
    """Rows limited to the halls of the user's district (supervisors see every district).

    ``hall_path`` leads from the model to its ServiceHall; ``own_paths`` lead to the login
    account of rows a director owns (their shifts, unavailable dates…), which they see
    wherever the hall is.
    """

    hall_path = "hall"
    own_paths: tuple = ()

    def scope(self, request, queryset):
        user = request.user
        if sees_all_districts(user):
            return queryset
        condition = None
        district = user_district_id(user)
        if district is not None:
            condition = Q(**{f"{self.hall_path}__district_id": district})
        for own in self.own_paths:
            condition = Q(**{own: user}) if condition is None else condition | Q(**{own: user})
        return queryset.filter(condition) if condition is not None else queryset.none()

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is ServiceHall:
            kwargs["queryset"] = ServiceHall.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _page_url(name, *args):
    """A hall-duty page's URL; None while the pages are not mounted (halls.urls)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _check_district(request, hall):
    if not may_touch_district(request.user, hall.district_id if hall else None):
        raise PermissionDenied(_("You may only change records of your own district."))


# --- Hall settings and directors ---------------------------------------------------------------


@admin.register(HallSettings)
class HallSettingsAdmin(HallScopedAdminMixin, HistoryAdmin):
    list_display = ("hall", "opens_at", "closes_at", "daily_capacity", "public_pages")
    list_select_related = ("hall",)
    search_fields = ("hall__name",)
    actions = ["renew_code_secret"]

    def has_manage_rota_permission(self, request):
        return request.user.has_perm(MANAGE_ROTA)

    @admin.action(description=gettext_lazy("Renew the code secret (new codes; the old kiosk links stop working)"),
                  permissions=["manage_rota"])
    def renew_code_secret(self, request, queryset):
        """For a leaked kiosk link: the codes and the kiosk token both derive from the secret."""
        renewed = 0
        with transaction.atomic():
            for hall_settings in self.scope(request, queryset).select_related("hall"):
                services.hall_renew_code_secret(hall_settings=hall_settings, acting_user=request.user)
                renewed += 1
        self.message_user(request, _("%(count)s hall(s) have a new code secret; open the new kiosk link on each "
                                     "hall's screen.") % {"count": renewed}, messages.SUCCESS)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if request.user.has_perm(MANAGE_ROTA):
            shown.append("kiosk_link")
        return shown

    def get_readonly_fields(self, request, obj=None):
        readonly = ["public_pages"]
        if obj is not None:
            readonly.insert(0, "hall")
        if request.user.has_perm(MANAGE_ROTA):
            readonly.append("kiosk_link")  # the code on the hall's screen: supervisors only
        return readonly

    @admin.display(description=gettext_lazy("hall kiosk (rotating sign-in code)"))
    def kiosk_link(self, obj):
        url = _page_url("halls:kiosk", kiosk_token(obj)) if obj.pk else None
        if not url:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a><div class="help">{}</div>',
                           url, _("Open the kiosk screen"),
                           _("Open it only on the hall's own screen: whoever has this link can read the code."))

    @admin.display(description=gettext_lazy("public pages"))
    def public_pages(self, obj):
        today = timezone.localdate()
        links = [(_page_url("halls:rota", obj.hall_id, today.year, today.month), _("rota")),
                 (_page_url("halls:rota_print", obj.hall_id, today.year, today.month), _("printable sign")),
                 (_page_url("halls:evaluate", obj.hall_id), _("evaluation"))] if obj.hall_id else []
        links = [(url, label) for url, label in links if url]
        return format_html_join(" · ", '<a href="{}">{}</a>', links) if links else "—"

    def save_model(self, request, obj, form, change):
        _check_district(request, obj.hall)
        super().save_model(request, obj, form, change)


class DirectorAdminForm(forms.ModelForm):
    class Meta:
        model = Director
        fields = ("person", "hall", "partner", "active")

    def clean(self):
        data = super().clean()
        if not data.get("person"):
            data["partner"] = None  # the model's check needs the person; its own error is shown
        return data


@admin.register(Director)
class DirectorAdmin(HallScopedAdminMixin, HistoryAdmin):
    form = DirectorAdminForm
    list_display = ("name", "department", "hall", "partner", "active")
    list_filter = ("hall", "active")
    list_select_related = ("person__department", "hall", "partner__person")
    search_fields = ("person__name", "person__department__name")
    autocomplete_fields = ("person",)

    @admin.display(description=gettext_lazy("name"), ordering="person__name")
    def name(self, obj):
        return obj.person.name

    @admin.display(description=gettext_lazy("department"), ordering="person__department__name")
    def department(self, obj):
        return obj.person.department or "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._halls_director = obj
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner":
            partners = self.scope(request, Director.objects.select_related("person"))
            obj = getattr(request, "_halls_director", None)
            if obj is not None:
                # A/B: another leader of the same department (002:1976).
                partners = partners.filter(person__department_id=obj.person.department_id).exclude(pk=obj.pk)
            kwargs["queryset"] = partners.order_by("person__name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        _check_district(request, obj.hall)
        super().save_model(request, obj, form, change)


def _scoped_directors(request):
    user = request.user
    directors = Director.objects.select_related("person")
    if sees_all_districts(user):
        return directors
    district = user_district_id(user)
    own = Q(person__user=user)
    return directors.filter(own | Q(hall__district_id=district) if district is not None else own)


@admin.register(Unavailability)
class UnavailabilityAdmin(HallScopedAdminMixin, admin.ModelAdmin):
    hall_path = "director__hall"
    own_paths = ("director__person__user",)
    list_display = ("director", "date", "reason")
    list_filter = ("director__hall",)
    list_select_related = ("director__person",)
    search_fields = ("director__person__name", "reason")
    date_hierarchy = "date"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "director":
            kwargs["queryset"] = _scoped_directors(request).order_by("person__name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if obj.director.person.user_id != request.user.pk:
            _check_district(request, obj.director.hall)
        super().save_model(request, obj, form, change)


# --- The rota -------------------------------------------------------------------------------


class SignAttemptInline(admin.TabularInline):
    model = SignAttempt
    extra = 0
    fields = ("at", "user", "action", "success", "reason")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = gettext_lazy("sign-in attempts")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Nothing is added, edited or deleted here: the services do it (rota pages and actions)."""

    list_display = ("date", "hall", "director_name", "department", "substitute_name", "state", "signed_in",
                    "signed_out", "left_without_sign_out")
    list_filter = ("hall", "state", "date")
    list_select_related = ("hall", "director__person__department", "substitute__person")
    date_hierarchy = "date"
    search_fields = ("director__person__name", "substitute__person__name", "hall__name")
    fields = ("hall", "date", "director", "starts_at", "ends_at", "state", "substitute", "substitution_reason",
              "signed_in_at", "signed_out_at", "left_without_sign_out", "audit_trail")
    readonly_fields = fields
    inlines = [SignAttemptInline]
    actions = ["publish_months", "approve_substitutions", "reject_substitutions"]
    change_list_template = "admin/halls/dutyshift/change_list.html"
    change_form_template = "admin/halls/dutyshift/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


    def has_manage_rota_permission(self, request):
        return request.user.has_perm(MANAGE_ROTA)

    # Columns.

    @admin.display(description=gettext_lazy("director"), ordering="director__person__name")
    def director_name(self, obj):
        return obj.director.person.name

    @admin.display(description=gettext_lazy("department"))
    def department(self, obj):
        return obj.director.person.department or "—"

    @admin.display(description=gettext_lazy("substitute"))
    def substitute_name(self, obj):
        return obj.substitute.person.name if obj.substitute_id else "—"

    @admin.display(description=gettext_lazy("signed in"), ordering="signed_in_at")
    def signed_in(self, obj):
        return f"{timezone.localtime(obj.signed_in_at):%H:%M}" if obj.signed_in_at else "—"

    @admin.display(description=gettext_lazy("signed out"), ordering="signed_out_at")
    def signed_out(self, obj):
        return f"{timezone.localtime(obj.signed_out_at):%H:%M}" if obj.signed_out_at else "—"

    @admin.display(description=gettext_lazy("audit trail"))
    def audit_trail(self, obj):
        return audit_trail_html(obj)

    # Pages.

    def get_urls(self):
        return [
            path("generate/", self.admin_site.admin_view(self.generate_view), name="halls_dutyshift_generate"),
            path("<path:object_id>/move/", self.admin_site.admin_view(self.move_view), name="halls_dutyshift_move"),
            path("<path:object_id>/substitution/<str:decision>/", self.admin_site.admin_view(self.decide_view),
                 name="halls_dutyshift_decide"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_generate": request.user.has_perm(MANAGE_ROTA)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.user.has_perm(MANAGE_ROTA):
            extra_context["can_move"] = obj.state == DutyShift.State.SCHEDULED
            extra_context["can_decide"] = obj.state == DutyShift.State.SUBSTITUTION_FILED
        return super().change_view(request, object_id, form_url, extra_context)

    def _form_page(self, request, form, *, title, submit_label, obj=None, extra=None):
        return TemplateResponse(request, FORM_PAGE_TEMPLATE, {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form, "title": title,
            "original": obj, "submit_label": submit_label, **(extra or {}),
            "cancel_url": reverse("admin:halls_dutyshift_change", args=[obj.pk]) if obj else
            reverse("admin:halls_dutyshift_changelist")})

    def generate_view(self, request):
        """Hall + month → services.rota_generate; an infeasible month is explained, director by director."""
        if not request.user.has_perm(MANAGE_ROTA):
            raise PermissionDenied
        halls = ServiceHall.objects.visible_to(request.user).filter(duty_settings__isnull=False)
        form = GenerateRotaForm(request.POST or None, halls=halls)
        problems = None
        if request.method == "POST" and form.is_valid():
            hall, year, month = (form.cleaned_data[k] for k in ("hall", "year", "month"))
            try:
                shifts = services.rota_generate(hall=hall, year=year, month=month, acting_user=request.user)
            except services.RotaInfeasible as exc:
                problems = exc.problems
            except PolicyOpsError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _(
                    "%(count)s shifts generated for %(hall)s in %(year)s-%(month)02d. Check them, move single shifts "
                    "if needed, then publish the month.") % {"count": len(shifts), "hall": hall, "year": year,
                                                             "month": month}, messages.SUCCESS)
                query = urlencode({"hall__id__exact": hall.pk, "date__year": year, "date__month": month})
                return redirect(f"{reverse('admin:halls_dutyshift_changelist')}?{query}")
        return TemplateResponse(request, "admin/halls/dutyshift/generate_rota.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form, "problems": problems,
            "title": _("Generate a month's rota"), "submit_label": _("Generate"),
            "cancel_url": reverse("admin:halls_dutyshift_changelist")})

    def move_view(self, request, object_id):
        if not request.user.has_perm(MANAGE_ROTA):
            raise PermissionDenied
        shift = self.get_object(request, unquote(object_id))
        if shift is None:
            raise Http404
        form = MoveShiftForm(request.POST or None, initial={"date": shift.date})
        if request.method == "POST" and form.is_valid():
            try:
                services.shift_move(shift=shift, day=form.cleaned_data["date"], acting_user=request.user)
            except PolicyOpsError as exc:
                form.add_error("date" if getattr(exc, "field", None) == "date" else None, str(exc))
            else:
                self.message_user(request, _("%(shift)s moved.") % {"shift": shift}, messages.SUCCESS)
                return redirect("admin:halls_dutyshift_change", shift.pk)
        return self._form_page(request, form, title=_("Move an unpublished shift"), submit_label=_("Move"),
                               obj=shift)

    def decide_view(self, request, object_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in ("approve", "reject"):
            raise Http404
        shift = self.get_object(request, unquote(object_id))
        if shift is None:
            raise Http404
        self._decide(request, [shift], approve=decision == "approve")
        return redirect("admin:halls_dutyshift_change", shift.pk)

    # Actions.

    @admin.action(description=gettext_lazy("Publish the whole month of the selected shifts (hall by hall)"),
                  permissions=["manage_rota"])
    def publish_months(self, request, queryset):
        months = sorted({(hall_id, day.year, day.month) for hall_id, day in queryset.values_list("hall_id", "date")})
        halls = ServiceHall.objects.in_bulk({hall_id for hall_id, _y, _m in months})
        for hall_id, year, month in months:
            hall = halls[hall_id]
            try:
                count = services.rota_publish(hall=hall, year=year, month=month, acting_user=request.user)
            except PolicyOpsError as exc:
                self.message_user(request, f"{hall} {year}-{month:02d}: {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(hall)s %(year)s-%(month)02d: %(count)s shifts published.")
                                  % {"hall": hall, "year": year, "month": month, "count": count}, messages.SUCCESS)

    def _decide(self, request, shifts, *, approve: bool):
        done = 0
        for shift in shifts:
            try:
                services.shift_decide_substitution(shift=shift, approve=approve, acting_user=request.user,
                                                   now=timezone.now())
                done += 1
            except PolicyOpsError as exc:
                self.message_user(request, f"{shift}: {exc}", messages.ERROR)
        if done:
            text = (_("%(count)s substitution(s) approved.") if approve else _("%(count)s substitution(s) rejected."))
            self.message_user(request, text % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Approve the A/B substitutions of the selected shifts"),
                  permissions=["manage_rota"])
    def approve_substitutions(self, request, queryset):
        self._decide(request, queryset.select_related("director__person", "substitute__person", "hall"),
                     approve=True)

    @admin.action(description=gettext_lazy("Reject the A/B substitutions of the selected shifts"),
                  permissions=["manage_rota"])
    def reject_substitutions(self, request, queryset):
        self._decide(request, queryset.select_related("director__person", "substitute__person", "hall"),
                     approve=False)


@admin.register(SignAttempt)
class SignAttemptAdmin(ReadOnlyAdminMixin, HallScopedAdminMixin, admin.ModelAdmin):
    own_paths = ("user",)
    list_display = ("at", "user", "hall", "action", "success", "reason", "shift")
    list_filter = ("success", "action", "hall")
    list_select_related = ("user", "hall", "shift__hall", "shift__director__person")
    search_fields = ("user__username", "reason")
    date_hierarchy = "at"
    exclude = ("code", "code_counter")


# --- Work on duty ---------------------------------------------------------------------------


class ProblemInline(admin.TabularInline):
    model = Problem
    extra = 1
    fields = ("description", "proposal", "status")


@admin.register(WorkRecord)
class WorkRecordAdmin(HallScopedAdminMixin, HistoryAdmin):
    hall_path = "shift__hall"
    own_paths = ("shift__director__person__user", "shift__substitute__person__user")
    list_display = ("shift", "hall", "case_count", "problem_count")
    list_filter = ("shift__hall",)
    list_select_related = ("shift__hall", "shift__director__person")
    search_fields = ("shift__director__person__name", "opinions")
    autocomplete_fields = ("shift", "cases")
    inlines = [ProblemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_cases=Count("cases", distinct=True), n_problems=Count("problems", distinct=True))

    def get_readonly_fields(self, request, obj=None):
        return ("shift",) if obj is not None else ()

    @admin.display(description=gettext_lazy("service hall"))
    def hall(self, obj):
        return obj.shift.hall

    @admin.display(description=gettext_lazy("cases accepted"), ordering="n_cases")
    def case_count(self, obj):
        return obj.n_cases

    @admin.display(description=gettext_lazy("problems"), ordering="n_problems")
    def problem_count(self, obj):
        return obj.n_problems


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdminMixin, HallScopedAdminMixin, admin.ModelAdmin):
    hall_path = "shift__hall"
    list_display = ("created_at", "hall", "director", "level", "comment")
    list_filter = ("level", "shift__hall")
    list_select_related = ("shift__hall", "shift__director__person", "shift__substitute__person")
    date_hierarchy = "created_at"
    exclude = ("device",)

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
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(HallScopedAdminMixin, HistoryAdmin):
    """不满意 / 非常不满意 ratings to answer; open ones first. The answer goes through the service."""

    hall_path = "evaluation__shift__hall"
    form = FollowUpAnswerForm
    list_display = ("rated_at", "hall", "director", "level", "comment", "is_open_display", "answered_at")
    list_filter = (FollowUpStatusFilter, "evaluation__shift__hall")
    list_select_related = ("evaluation__shift__hall", "evaluation__shift__director__person",
                           "evaluation__shift__substitute__person")
    ordering = (F("answered_at").desc(nulls_first=True), "-id")
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
        return obj.evaluation.shift.hall

    @admin.display(description=gettext_lazy("director on duty"))
    def director(self, obj):
        return obj.evaluation.shift.on_duty.person.name

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
        url = _page_url("halls:briefing", obj.year, obj.month)
        return format_html('<a href="{}">{}</a>', url, _("Open")) if url else "—"
