"""Organisations and people: districts, departments, service halls, persons."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from policyops.history import HistoricalRecords
from policyops.scoping import DistrictScopedQuerySet


class District(models.Model):
    """A district or county-level city of Qingdao (区、市)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Order as in the sources."))
    source = models.CharField(_("source"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["position", "name"]
        permissions = [("view_all_districts", _("Can see and change every district"))]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class Department(models.Model):
    """A department or agency: city-level when ``district`` is empty."""

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Implementing agency of delegated powers")
        RESPONSIBLE_UNIT = "responsible_unit", _("Responsible unit")
        OFFICE = "office", _("Office")
        APPROVAL_AUTHORITY = "approval_authority", _("Approval authority")
        # "有关区市政府" / "各区市政府": the sources name the district governments as one unit.
        DISTRICT_GOVERNMENTS = "district_governments", _("District governments (collectively)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="departments", help_text=_("Empty for a city-level department."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    source = models.CharField(_("source"), max_length=100, blank=True)
    history = HistoricalRecords()

    district_lookup = "district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["district__position", "name"]

    def __str__(self):
        return self.name


class ServiceHall(models.Model):
    """An approval-service hall, a specialised sub-hall or a convenience service centre."""

    class Kind(models.TextChoices):
        CITY_HALL = "city_hall", _("City approval-service hall")
        DISTRICT_HALL = "district_hall", _("District approval-service hall")
        SUB_HALL = "sub_hall", _("Specialised sub-hall")
        CONVENIENCE_CENTRE = "convenience_centre", _("Town/street convenience service centre")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="halls", help_text=_("Empty for the city hall and city sub-halls."),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent hall"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    # A practice hall: its duty shifts count in no report, sweep or reminder (programs.halls).
    is_training = models.BooleanField(
        _("training hall"), default=False, db_default=False,  # db_default: rows inserted by older code
        help_text=_("For trying sign-in and sign-out; its shifts are left out of every report."))
    history = HistoricalRecords()

    district_lookup = "district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service hall")
        verbose_name_plural = _("service halls")
        ordering = ["district__position", "kind", "name"]

    def __str__(self):
        return self.name


class Person(models.Model):
    """A person who works in PolicyOps; linked to a login account when they use it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="person",
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("position title"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="people",
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="people", help_text=_("Limits what the person sees to this district."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    history = HistoricalRecords()

    district_lookup = "district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}（{self.department}）" if self.department_id else self.name
