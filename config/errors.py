"""The 500 page, and the 503 page when the database cannot be reached.

Django calls handler500 inside the except block of whatever went wrong, anywhere in the request (a
middleware loading the session, a view, a template), so the exception is still at hand here.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a browser or a proxy is told to wait before trying again while the database is down.
RETRY_AFTER_SECONDS = 60


@requires_csrf_token
def server_error(request):
    # The templates extend nothing and are rendered without a request: no context processor, no query.
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
