from django.conf import settings


def client_ip(request):
    """The address a log-in came from, for throttling.

    X-Forwarded-For counts only behind REVERSE_PROXY_COUNT proxies the city runs: each appends the address
    it saw, so the client is that many places from the right; anything further left the client wrote itself.
    """
    count = settings.REVERSE_PROXY_COUNT
    if count > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
