from audit import trail


class CurrentRequestMiddleware:
    """Keeps the request at hand for audit.trail.record(), for steps that are not given it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = trail._current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            trail._current_request.reset(token)
