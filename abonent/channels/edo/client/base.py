"""The one interface of an EDO operator, whatever its protocol: read the incoming feed from a cursor,
download an item's files (with their signatures), send a document with attachments to a counterparty's box,
read the delivery status of what we sent. Protocol plumbing only: no models, no appeals."""

import datetime
from dataclasses import dataclass, field
from typing import Protocol

import requests

TIMEOUT = 20  # seconds per HTTP call


class EdoError(Exception):
    """An operator call failed. Permanent: retrying the same request will not help (bad credentials,
    no such counterparty, refused); otherwise (network, a redirect, 5xx, 429) the caller retries later."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class EdoFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class FileRef:
    """Where one file of an incoming item is, in the operator's own terms (entity id, download link)."""

    name: str
    ref: str
    is_signature: bool = False


@dataclass(frozen=True)
class Party:
    inn: str = ""
    kpp: str = ""
    name: str = ""
    box_id: str = ""


@dataclass(frozen=True)
class IncomingItem:
    """One incoming letter or document. `position` is the cursor right after it: once the item is
    committed the feed can resume from there."""

    document_id: str
    position: str
    sender: Party
    title: str
    received_at: datetime.datetime | None
    files: tuple[FileRef, ...] = ()
    raw: dict = field(default_factory=dict)


class DeliveryStatus:
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class EdoClient(Protocol):
    def fetch_new(self, cursor: str) -> tuple[list[IncomingItem], str]:
        """Incoming items after `cursor` (empty: from the start), one page; and the cursor after that page."""

    def download(self, item: IncomingItem) -> list[EdoFile]:
        """Every file of the item, signature files included (named like their document plus .sig)."""

    def send(self, *, box: str, counterparty: Party, title: str, attachments: list[EdoFile],
             operation_id: str) -> str:
        """Sends a document to the counterparty's box; returns the operator's id of it. Calling again with
        the same operation_id does not send a second copy."""

    def status(self, provider_id: str) -> str:
        """One of DeliveryStatus."""


class HttpSession:
    """requests with our timeout, turning transport failures, redirects and 5xx/429 into a transient EdoError.

    Redirects are never followed (ASVS 15.3.2): the operator's API answers at its fixed URLs, and a redirect
    would carry our session token or credentials wherever it points."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        try:
            response = self.http.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            raise EdoError(f"нет связи с оператором ЭДО: {type(error).__name__}") from error
        if response.is_redirect or 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")[:200]
            raise EdoError(f"оператор ЭДО ответил перенаправлением {response.status_code} на «{location}»; "
                           "перенаправления не выполняются, проверьте адрес API в настройках ящика")
        if response.status_code >= 500 or response.status_code == 429:
            raise EdoError(f"оператор ЭДО ответил {response.status_code}")
        return response


class MisShaped(Exception):
    """An operator's answer not of the documented shape: a field missing that is always sent, or of another type.
    The clients turn it into EdoError naming the call."""


def as_object(value, what: str, *, absent_ok: bool = False) -> dict:
    """`value` as an object; null is an empty one where the API may leave an object out (`absent_ok`)."""
    if value is None and absent_ok:
        return {}
    if not isinstance(value, dict):
        raise MisShaped(f"{what} — не объект")
    return value


def as_objects(data: dict, name: str, *, absent_ok: bool = False) -> list[dict]:
    """The list of objects under `name` (none when it is missing)."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MisShaped(f"{name} — не список")
    return [as_object(item, f"элемент {name}", absent_ok=absent_ok) for item in value]


def ensure_ok(response: requests.Response, what: str) -> requests.Response:
    if response.status_code >= 400:
        text = response.text[:300].strip()
        raise EdoError(f"{what}: HTTP {response.status_code} {text}", permanent=True)
    return response
