"""Staff logins with a real second factor: enrol a TOTP device and compute the code an app shows."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_enrol(user, name: str = "phone") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def totp_code(device: TOTPDevice, *, steps_ago: int = 0) -> str:
    """The device's code now (or `steps_ago` 30-second steps earlier), as an authenticator app computes it."""
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = int(time.time()) - steps_ago * device.step
    return f"{generator.token():0{device.digits}d}"
