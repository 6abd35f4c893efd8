from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control


class LanguageMiddleware:
    """Japanese unless the user chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; the city's screens are Japanese
    first, whatever language the PC's browser happens to be set to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        # Django's admin sets a few style attributes inline; scripts stay strictly same-origin.
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """The browser itself refuses anything from outside the application: the city network is closed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class PrivateCacheMiddleware:
    """No shared cache (a proxy in the city network, a browser's disk) keeps a page meant for one person.

    Applies to every response to a logged-in user, file downloads included, to every response that read
    a visitor's session, and to every response that sets a cookie (a page with a form carries the
    visitor's CSRF token). What an anonymous visitor without a session gets is the same for everyone, so
    public files keep their own caching headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_private(request, response):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def is_private(request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and settings.SESSION_COOKIE_NAME in request.COOKIES:
            return True
        if response.cookies:
            return True
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated
