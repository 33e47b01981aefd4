from django import template
from django.utils import timezone

from policyops.formatting import whole_percent

register = template.Library()


@register.simple_tag
def calendar_warning_years():
    from policyops.admin import calendar_warning_years as years

    return years(timezone.localdate())


@register.filter
def percent(share):
    """Whole percent points for a bar's width and its label (policyops.formatting.whole_percent)."""
    value = whole_percent(share)
    return "" if value is None else value
