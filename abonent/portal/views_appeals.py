"""Appeals in the portal (standard 2.2.8): the list of the customer's appeals, a new appeal registered at
once with its number and deadline, an appeal's page with the timeline the customer may see, the replies
with their signed PDFs, and a message to add. Registration and messages go through the appeals services,
with the form's token as the source key, so a double submit never makes two appeals or two messages."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from abonent.appeals.errors import AppealError
from abonent.appeals.forms import add_service_error
from abonent.appeals.services import AppealDraft, add_message, register_appeal
from abonent.core.audit import record_access
from abonent.customers.access import accounts_for_user
from abonent.organisation.models import Channel
from abonent.portal import selectors
from abonent.portal.decorators import customer_required
from abonent.portal.forms_appeals import AppealForm, MessageForm

APPEALS = selectors.APPEALS
APPEALS_PER_PAGE = 25


@customer_required
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    appeals = (selectors.appeals_for_user(request.user).select_related("customer", "billing_account", "topic")
               .order_by("-registered_at", "-pk"))
    page = Paginator(appeals, APPEALS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(a, selectors.customer_status(a)) for a in page.object_list]
    can_write = accounts_for_user(request.user, APPEALS).exists()
    return render(request, "portal/appeals/list.html", {"page": page, "rows": rows, "can_write": can_write,
                                                        "now": timezone.now()})


def _draft(form: AppealForm, user) -> AppealDraft:
    data = form.cleaned_data
    account = data["account"]
    customer = account.contract.customer
    return AppealDraft(
        text=data["text"], channel=Channel.PORTAL, kind=data["kind"], reply_channel=data["reply_channel"],
        subject=data["subject"], topic=data["topic"], customer=customer, billing_account=account,
        sender_name=user.full_name or user.username, sender_organisation=customer.name, sender_inn=customer.inn,
        sender_email=user.email, sender_phone=user.phone,
        sender_address=customer.postal_address or customer.legal_address, files=form.incoming_files(),
    )


@customer_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    accounts = accounts_for_user(request.user, APPEALS).order_by("contract__customer__short_name", "number")
    status = 200
    if request.method == "POST":
        form = AppealForm(request.POST, request.FILES, accounts=accounts, user=request.user)
        if form.is_valid():
            try:
                registration = register_appeal(
                    draft=_draft(form, request.user),
                    source_key=f"portal:{request.user.pk}:{form.cleaned_data['token']}")
            except AppealError as error:
                add_service_error(form, error)
            else:
                appeal = registration.appeal
                if registration.created:
                    messages.success(request, f"Обращение зарегистрировано под № {appeal.number}. Ответ будет "
                                              f"направлен не позднее {timezone.localtime(appeal.due_at):%d.%m.%Y}.")
                return redirect("portal:appeal", appeal_id=appeal.pk)
        _renew_a_broken_token(form)
        status = 400
    else:
        initial = {"token": uuid.uuid4()}
        chosen = request.GET.get("account", "")
        if chosen.isdigit() and (account := accounts.filter(pk=int(chosen)).first()):
            initial["account"] = account
        elif accounts.count() == 1:
            initial["account"] = accounts.first()
        form = AppealForm(initial=initial, accounts=accounts, user=request.user)
    return render(request, "portal/appeals/new.html", {"form": form, "has_accounts": accounts.exists(),
                                                       "files_lost": _files_lost(request)}, status=status)


def _renew_a_broken_token(form) -> None:
    """A form shown again with a broken token gets a new one, so that sending it once more works."""
    if "token" in form.errors:
        form.data = form.data.copy()
        form.data["token"] = str(uuid.uuid4())


def _files_lost(request: HttpRequest) -> list[str]:
    """The names of the files sent with a form that is shown again: a browser cannot keep them in it, so the
    page says which ones to choose again."""
    return [f.name for f in request.FILES.getlist("files")] if request.method == "POST" else []


def _appeal_page(request: HttpRequest, appeal, form: MessageForm, status: int = 200) -> HttpResponse:
    replies = list(selectors.sent_replies(appeal))
    return render(request, "portal/appeals/detail.html", {
        "appeal": appeal, "status_text": selectors.customer_status(appeal),
        "timeline": selectors.customer_timeline(appeal), "replies": replies,
        "files": list(selectors.customer_files(appeal)), "form": form,
        "can_add": appeal.status not in (appeal.Status.CLOSED, appeal.Status.NOT_CONSIDERED),
        "is_overdue": appeal.is_overdue, "files_lost": _files_lost(request),
    }, status=status)


@customer_required
@require_GET
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_for_user(request.user, appeal_id)
    return _appeal_page(request, appeal, MessageForm(initial={"token": uuid.uuid4()}))


@customer_required
@require_http_methods(["GET", "POST"])
def appeal_message(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_for_user(request.user, appeal_id)
    if request.method == "GET":  # the form lives on the appeal's page
        return redirect("portal:appeal", appeal_id=appeal.pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            _, created = add_message(
                appeal=appeal, text=form.cleaned_data["text"], channel=Channel.PORTAL,
                author=request.user.full_name or request.user.username, actor=request.user,
                source_key=f"portal-message:{request.user.pk}:{form.cleaned_data['token']}",
                files=form.incoming_files())
        except AppealError as error:
            add_service_error(form, error)
        else:
            if created:
                messages.success(request, "Дополнение добавлено к обращению.")
            return redirect("portal:appeal", appeal_id=appeal.pk)
    _renew_a_broken_token(form)
    return _appeal_page(request, appeal, form, status=400)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@customer_required
@require_GET
def reply_pdf(request: HttpRequest, reply_id: int) -> HttpResponse:
    """The signed reply as it was sent."""
    reply = selectors.reply_for_user(request.user, reply_id)
    record_access(reply.appeal, f"ответ {reply.outgoing_number} (PDF) в личном кабинете")
    name = f"Ответ {reply.outgoing_number}.pdf"
    sent = selectors.reply_pdf_attachment(reply)
    if sent is not None:
        with sent.file.open("rb") as handle:
            return _pdf(handle.read(), name)
    from abonent.appeals.documents import render_reply_pdf

    return _pdf(render_reply_pdf(reply), name)


@customer_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    file = selectors.attachment_for_user(request.user, attachment_id)
    record_access(file.appeal, f"файл обращения «{file.original_name}» в личном кабинете")
    return FileResponse(file.file.open("rb"), as_attachment=True, filename=file.original_name,
                        content_type=file.content_type)
