"""Writes per API client: a portal client, a signed-in user, or (anonymous) an address.

Over API_WRITE_RATE a POST answers 429 /problems/throttled with Retry-After. The counts live in the
cache (Redis); if it does not answer, writes are let through rather than refused.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from common.access import Kind, viewer_for_request
from common.security import client_address

logger = logging.getLogger(__name__)


class WriteRateThrottle(SimpleRateThrottle):
    scope = "write"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("write throttle: cache unavailable, request let through")
            return True

    def get_cache_key(self, request, view):
        viewer = viewer_for_request(request)
        if viewer.kind is Kind.NOBODY and viewer.user_id is None:
            ident = f"address:{client_address(request) or 'unknown'}"
        else:
            ident = viewer.label()
        return self.cache_format % {"scope": self.scope, "ident": ident}
