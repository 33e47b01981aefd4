"""The browsable API's page under the Content-Security-Policy.

The policy (``style-src 'self'``) blocks inline styles, and DRF's page has three kinds:
the colours of its highlighted JSON in a ``<style>``, the float of its "Extra Actions"
menu (a case's steps) and the rules of a list field's box in ``style`` attributes.
Chromium reported each as a console error and drew the page without them. Here the colours
come from a static file, and the menu and the list box are drawn by our templates with
classes from ``browsable-api.css``.
"""
from rest_framework import renderers, serializers
from rest_framework.request import override_method
from rest_framework.utils.field_mapping import ClassLookupDict

# DRF's own style (BrowsableAPIRenderer.code_style), as pygments writes it; a test keeps the
# file equal to pygments' output.
CODE_STYLE_CSS = "policyops/api-code.css"
PAGE_CSS = "policyops/browsable-api.css"


class HTMLFormRenderer(renderers.HTMLFormRenderer):
    """DRF's form renderer; a list of objects (a case's materials) drawn without inline styles."""

    default_style = ClassLookupDict({
        **renderers.HTMLFormRenderer.default_style.mapping,
        serializers.ListSerializer: {"template": "policyops/api_list_fieldset.html"},
    })


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    template = "policyops/browsable_api.html"
    form_renderer_class = HTMLFormRenderer

    def get_rendered_html_form(self, data, view, method, request):
        # After a POST DRF draws the form again from the serializer of the answer. Ours answer
        # with the object (a case's detail, a quote), not with the body they read, so the form
        # after a registration was the case's read-only fields (none) — drawn from the body's
        # serializer again instead.
        answer = getattr(data, "serializer", None)
        if answer is not None and request.method == method and not isinstance(answer, body_serializer(view, request)):
            data = dict(data)
        return super().get_rendered_html_form(data, view, method, request)

    def get_context(self, *args, **kwargs):
        context = super().get_context(*args, **kwargs)
        context["code_style_css"] = CODE_STYLE_CSS
        context["page_css"] = PAGE_CSS
        # The menu of an object's other endpoints, drawn by our template (its float a class).
        context["other_endpoints"] = context.pop("extra_actions", None)
        return context


def body_serializer(view, request) -> type | tuple:
    """The serializer class of the body ``view`` reads for ``request``'s method (``()``: none)."""
    with override_method(view, request, request.method):
        try:
            found = view.get_serializer_class() if hasattr(view, "get_serializer_class") else None
        except AssertionError:  # a generic view without a serializer_class
            found = None
        return found or getattr(view, "serializer_class", None) or ()
