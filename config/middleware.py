from django.conf import settings
from django.utils import translation


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
