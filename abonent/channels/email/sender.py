"""Replies and notices by e-mail (standard 2.2.6): to the address the customer wrote from or gave."""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.utils import timezone

from abonent.appeals.delivery import DeliveryError, Notice
from abonent.appeals.models import Appeal, Reply


def recipient(appeal: Appeal) -> str:
    address = appeal.sender_email or (appeal.customer.email if appeal.customer else "")
    if not address:
        raise DeliveryError("У обращения нет адреса электронной почты для ответа.", permanent=True)
    return address


def _send(message: EmailMessage) -> str:
    message_id = make_msgid(domain=DNS_NAME)
    message.extra_headers["Message-ID"] = message_id
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"Почтовый сервер отклонил адрес: {error.recipients}", permanent=True) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"Почтовый сервер недоступен: {error}", permanent=False) from error
    return message_id


class EmailSender:
    def send_reply(self, reply: Reply, pdf: bytes) -> str:
        appeal = reply.appeal
        received = timezone.localtime(appeal.received_at)
        subject = f"Ответ на обращение № {appeal.number} от {received:%d.%m.%Y} (исх. № {reply.outgoing_number})"
        signature = f"\n\n{reply.signatory_position}\n{reply.signatory_name}" if reply.signatory_name else ""
        body = (f"{reply.text}{signature}\n\nИсполнитель: {reply.executor_name}, тел. {reply.executor_phone}\n"
                f"Ответ с подписью — во вложении.")
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient(appeal)])
        message.attach(f"Ответ {reply.outgoing_number}.pdf", pdf, "application/pdf")
        return _send(message)

    def send_notice(self, notice: Notice) -> str:
        message = EmailMessage(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [recipient(notice.appeal)])
        return _send(message)
