from django.conf import settings


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
