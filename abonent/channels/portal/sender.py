"""Replies and notices through the portal (личный кабинет). A sent reply is visible on the appeal's page
in the portal as soon as it is sent (the portal shows every sent reply); delivering it here means telling
the customer's portal logins by e-mail that the reply is ready. A notice is delivered by showing it on the
appeal's page."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.delivery import DeliveryError, Notice
from abonent.appeals.models import Appeal, Reply
from abonent.channels.portal.models import PortalNotice, notice_digest
from abonent.customers.models import ROLE_CAPABILITIES, PortalAccess
from abonent.users.models import User

log = logging.getLogger(__name__)


def portal_logins(appeal: Appeal) -> list[User]:
    """The active portal logins that see the appeal: those with the «appeals» capability on an account of
    its customer."""
    if appeal.customer_id is None:
        return []
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if "appeals" in caps]
    return list(User.objects.filter(
        kind=User.Kind.CUSTOMER, is_active=True, portal_accesses__status=PortalAccess.Status.ACTIVE,
        portal_accesses__role__in=roles, portal_accesses__account__is_active=True,
        portal_accesses__account__contract__customer_id=appeal.customer_id,
    ).distinct().order_by("pk"))


def _appeal_url(appeal: Appeal) -> str:
    base = settings.PUBLIC_BASE_URL
    return base.rstrip("/") + reverse("portal:appeal", kwargs={"appeal_id": appeal.pk})


def _require_customer(appeal: Appeal) -> None:
    if appeal.customer_id is None:
        raise DeliveryError("Клиент обращения не определён: в личном кабинете ответ никто не увидит. "
                            "Направьте ответ другим способом.", permanent=True)


def ready_message(reply: Reply) -> tuple[str, str]:
    """(subject, body) of the e-mail «ответ готов»: no content of the reply, only where to read it."""
    appeal = reply.appeal
    received = timezone.localtime(appeal.received_at)
    subject = f"Ответ на обращение № {appeal.number} готов"
    body = (f"Здравствуйте!\n\nНа обращение № {appeal.number} от {received:%d.%m.%Y} подготовлен ответ "
            f"(исх. № {reply.outgoing_number} от {reply.outgoing_date:%d.%m.%Y}).\n"
            f"Прочитать ответ и скачать его с подписью можно в личном кабинете:\n{_appeal_url(appeal)}\n\n"
            f"Это письмо отправлено автоматически, отвечать на него не нужно.")
    return subject, body


def _mail_after_commit(subject: str, body: str, recipients: list[str]) -> None:
    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:  # the reply is in the portal already; a lost notice must not undo it
            log.exception("portal: the notice «%s» was not mailed", subject)

    transaction.on_commit(send)


class PortalSender:
    def send_reply(self, reply: Reply, pdf: bytes) -> str:
        appeal = reply.appeal
        _require_customer(appeal)
        recipients = sorted({u.email for u in portal_logins(appeal) if u.email})
        if recipients:
            _mail_after_commit(*ready_message(reply), recipients)
        return f"portal:reply:{reply.pk}"

    def send_notice(self, notice: Notice) -> str:
        _require_customer(notice.appeal)
        shown, _ = PortalNotice.objects.get_or_create(
            appeal=notice.appeal, digest=notice_digest(notice.subject, notice.body),
            defaults={"subject": notice.subject[:300], "body": notice.body})
        return f"portal:notice:{shown.pk}"
