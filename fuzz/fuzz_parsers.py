"""Coverage-guided fuzzing (atheris, libFuzzer) of every parser of outside input. One target per run:

    .venv/bin/python fuzz/fuzz_parsers.py <target> [libFuzzer options] [corpus directories]
    .venv/bin/python fuzz/fuzz_parsers.py --list

Targets and the only exceptions they may raise (anything else is a crash libFuzzer reports with its input):

    mail            channels.email.parsing.parse(raw)                    UnreadableMail
    pbx             channels.phone.events.parse(json body)               PayloadError
    billing         billing.importing.formats.read(file)                 FileRefused
    billing-cells   every cell parser of every import column             CellError
    qr              billing.qr.parse_payment_string(bytes and text)      QrError
    edo-diadoc      DiadocClient.fetch_new/download over a JSON answer   EdoError
    edo-sbis        SbisClient.fetch_new/download over a JSON answer     EdoError
    payment-webhook the provider's notification view (signed body)       — (answers 200/400/503)
    payment-signature provider.signature_is_valid(body, any header)      —

Bugs already known (each has a strict xfail test naming its fix) are reported once as «KNOWN BUG …» on stderr
and not counted as crashes, so a smoke run stays useful while they are open; fuzz/run_all.py lists them.
No database is touched: the targets are the pure parsing steps (the database side is in the hypothesis tests)."""

import contextlib
import json
import os
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings_test")

with atheris.instrument_imports(include=["abonent"]):
    import django

    django.setup()
    from django.test import RequestFactory

    from abonent.billing import qr
    from abonent.billing.importing import fields as cell_fields
    from abonent.billing.importing import formats
    from abonent.billing.importing.kinds import KINDS
    from abonent.billing.payments import provider
    from abonent.billing.payments import views as payment_views
    from abonent.channels.edo.client import DiadocClient, EdoError, SbisClient
    from abonent.channels.edo.client.base import HttpSession
    from abonent.channels.email.parsing import UnreadableMail, parse
    from abonent.channels.phone.events import PayloadError
    from abonent.channels.phone.events import parse as parse_event

# (target, exception type name, text in the message or "") -> the test that documents the bug
# None is open now; a new finding goes here with its xfail test until it is fixed.
KNOWN: dict[tuple[str, str, str], str] = {}
_reported: set[tuple[str, str, str]] = set()


class MisShaped(Exception):
    """A client returned an item whose fields are not strings (the value would reach the database as is)."""


def tolerate_known(target: str, error: BaseException) -> None:
    """Re-raises anything that is not a known bug; reports a known one once."""
    name = type(error).__name__
    for (known_target, known_name, fragment), test in KNOWN.items():
        if known_target == target and known_name == name and fragment in str(error):
            if (target, name, fragment) not in _reported:
                _reported.add((target, name, fragment))
                print(f"KNOWN BUG {target}: {name}: {str(error)[:120]} — see {test}", file=sys.stderr, flush=True)
            return
    raise error


# --- targets ---------------------------------------------------------------------------------------------


def mail(data: bytes) -> None:
    with contextlib.suppress(UnreadableMail):
        parse(data)


def pbx(data: bytes) -> None:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return  # the webhook answers «Тело запроса — не JSON.»
    with contextlib.suppress(PayloadError):
        parse_event(body)


def billing(data: bytes) -> None:
    try:
        formats.read(data)
    except formats.FileRefused:
        pass
    except Exception as error:  # noqa: BLE001 - sorted into known bugs and crashes
        tolerate_known("billing", error)


CELL_PARSERS = [column.parse for kind in KINDS.values() for column in kind.columns]


def billing_cells(data: bytes) -> None:
    provider_ = atheris.FuzzedDataProvider(data)
    raw = provider_.PickValueInList([
        lambda: provider_.ConsumeUnicodeNoSurrogates(64), lambda: provider_.ConsumeInt(8),
        lambda: provider_.ConsumeRegularFloat(), lambda: None, lambda: provider_.ConsumeBool()])()
    for parser in CELL_PARSERS:
        with contextlib.suppress(cell_fields.CellError):
            parser(raw)


