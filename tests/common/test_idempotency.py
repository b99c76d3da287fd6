"""Idempotency-Key compares what a request means, not its bytes (issue 8, item 3)."""

import json
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from agency.deadlines import today_in_shanghai
from employers.models import RegistrationApplication
from tests.ids import uscc

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def fields():
    return {"kind": "new", "uscc": uscc(seed=7), "name": "上海新设有限公司", "employer_kind": "enterprise",
            "region_code": "310101", "established_on": (today_in_shanghai() - timedelta(days=10)).isoformat()}


def multipart(boundary: str, pdf: bytes = PDF) -> bytes:
    """What `curl -F` sends: every run picks a new boundary."""
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields().items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="document_kinds"\r\n\r\n'
                 "business_licence\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; filename="licence.pdf"\r\n'
                 "Content-Type: application/pdf\r\n\r\n".encode() + pdf + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def post_multipart(boundary, key, pdf=PDF):
    return APIClient().post("/api/v1/registrations", data=multipart(boundary, pdf),
                            content_type=f"multipart/form-data; boundary={boundary}", HTTP_IDEMPOTENCY_KEY=key)


def test_a_multipart_retry_with_a_new_boundary_replays(shanghai):
    first = post_multipart("------------------------a1b2c3", "reg-0001")
    again = post_multipart("------------------------d4e5f6", "reg-0001")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert RegistrationApplication.objects.count() == 1


def test_a_retry_with_another_file_is_refused(shanghai):
    assert post_multipart("b1", "reg-0002").status_code == 201
    other = post_multipart("b2", "reg-0002", pdf=PDF + b"% another scan\n")
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert RegistrationApplication.objects.count() == 1


def test_the_same_json_spaced_and_ordered_differently_replays(shanghai):
    body = fields()
    compact = json.dumps(body, separators=(",", ":"))
    spaced = json.dumps(dict(reversed(list(body.items()))), indent=4, ensure_ascii=True)
    first = APIClient().post("/api/v1/registrations", data=compact, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY="reg-0003")
    again = APIClient().post("/api/v1/registrations", data=spaced, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY="reg-0003")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    changed = APIClient().post("/api/v1/registrations", data=json.dumps({**body, "name": "别的名字"}),
                               content_type="application/json", HTTP_IDEMPOTENCY_KEY="reg-0003")
    assert changed.status_code == 422
    assert RegistrationApplication.objects.count() == 1
