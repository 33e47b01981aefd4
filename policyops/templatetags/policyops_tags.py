from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def calendar_warning_years():
    from policyops.admin import calendar_warning_years as years

    return years(timezone.localdate())


@register.filter
def percent(share):
    return "" if share is None else int(share * 100)