def qr_target(data: bytes) -> None:
    for value in (data, data.decode("utf-8", "replace")):
        with contextlib.suppress(qr.QrError):
            qr.parse_payment_string(value)


class _Answer:
    def __init__(self, body):
        self.status_code, self._body = 200, body
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return self._body


def _answers(feed):
    def call(self, method, path, **kwargs):
        if "Auth" in path or path == "/auth/service/":
            return _Answer(b"token" if "V3" in path else {"result": "sid"})
        if path.startswith("http") or "EntityContent" in path:
            return _Answer(b"%PDF-1.4")
        if path == "/service/?srv=1":
            return _Answer({"result": feed})
        return _Answer(feed)
    return call


def _edo(target: str, client_factory, data: bytes) -> None:
    try:
        feed = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return
    HttpSession.call = _answers(feed)
    client = client_factory()
    try:
        items, _ = client.fetch_new("")
        for item in items:
            if not all(isinstance(v, str) for v in (item.document_id, item.title, item.sender.inn,
                                                    item.sender.kpp, item.sender.name)):
                raise MisShaped(repr(item)[:200])
            client.download(item)
    except EdoError:
        pass
    except Exception as error:  # noqa: BLE001 - sorted into known bugs and crashes
        tolerate_known(target, error)


def edo_diadoc(data: bytes) -> None:
    _edo("edo-diadoc", lambda: DiadocClient(base_url="http://diadoc.invalid", box_id="our-box", api_client_id="k",
                                            login="l", password="p"), data)  # noqa: S106 - a fake operator


def edo_sbis(data: bytes) -> None:
    _edo("edo-sbis", lambda: SbisClient(base_url="http://sbis.invalid", box_id="2221000002/222101001", login="l",
                                        password="p"), data)  # noqa: S106 - a fake operator


SECRET = "fuzz-secret"  # noqa: S105 - not a secret: the fuzzer signs its own bodies
_factory = None


def payment_webhook(data: bytes) -> None:
    global _factory
    from django.conf import settings

    if _factory is None:
        settings.PAYMENTS = {**settings.PAYMENTS, "WEBHOOK_SECRET": SECRET}

        def get_payment(provider_id):
            raise provider.ProviderError("неверный код платежа", transient=False)

        provider.get_payment = get_payment
        _factory = RequestFactory()
    fuzzed = atheris.FuzzedDataProvider(data)
    forge = fuzzed.ConsumeBool()
    header = fuzzed.ConsumeUnicodeNoSurrogates(80) if forge else None
    body = fuzzed.ConsumeBytes(fuzzed.remaining_bytes())
    signature = header if forge else provider.sign(body, SECRET)
    request = _factory.generic("POST", "/payments/webhook/", data=body, content_type="application/json",
                               headers={provider.SIGNATURE_HEADER: signature.encode("utf-8", "replace")
                                        .decode("latin-1")})
    try:
        response = payment_views.webhook(request)
    except Exception as error:  # noqa: BLE001
        tolerate_known("payment-webhook", error)
        return
    assert response.status_code in (200, 400, 503), response.status_code


def payment_signature(data: bytes) -> None:
    fuzzed = atheris.FuzzedDataProvider(data)
    header = fuzzed.ConsumeUnicodeNoSurrogates(100)
    try:
        provider.signature_is_valid(fuzzed.ConsumeBytes(200), header, SECRET)
    except Exception as error:  # noqa: BLE001
        tolerate_known("payment-signature", error)


TARGETS = {"mail": mail, "pbx": pbx, "billing": billing, "billing-cells": billing_cells, "qr": qr_target,
           "edo-diadoc": edo_diadoc, "edo-sbis": edo_sbis, "payment-webhook": payment_webhook,
           "payment-signature": payment_signature}
# Seed inputs of each target: the real-world files the tests use.
SEEDS = {"mail": ["abonent/channels/email/tests/fixtures"], "billing": ["docs/billing-samples"]}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help", "--list"):
        print(__doc__)
        print("Цели:", ", ".join(TARGETS))
        sys.exit(0 if len(sys.argv) > 1 else 2)
    target = sys.argv.pop(1)
    if target not in TARGETS:
        sys.exit(f"Неизвестная цель «{target}»: {', '.join(TARGETS)}")
    atheris.Setup(sys.argv, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
