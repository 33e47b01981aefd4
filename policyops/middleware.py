import uuid

from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.core.exceptions import BadRequest
from django.utils.functional import SimpleLazyObject

from policyops.logging_json import request_id_var, sane_request_id
from policyops.plain_text import plain_query

REQUEST_ID_HEADER = "X-Request-ID"


class DefaultLanguageMiddleware:
    """Serve zh-hans unless the user chose another language (the language cookie).

    The browser's Accept-Language is ignored on purpose: clerks' machines are often set
    to English, and the app's working language is Chinese. The language menu on every
    page sets the cookie for those who want English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)


class RequestIdMiddleware:
    """Give each request an id: in every log line written meanwhile and in the response.

    A proxy's X-Request-ID is kept when it is sane (policyops.logging_json), so one id
    follows a request from the proxy's log to ours; otherwise a new uuid4. First in
    MIDDLEWARE, so that whatever the others log carries it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        request.request_id = request_id  # for records written after this returns (django.request)
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ResolvedUserMiddleware:
    """``request.user`` as the user object itself, right after AuthenticationMiddleware.

    Django leaves a lazy proxy there, so that a request that never reads the user never
    loads it. Every page here reads it (the menu, the unread badge, the scoping), and each
    attribute read through the proxy costs a few microseconds: a list page read it ~1,300
    times, ~1.5 ms (issue 12). Loading it first changes nothing else: the same user, once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if isinstance(getattr(request, "user", None), SimpleLazyObject):
            request.user = get_user(request)  # what the proxy would load, cached on the request
        return self.get_response(request)


class NullCharacterMiddleware:
    """Answer 400 to an address whose path or query string holds a NUL character.

    PostgreSQL stores and compares no text holding one (psycopg refuses it), so a list given
    ``?q=%00`` answered 500: the front case list's and the road list's searches, the
    first-contact search, an admin filter's value. Forms refuse it already (Django's
    ProhibitNullCharactersValidator, DRF's likewise), but query strings reach querysets
    without a form; checked here once, so no view has to remember it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or any("\x00" in value for value in values)
                                         for key, values in request.GET.lists()):
            raise BadRequest("A NUL character in the address")
        return self.get_response(request)


class PlainTextMiddleware:
    """Query strings and form posts through ``policyops.plain_text``, before any view reads them:
    a name pasted with a zero-width space or a direction override is saved, checked and searched
    as it looks. Password fields are left as typed (a password set before this must still match).

    Run as the view is chosen, after CsrfViewMiddleware, which has read the post already, so
    that reading it here adds no way to fail. A view exempt from CSRF (the API) reads its own
    body: the API's parsers make its text plain (``policyops.api_parsers``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.GET = plain_query(request.GET)
        if request.method == "POST" and not getattr(view_func, "csrf_exempt", False):
            request.POST = plain_query(request.POST)
