import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address, for rate limits, lockouts and consent records. Behind N trusted proxies
    (settings.SITE_TRUSTED_PROXY_COUNT, nginx appending to X-Forwarded-For) it is the N-th address from the
    end; the entries before it are whatever the visitor sent and are never trusted."""
    proxies = int(getattr(settings, "SITE_TRUSTED_PROXY_COUNT", 0))
    if proxies:
        chain = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
        if len(chain) >= proxies:
            try:
                return str(ipaddress.ip_address(chain[-proxies]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None
