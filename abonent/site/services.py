"""The web reception's one write: an appeal from the site, registered exactly once per form, with the
visitor's consent recorded beside it. Spam checks that need no outside service live here too."""

import datetime
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction

from abonent.appeals.errors import AppealError
from abonent.appeals.services import AppealDraft, Registration, register_appeal
from abonent.organisation.models import Channel
from abonent.site.models import WebSubmission

# The wording the visitor agrees to; a new wording gets a new version, and each submission keeps its own.
CONSENT_VERSION = "2026-01"
CONSENT_TEXT = (
    "Я даю согласие АО «Барнаульская горэлектросеть» на обработку моих персональных данных, указанных в этой "
    "форме (фамилия, имя, отчество, наименование организации, ИНН, адрес, телефон, адрес электронной почты), "
    "а также персональных данных, содержащихся в тексте обращения и приложенных файлах, — сбор, запись, "
    "систематизацию, накопление, хранение, уточнение, использование и передачу в подразделения Общества — "
    "в целях регистрации и рассмотрения обращения и направления ответа, в соответствии с Федеральным законом "
    "от 27.07.2006 № 152-ФЗ «О персональных данных». Согласие действует до достижения целей обработки и может "
    "быть отозвано письменным заявлением."
)
_STAMP_SALT = "abonent.site.reception"
_STAMP_MAX_AGE = 24 * 3600  # a form left open longer is shown again with a fresh key


class SpamRefusal(Exception):
    """A submission refused as likely automatic; the message is Russian and polite, for the visitor."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def min_fill_seconds() -> int:
    return int(getattr(settings, "SITE_RECEPTION_MIN_SECONDS", 4))


def per_ip_limit() -> tuple[int, int]:
    """(appeals, seconds): how many appeals one address may send in a window."""
    return (int(getattr(settings, "SITE_RECEPTION_PER_IP", 5)),
            int(getattr(settings, "SITE_RECEPTION_PER_IP_WINDOW", 3600)))


# --- The form's key: its token (idempotency) and when it was shown (the time check), signed ------------


def new_stamp(*, token: uuid.UUID | None = None, issued_at: float | None = None) -> str:
    """A signed key for a freshly shown form: the submission token and the moment the form was shown."""
    token = token or uuid.uuid4()
    issued_at = time.time() if issued_at is None else issued_at
    return signing.dumps({"token": str(token), "t": int(issued_at)}, salt=_STAMP_SALT)


@dataclass(frozen=True)
class Stamp:
    token: uuid.UUID
    issued_at: float


def read_stamp(value: str) -> Stamp | None:
    """The stamp's content, or None when it is forged, damaged or older than a day."""
    try:
        data = signing.loads(value or "", salt=_STAMP_SALT, max_age=_STAMP_MAX_AGE)
        return Stamp(token=uuid.UUID(data["token"]), issued_at=float(data["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def check_not_spam(*, stamp: Stamp, honeypot: str, ip_address: str | None, now: float | None = None) -> None:
    """Refuses a form whose hidden field a robot filled, one sent faster than a person can type, and one
    address sending more appeals than a person would."""
    now = time.time() if now is None else now
    if honeypot.strip():
        raise SpamRefusal("Обращение не отправлено: форма заполнена автоматически. Если вы заполняли её сами, "
                          "позвоните нам — мы поможем.")
    if now - stamp.issued_at < min_fill_seconds():
        raise SpamRefusal("Обращение не отправлено: форма отправлена слишком быстро. Проверьте текст и нажмите "
                          "«Отправить» ещё раз.")
    limit, window = per_ip_limit()
    if ip_address and (cache.get(_rate_key(ip_address)) or 0) >= limit:
        minutes = max(window // 60, 1)
        raise SpamRefusal(f"Обращение не отправлено: с вашего адреса уже отправлено много обращений. Попробуйте "
                          f"через {minutes} мин. или позвоните нам.")


def _rate_key(ip_address: str) -> str:
    return f"site:reception:ip:{ip_address}"


def _count_for_address(ip_address: str | None) -> None:
    if not ip_address:
        return
    _, window = per_ip_limit()
    key = _rate_key(ip_address)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)


# --- Registration ---------------------------------------------------------------------------------------


def submission_for(token: uuid.UUID) -> WebSubmission | None:
    return WebSubmission.objects.select_related("appeal").filter(token=token).first()


def submit_web_appeal(*, draft: AppealDraft, token: uuid.UUID, consent_given_at: datetime.datetime,
                      ip_address: str | None, user_agent: str) -> Registration:
    """Registers the visitor's appeal in channel `web` and records the consent with it, in one transaction.
    A token seen before returns the appeal registered then and changes nothing (a double submit). The
    acknowledgement with the number and the term goes to the visitor's e-mail from the appeals outbox.
    Raises AppealError (nothing registered) when the appeals service refuses."""
    if draft.channel != Channel.WEB:
        raise AppealError("Через сайт регистрируются только обращения канала «интернет-приёмная».", field="channel")
    if (existing := submission_for(token)) is not None:
        return Registration(existing.appeal, created=False)
    with transaction.atomic():
        registration = register_appeal(draft=draft, source_key=f"web:{token}")
        if registration.created:
            WebSubmission.objects.create(
                appeal=registration.appeal, token=token, consent_version=CONSENT_VERSION,
                consent_given_at=consent_given_at, ip_address=ip_address or None, user_agent=user_agent[:500])
    if registration.created:
        _count_for_address(ip_address)
    return registration
