"""``{% kept_nav_sidebar %}``: Django's admin sidebar, rendered once per kept app list and current model.

``admin/policyops/nav_sidebar_body.html`` is Django 5.2's ``admin/nav_sidebar.html`` word for
word (ours overrides that name, so it cannot include it). What the HTML depends on: the app
list (kept per permission set, language and URL configuration by policyops.admin_site) and
which of its links the current path contains (``app_list.html`` marks them current).
"""
from django import template
from django.template.defaultfilters import urlencode
from django.utils.safestring import mark_safe

register = template.Library()

BODY = "admin/policyops/nav_sidebar_body.html"


def current_links(app_list, path: str) -> tuple:
    """The app and model links ``app_list.html`` marks current for ``path``, as it tests them."""
    shown = urlencode(path)
    return tuple(url for app in app_list for url in (app["app_url"], *(m["admin_url"] for m in app["models"]))
                 if url and url in shown)


@register.simple_tag(takes_context=True)
def kept_nav_sidebar(context):
    app_list = context.get("available_apps") or []
    body = context.template.engine.get_template(BODY)
    kept = getattr(app_list, "sidebar_html", None)
    if kept is None:  # a list not kept (another AdminSite): Django's way
        return body.render(context)
    current = current_links(app_list, context["request"].path)
    html = kept.get(current)
    if html is None:
        html = kept[current] = mark_safe(body.render(context))
    return html
