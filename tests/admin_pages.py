"""What tests of the admin's pages share: a model's admin, a request as an admin view gets it, the
messages a view left on it, and a change page's form as a browser posts it."""
from django.contrib import admin
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory


def model_admin(model):
    """The ModelAdmin the site registered for ``model``."""
    return admin.site._registry[model]


def admin_request(user, method: str = "get", path: str = "/admin/", data=None):
    """A request by ``user`` as an admin view or action gets it, with somewhere to keep messages."""
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = user
    request._messages = CookieStorage(request)
    return request


def request_messages(request) -> list[tuple[str, str]]:
    """The messages a view or action left on ``admin_request``'s request: (level, text)."""
    return [(m.level_tag, str(m)) for m in request._messages]


def posted_as_shown(response) -> dict:
    """The change page's form and inlines as a browser posts them untouched."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(name): value for name, value in management.initial.items()}
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = [str(v) for v in value] if isinstance(value, list) else (
                "on" if value is True else str(value))
    return data
