"""The client's address, as far as it can be believed (README "Security": proxy headers)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """REMOTE_ADDR, or behind DJANGO_PROXY_COUNT trusted proxies the address the outermost one saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N proxies
    the N-th entry from the right was written by the outermost proxy; entries left of it are whatever
    the client sent and are never believed.
    """
    address = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "DJANGO_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
