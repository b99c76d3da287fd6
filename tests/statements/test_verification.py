"""A relying party (a bank, an employer, a housing office) checks a statement it is shown: online by
the absolute URL in the QR code, offline by the Ed25519-signed figures in it against the published keys."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D

import pypdfium2
import pytest
from django.test import Client
from pypdf import PdfReader

from statements.models import Statement
from statements.render import statement_pdf
from statements.signing import b64url, b64url_decode, jws_verify, key_set, signing_keys
from statements.snapshot import verification_code_display
from tests.contributions.reads import amounts
from tests.statements.world import BASE, YEAR, build, run_year

pytestmark = pytest.mark.django_db


def _statement(settings):
    settings.STATEMENT_VERIFY_URL = "https://si.example.gov.cn/api/v1/statements/verify"
    w = build(paid_months=12)
    run_year()
    return w, Statement.objects.get(person=w.person, year=YEAR)


def _qr_payload(statement) -> str:
    from common.identifiers import mask_name
    from statements.signing import qr_text

    snap = json.loads(statement.snapshot)
    return qr_text(snap, masked_name=mask_name(snap["person"]["name"]), checksum=statement.checksum)


def test_the_pdf_prints_the_absolute_verification_url_the_full_checksum_and_a_qr_code(settings, tmp_path):
    _w, statement = _statement(settings)
    pdf = statement_pdf(statement.snapshot)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    code = verification_code_display(statement.verification_code)
    assert f"https://si.example.gov.cn/api/v1/statements/verify?code={code}" in text
    assert statement.checksum in text and len(statement.checksum) == 64
    # The QR code is drawn: a dense square of dark modules beside the verification text.
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1  # a year of months, the account and the QR code on one sheet
    image = document[0].render(scale=2).to_pil().convert("L")
    image.save(tmp_path / "statement.png")
    dark = sum(1 for v in image.getdata() if v < 128)
    assert dark > 20_000


def test_the_qr_holds_the_url_and_figures_signed_with_ed25519_checkable_offline(settings):
    w, statement = _statement(settings)
    text = _qr_payload(statement)
    url, _sep, token = text.partition("#")
    assert url == f"https://si.example.gov.cn/api/v1/statements/verify?code={statement.verification_code}"
    published = Client().get("/.well-known/statement-keys.json")
    assert published.status_code == 200
    jwks = published.json()
    payload = jws_verify(token, jwks)  # with nothing but the published key set
    snap = json.loads(statement.snapshot)
    year_amounts = amounts(BASE)
    assert payload == {
        "c": statement.verification_code, "y": YEAR, "n": "张**", "h": statement.checksum,
        "my": 12, "mt": snap["months_total"], "cb": f"{w.account.balance:.2f}",
        "te": f"{12 * sum(v for k, v in year_amounts.items() if k.endswith('_employer')):.2f}",
        "ti": f"{12 * sum(v for k, v in year_amounts.items() if k.endswith('_individual')):.2f}",
    }


def test_an_altered_amount_is_caught_offline_and_online(settings):
    w, statement = _statement(settings)
    token = _qr_payload(statement).partition("#")[2]
    header, body, signature = token.split(".")
    figures = json.loads(b64url_decode(body))
    forged = dict(figures, cb=f"{D(figures['cb']) + D('10000.00'):.2f}")  # a richer applicant
    forged_token = ".".join([header, b64url(json.dumps(forged, ensure_ascii=False, sort_keys=True,
                                                       separators=(",", ":")).encode()), signature])
    jwks = key_set()
    with pytest.raises(ValueError, match="signature"):
        jws_verify(forged_token, jwks)
    # Online, the bank compares the printed figures with the answer: the altered balance is not it.
    answer = Client().get("/api/v1/statements/verify", {"code": statement.verification_code}).json()
    assert answer["closing_balance"] == figures["cb"] != forged["cb"]
    assert (answer["months_in_year"], answer["months_total"], answer["employer_total"], answer["individual_total"]) \
        == (figures["my"], figures["mt"], figures["te"], figures["ti"])


def test_after_a_key_rotation_old_statements_stay_checkable(settings):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    def seed():
        return b64url(Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    old, new = seed(), seed()
    settings.STATEMENT_SIGNING_KEYS = f"2025-a:{old}"
    _w, statement = _statement(settings)
    old_token = _qr_payload(statement).partition("#")[2]
    old_public = b64url(signing_keys()[0][2].public_bytes(Encoding.Raw, PublicFormat.Raw))

    # Rotation: the new key signs; the old one's private half is destroyed, its public half stays published.
    settings.STATEMENT_SIGNING_KEYS = f"2026-a:{new}"
    settings.STATEMENT_RETIRED_PUBLIC_KEYS = f"2025-a:{old_public}"
    jwks = Client().get("/.well-known/statement-keys.json").json()
    assert [k["kid"] for k in jwks["keys"]] == ["2026-a", "2025-a"]
    assert jws_verify(old_token, jwks)["c"] == statement.verification_code
    new_token = _qr_payload(statement).partition("#")[2]
    assert json.loads(b64url_decode(new_token.split(".")[0]))["kid"] == "2026-a"
    assert jws_verify(new_token, jwks)["cb"] == jws_verify(old_token, jwks)["cb"]
    # Without the retired key published, the old statement no longer checks: the set is what counts.
    settings.STATEMENT_RETIRED_PUBLIC_KEYS = ""
    with pytest.raises(ValueError, match="unknown key"):
        jws_verify(old_token, Client().get("/.well-known/statement-keys.json").json())
