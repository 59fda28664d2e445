"""Fixtures of the notification tests: a real SMTP server (aiosmtpd) on loopback, an account with a customer."""

import time

import pytest

from abonent.channels.email.testing import free_port


class Sink:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    port, sink = free_port(), Sink()
    controller = None
    for _ in range(50):
        try:
            controller = Controller(sink, hostname="127.0.0.1", port=port)
            controller.start()
            break
        except (OSError, RuntimeError):
            time.sleep(0.1)
    assert controller is not None, "SMTP sink did not start"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    controller.sink = sink
    yield controller
    controller.stop()


@pytest.fixture
def account(organisation):
    from abonent.notifications.tests.factories import account_of

    return account_of()
