"""The browsable API's page under the Content-Security-Policy.

DRF writes the colours of its highlighted JSON into the page as an inline ``<style>``, which
the policy (``style-src 'self'``) blocks: Chromium reported it on every API page and showed the
responses uncoloured. The same colours come from a static file here.
"""
from rest_framework import renderers

# DRF's own style (BrowsableAPIRenderer.code_style), as pygments writes it; a test keeps the
# file equal to pygments' output.
CODE_STYLE_CSS = "policyops/api-code.css"


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    template = "policyops/browsable_api.html"

    def get_context(self, *args, **kwargs):
        context = super().get_context(*args, **kwargs)
        context["code_style_css"] = CODE_STYLE_CSS
        return context
