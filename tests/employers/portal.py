"""A portal client as an HR system would use it: a real token from /o/token/."""

import json

from rest_framework.test import APIClient

from common.access import Viewer
from employers.services.clients import employer_client_issue
from tests import builders


class Portal:
    def __init__(self, employer):
        self.employer = employer
        issued, secret = employer_client_issue(employer=employer, actor=Viewer.system(), client_secret="portal-secret-x")
        self.viewer = builders.portal(employer, client_id=issued.application.client_id)  # the client, to a service
        self.api = APIClient()
        token = self.api.post("/o/token/", {"grant_type": "client_credentials",
                                            "client_id": issued.application.client_id, "client_secret": secret,
                                            "scope": "read write"}).json()["access_token"]
        self.api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(self, path, body, key=None, **kwargs):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return self.api.post(path, data=json.dumps(body, default=str), content_type="application/json",
                             **headers, **kwargs)

    def get(self, path, params=None):
        return self.api.get(path, params or {})
