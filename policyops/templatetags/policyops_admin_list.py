"""``{% precomputed_result_list cl %}``: Django's ``result_list`` tag, rows from policyops.admin_list;
``{% list_filter cl spec %}``: Django's ``admin_list_filter``, written by policyops.admin_list."""
from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from policyops import admin_list

register = template.Library()


@register.tag(name="precomputed_result_list")
def precomputed_result_list_tag(parser, token):
    # The same template look-up as Django's tag (admin/<app>/<model>/… first), for Django's
    # change_list_results.html that writes the planned rows at once.
    return InclusionAdminNode(parser, token, func=admin_list.result_list,
                              template_name="precomputed_change_list_results.html", takes_context=False)


@register.simple_tag
def list_filter(cl, spec):
    """Django's ``{% admin_list_filter cl spec %}``, admin/filter.html written in Python."""
    return admin_list.filter_html(cl, spec)
