"""Statements a relying party can check offline: the figures a bank relies on, signed with Ed25519.

The QR code on a statement holds the verification URL (STATEMENT_VERIFY_URL, absolute) with the code,
and after `#` a JWS in compact serialisation (RFC 7515; `alg` EdDSA, RFC 8037) whose payload is
compact JSON:

    {"c": code, "y": year, "n": masked name, "my": months contributed in the year,
     "mt": months contributed in total, "cb": the account's closing balance,
     "te": the year's employer total, "ti": the year's individual total,
     "h": the statement's checksum, the SHA-256 of its figures as generated}

Opening the URL checks it online (the same figures come back); a scanner without a connection checks
the signature against the key set published at /.well-known/statement-keys.json (JWKS, keys by
`kid`). Ed25519 signatures are deterministic, so a statement renders to the same bytes each time.

Keys (STATEMENT_SIGNING_KEYS): `kid:seed,...`, each seed 32 bytes in base64url; the first signs, the
others are still published, and STATEMENT_RETIRED_PUBLIC_KEYS (`kid:public key,...`) keeps keys whose
private half is destroyed: a statement signed years ago stays checkable. Without the setting a key
derived from DJANGO_SECRET_KEY signs (kid `derived-1`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

_EMPLOYER_COLUMNS = (0, 2, 4, 6)  # the snapshot's `totals`: pension, medical, unemployment, work injury
_INDIVIDUAL_COLUMNS = (1, 3, 5)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pairs(text: str) -> list[tuple[str, str]]:
    out = []
    for item in (text or "").split(","):
        if item.strip():
            kid, _sep, value = item.strip().partition(":")
            out.append((kid.strip(), value.strip()))
    return out


@lru_cache(maxsize=4)
def _keys(signing: str, retired: str, secret: str) -> tuple[tuple[str, Ed25519PrivateKey | None, Ed25519PublicKey],
                                                            ...]:
    keys = []
    for kid, seed in _pairs(signing):
        private = Ed25519PrivateKey.from_private_bytes(b64url_decode(seed))
        keys.append((kid, private, private.public_key()))
    if not keys:
        seed = hashlib.sha256(b"statement-signing-key:" + secret.encode()).digest()
        private = Ed25519PrivateKey.from_private_bytes(seed)
        keys.append(("derived-1", private, private.public_key()))
    for kid, public in _pairs(retired):
        keys.append((kid, None, Ed25519PublicKey.from_public_bytes(b64url_decode(public))))
    return tuple(keys)


def signing_keys():
    return _keys(settings.STATEMENT_SIGNING_KEYS, settings.STATEMENT_RETIRED_PUBLIC_KEYS, settings.SECRET_KEY)


def key_set() -> dict:
    """The public keys as a JWKS: what /.well-known/statement-keys.json publishes."""
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": kid,
                      "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw))}
                     for kid, _private, public in signing_keys()]}


def figures(snapshot: dict, *, masked_name: str, checksum: str) -> dict:
    """What a relying party checks: the year, the months, the closing balance and the year's totals."""
    totals = [Decimal(v) for v in snapshot["totals"]]
    return {"c": snapshot["code"], "y": snapshot["year"], "n": masked_name, "h": checksum,
            "my": snapshot["months_in_year"], "mt": snapshot["months_total"],
            "cb": snapshot["account"]["closing"],
            "te": f"{sum(totals[i] for i in _EMPLOYER_COLUMNS):.2f}",
            "ti": f"{sum(totals[i] for i in _INDIVIDUAL_COLUMNS):.2f}"}


def _compact(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def statement_sign(payload: dict) -> str:
    """A compact JWS (EdDSA) of the payload, signed with the current key."""
    kid, private, _public = signing_keys()[0]
    header = b64url(_compact({"alg": "EdDSA", "kid": kid}))
    body = b64url(_compact(payload))
    signature = private.sign(f"{header}.{body}".encode("ascii"))
    return f"{header}.{body}.{b64url(signature)}"


def jws_verify(token: str, jwks: dict) -> dict:
    """The payload of a statement's JWS, checked against a published key set; ValueError when the
    signature does not hold (an altered figure), the key is unknown or the token is malformed.
    Uses only the key set: this is what a relying party runs offline."""
    try:
        header_b64, body_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
    except ValueError as exc:
        raise ValueError("not a compact JWS") from exc
    if header.get("alg") != "EdDSA":
        raise ValueError("not an EdDSA signature")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if key is None:
        raise ValueError(f"unknown key {header.get('kid')!r}")
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(key["x"]))
    try:
        public.verify(b64url_decode(signature_b64), f"{header_b64}.{body_b64}".encode("ascii"))
    except InvalidSignature as exc:
        raise ValueError("the signature does not match the figures") from exc
    return json.loads(b64url_decode(body_b64))


def verification_url(code: str) -> str:
    return f"{settings.STATEMENT_VERIFY_URL}?code={code}"


def qr_text(snapshot: dict, *, masked_name: str, checksum: str) -> str:
    """What the QR code holds: the verification URL, and the signed figures after `#`."""
    payload = figures(snapshot, masked_name=masked_name, checksum=checksum)
    return f"{verification_url(snapshot['code'])}#{statement_sign(payload)}"
