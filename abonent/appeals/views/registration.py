"""Registration at the reception desk: appeals received in person, by phone and by post (standard
2.1.4.3, 2.2.3, 2.2.4). The form carries a token made when it was rendered, so a double submit
registers once and lands on the same appeal."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from abonent.appeals import forms, selectors
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Attachment
from abonent.appeals.services import AppealDraft, register_appeal
from abonent.core.permissions import staff_required
from abonent.customers.models import Customer
from abonent.organisation.models import Channel

CHANNEL_TITLES = {
    Channel.IN_PERSON: "Очный приём",
    Channel.PHONE: "Обращение по телефону",
    Channel.POST: "Письмо по почте",
}
_SENDER_FIELDS = ("sender_organisation", "sender_inn", "sender_phone", "sender_email", "sender_address")


def _channel(request: HttpRequest) -> str:
    channel = request.POST.get("channel") or request.GET.get("channel") or Channel.IN_PERSON
    return channel if channel in forms.DESK_CHANNELS else Channel.IN_PERSON


def _draft(form: forms.RegistrationForm, channel: str) -> AppealDraft:
    data = form.cleaned_data
    return AppealDraft(
        text=data["text"], channel=channel, kind=data["kind"], reply_channel=data["reply_channel"],
        subject=data["subject"], topic=data["topic"], customer=data["customer"],
        billing_account=data["billing_account"], sender_name=data["sender_name"],
        sender_organisation=data["sender_organisation"], sender_inn=data["sender_inn"],
        sender_email=data["sender_email"], sender_phone=data["sender_phone"], sender_address=data["sender_address"],
        postmark_date=data.get("postmark_date"), urgency=data["urgency"], is_conflict=data["is_conflict"],
        files=form.incoming_files(),
        file_role=Attachment.Role.SCAN if channel == Channel.POST else Attachment.Role.ATTACHMENT,
    )


@staff_required("appeals.register_appeal")
def register(request: HttpRequest) -> HttpResponse:
    channel = _channel(request)
    if request.method == "POST":
        form = forms.RegistrationForm(request.POST, request.FILES, channel=channel)
        if form.is_valid():
            try:
                registration = register_appeal(draft=_draft(form, channel), registered_by=request.user,
                                               source_key=f"form:{form.cleaned_data['token']}")
            except AppealError as error:
                forms.add_service_error(form, error)
            else:
                appeal = registration.appeal
                due = f"{timezone.localtime(appeal.due_at):%d.%m.%Y}"
                if registration.created:
                    messages.success(request, f"Обращение зарегистрировано: № {appeal.number}, срок ответа до {due}.")
                else:
                    messages.info(request, f"Эта форма уже отправлена: обращение № {appeal.number} "
                                           f"зарегистрировано, срок ответа до {due}.")
                return redirect(f"{appeal.get_absolute_url()}?registered=1")
        status = 400
    else:
        form = forms.RegistrationForm(channel=channel, initial={"token": forms.RegistrationForm.new_token()})
        status = 200
    customer = form.cleaned_data.get("customer") if form.is_bound and hasattr(form, "cleaned_data") else None
    context = {"form": form, "channel": channel, "channels": CHANNEL_TITLES, "title": CHANNEL_TITLES[channel],
               "customer": customer}
    return render(request, "appeals/register.html", context, status=status)


@staff_required("appeals.register_appeal")
@require_GET
def customer_lookup(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("customer_query", "")
    return render(request, "appeals/register.html#customer_results",
                  {"customers": selectors.find_customers(query), "query": query})


@staff_required("appeals.register_appeal")
@require_GET
def customer_pick(request: HttpRequest) -> HttpResponse:
    """Ties the form to a customer (or unties it): the billing accounts of that customer, and the sender
    fields the operator left empty filled from the customer's card."""
    customer_id = request.GET.get("customer", "")
    customer = get_object_or_404(Customer, pk=customer_id) if customer_id.isdigit() else None
    form = forms.RegistrationForm(initial={"customer": customer.pk if customer else None},
                                  channel=_channel(request))
    fills = {}
    if customer is not None:
        known = {"sender_organisation": str(customer), "sender_inn": customer.inn, "sender_phone": customer.phone,
                 "sender_email": customer.email, "sender_address": customer.postal_address}
        fills = {name: value for name, value in known.items() if value and not request.GET.get(name, "").strip()}
    for name in fills:
        form.fields[name].widget.attrs["hx-swap-oob"] = "true"
        form.initial[name] = fills[name]
    fill_fields = [form[name] for name in fills]
    return render(request, "appeals/register.html#customer_block",
                  {"form": form, "customer": customer, "fill_fields": fill_fields})
