"""The appeal card and its files: attachments as sent (with the original Russian name), the copy with
the registration stamp (standard 2.1.4.3) and the reply PDFs."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from abonent.appeals.models import Appeal, Attachment, Kind, Reply
from abonent.appeals.services.deadlines import term_text
from abonent.appeals.views.card import card_context, visible_appeal, visible_reply
from abonent.core.audit import record_access
from abonent.core.permissions import staff_required
from abonent.organisation.models import Channel


def phone_script(appeal: Appeal) -> str:
    """What the operator tells a caller once the appeal is registered (standard 2.2.3: for a complaint,
    the standard term and that the written result goes to the applicant's address)."""
    due = f"{timezone.localtime(appeal.due_at):%d.%m.%Y}"
    term = term_text(kind=appeal.kind, urgency=appeal.urgency)
    customer = appeal.customer
    email = appeal.sender_email or (customer.email if customer else "")
    address = appeal.sender_address or (customer.postal_address if customer else "")
    if appeal.reply_channel == Channel.EMAIL and email:
        where = f"на Ваш адрес электронной почты {email}"
    elif appeal.reply_channel == Channel.POST and address:
        where = f"на Ваш почтовый адрес: {address}"
    elif appeal.reply_channel == Channel.POST:
        where = "на Ваш почтовый адрес — уточните его у клиента"
    else:
        where = f"способом: {appeal.get_reply_channel_display()}"
    if appeal.kind == Kind.COMPLAINT:
        return (f"Ваша жалоба зарегистрирована под номером {appeal.number}. Срок рассмотрения жалобы — "
                f"не более {term}, то есть до {due}. Информация о результатах рассмотрения в письменном виде "
                f"будет направлена {where}.")
    return (f"Ваше обращение зарегистрировано под номером {appeal.number}. Срок рассмотрения — не более {term}; "
            f"ответ будет направлен не позднее {due} {where}.")


@staff_required("appeals.view_appeal")
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    appeal = visible_appeal(request, number)
    context = card_context(request, appeal)
    context["just_registered"] = request.GET.get("registered") == "1"
    if context["just_registered"] and appeal.channel == Channel.PHONE:
        context["phone_script"] = phone_script(appeal)
    return render(request, "appeals/detail.html", context)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@staff_required("appeals.view_appeal")
@require_GET
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    appeal = visible_appeal(request, number)
    file = Attachment.objects.filter(appeal=appeal, pk=pk).first()
    if file is None:
        raise Http404("Файл не найден.")
    record_access(appeal, f"файл обращения «{file.original_name}»")
    # FileResponse writes Content-Disposition with filename*=utf-8'' (RFC 5987) for the Russian name.
    return FileResponse(file.file.open("rb"), as_attachment=True, filename=file.original_name,
                        content_type=file.content_type)


@staff_required("appeals.view_appeal")
@require_GET
def stamp_pdf(request: HttpRequest, number: str) -> HttpResponse:
    from abonent.appeals.documents import render_stamp_pdf

    appeal = visible_appeal(request, number)
    return _pdf(render_stamp_pdf(appeal), f"Обращение {appeal.number} — отметка о регистрации.pdf")


@staff_required("appeals.view_appeal")
@require_GET
def reply_pdf(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The PDF that was sent, for a sent reply; otherwise the current text rendered as a preview."""
    appeal = visible_appeal(request, number)
    reply = visible_reply(appeal, pk)
    if reply.status == Reply.Status.SENT:
        sent = appeal.attachments.filter(role=Attachment.Role.REPLY,
                                         original_name=f"Ответ {reply.outgoing_number}.pdf").first()
        if sent is not None:
            with sent.file.open("rb") as handle:
                return _pdf(handle.read(), sent.original_name)
    from abonent.appeals.documents import render_reply_pdf

    name = f"Ответ {reply.outgoing_number}.pdf" if reply.outgoing_number else f"Проект ответа {appeal.number}.pdf"
    return _pdf(render_reply_pdf(reply), name)
