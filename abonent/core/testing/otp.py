"""Test helpers for the staff second factor: a confirmed TOTP device for a login, its current code, and a
test client's session marked as having passed the code step (what django_otp.login leaves in a session)."""

import datetime

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_DEVICE_NAME = "Приложение (тесты)"


def confirmed_device(user) -> TOTPDevice:
    """The login's confirmed TOTP device, made if it has none; ready to accept a code now (no code of this
    time step used yet, no throttling)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return TOTPDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    device.refresh_from_db()
    return device


def code_for(device: TOTPDevice, at: datetime.datetime | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():0{device.digits}d}"


def verify_client_session(client, user) -> TOTPDevice:
    """Marks a test client's logged-in session of `user` as verified by a confirmed device."""
    device = confirmed_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
