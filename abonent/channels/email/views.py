"""The quarantine screen: messages that could not be parsed, for the reception group to read from the
raw .eml and register by hand. Views parse input, call a service and choose the template."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from abonent.appeals.errors import AppealError
from abonent.channels.email import inbound
from abonent.channels.email.models import InboundEmail
from abonent.core.audit import record_access
from abonent.core.permissions import staff_required

REGISTER = "appeals.register_appeal"


@require_GET
@staff_required(REGISTER)
def quarantine(request: HttpRequest) -> HttpResponse:
    records = (InboundEmail.objects.filter(status=InboundEmail.Status.QUARANTINED)
               .select_related("connection__mailbox").defer("raw").order_by("-fetched_at", "-pk"))
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "email_channel/quarantine.html", {"page": page})


@require_GET
@staff_required(REGISTER)
def download(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(InboundEmail, pk=pk)
    record_access(record, "исходное письмо (.eml)")
    response = HttpResponse(bytes(record.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="message-{record.pk}.eml"'
    return response


@require_POST
@staff_required(REGISTER)
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(InboundEmail, pk=pk)
    try:
        inbound.resolve_quarantined(record=record, resolved_by=request.user,
                                    appeal_number=request.POST.get("appeal_number", ""))
    except AppealError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Письмо отмечено как зарегистрированное вручную.")
    return redirect("email_channel:quarantine")
