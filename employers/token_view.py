"""POST /o/token/ with failed-login throttling (agency.login_guard): a wrong client secret counts
against the client ("client:<client_id>") and the caller's address; while either is locked out the
endpoint answers 429 with Retry-After, without checking the secret."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from django.http import JsonResponse
from oauth2_provider.views import TokenView

from agency.login_guard import (
    login_failure_record,
    login_lock_find,
    login_refused_record,
    login_success_record,
    retry_after_seconds,
)
from agency.models import LoginChannel
from common.problems import PROBLEM_CONTENT_TYPE, problem
from common.security import client_address
from employers.models import EmployerClient

CLIENT_PREFIX = "client:"


def client_region(account: str) -> int | None:
    if not account.startswith(CLIENT_PREFIX):
        return None
    return (EmployerClient.objects.filter(application__client_id=account[len(CLIENT_PREFIX):])
            .values_list("employer__region_id", flat=True).first())


def _client_id(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.split(":", 1)[0])
    return request.POST.get("client_id", "")


class ThrottledTokenView(TokenView):
    def post(self, request, *args, **kwargs):
        account = CLIENT_PREFIX + _client_id(request)[:150]
        address = client_address(request)
        lock = login_lock_find(account=account, address=address)
        if lock is not None:
            login_refused_record(channel=LoginChannel.OAUTH, account=account, address=address, lock=lock)
            return self._locked(request, lock)
        response = super().post(request, *args, **kwargs)
        if response.status_code in (400, 401) and b"invalid_client" in response.content:
            caused = login_failure_record(channel=LoginChannel.OAUTH, account=account, address=address)
            if caused is not None:
                return self._locked(request, caused)
        elif response.status_code == 200:
            login_success_record(channel=LoginChannel.OAUTH, account=account, address=address)
        return response

    @staticmethod
    def _locked(request, lock) -> JsonResponse:
        wait = retry_after_seconds(lock)
        body = problem("login-locked", 429, "Too many failed attempts for this client or from this address; "
                       "retry later or ask the agency to lift the lock-out.", instance=request.get_full_path(),
                       error="temporarily_unavailable", retry_after=wait)
        response = JsonResponse(body, status=429, content_type=PROBLEM_CONTENT_TYPE)
        response["Retry-After"] = str(wait)
        return response
