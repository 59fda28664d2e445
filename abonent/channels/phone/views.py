"""The operator's screens («Мои звонки», the call card with identification and the appeal form, call-backs)
and the heads' board. Views parse input, call a service and choose the template; nothing else."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from abonent.appeals.errors import AppealError
from abonent.calendar.services import channel_state
from abonent.channels.phone import forms, selectors, services
from abonent.channels.phone.models import Call, CallBack
from abonent.core.permissions import staff_required
from abonent.organisation.models import Channel

OPERATE = "appeals.register_appeal"
CONTROL = selectors.CONTROL


def _customer_context(call: Call) -> dict:
    customer = call.customer
    candidates = [] if customer else services.customers_for_number(call.customer_number)
    context = {"customer": customer, "candidates": candidates, "contracts": [], "identified": False}
    if customer is not None:
        context["contracts"] = list(customer.contracts.prefetch_related("accounts").order_by("number"))
        context["identified"] = services.is_identified(call, customer)
    return context


@staff_required(OPERATE)
@require_GET
def my_calls(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    calls = Call.objects.select_related("customer", "appeal").filter(operator=request.user, started_at__gte=start)
    return render(request, "phone/my_calls.html", {
        "calls": calls.order_by("-started_at", "-pk"), "callbacks": selectors.open_callbacks_for(request.user),
        "callback_form": forms.CallBackDoneForm(), "line_state": channel_state(Channel.PHONE, timezone.now()),
        **_live_context(request)})


def _live_context(request: HttpRequest) -> dict:
    call = selectors.current_call_for(request.user)
    context = {"call": call}
    if call is not None:
        context.update(_customer_context(call))
    return context


@staff_required(OPERATE)
@require_GET
def live_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "phone/my_calls.html#live", _live_context(request))


def _visible_call(request: HttpRequest, pk: int) -> Call:
    return get_object_or_404(selectors.calls_visible_to(request.user), pk=pk)


def _card(request: HttpRequest, call: Call, *, status: int = 200, **bound) -> HttpResponse:
    context = _customer_context(call)
    appeals = services.appeals_of_call(call)
    context.update({
        "call": call, "can_act": request.user.has_perm(OPERATE), "appeals": appeals,
        "identifications": call.identifications.select_related("identified_by", "customer", "representative"),
        "identify_form": forms.IdentifyForm(customer=call.customer),
        "appeal_form": forms.CallAppealForm(initial={
            "sequence": len(appeals) + 1, "email": call.customer.email if call.customer else "",
            "address": call.customer.postal_address if call.customer else ""}),
        "abuse_form": forms.AbuseForm(),
        "script": "",
    })
    registered = request.GET.get("registered", "")
    for appeal in appeals:
        if appeal.number == registered and services.is_complaint(appeal):
            context["script"] = services.complaint_script(appeal)
    context.update(bound)
    return render(request, "phone/call_detail.html", context, status=status)


@staff_required()
@require_GET
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not (request.user.has_perm(OPERATE) or request.user.has_perm(CONTROL)):
        raise PermissionDenied("Недостаточно прав для этого действия.")
    return _card(request, _visible_call(request, pk))


@staff_required(OPERATE)
@require_POST
def identify(request: HttpRequest, pk: int) -> HttpResponse:
    call = _visible_call(request, pk)
    form = forms.IdentifyForm(request.POST, customer=call.customer)
    if form.is_valid():
        try:
            identification = services.identify_caller(
                call=call, identified_by=request.user, method=form.cleaned_data["method"],
                caller_name=form.cleaned_data["caller_name"], number=form.cleaned_data["number"],
                customer=form.cleaned_data["customer"], representative=form.cleaned_data["representative"])
        except services.PhoneError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if identification.is_successful:
                messages.success(request, "Звонящий идентифицирован: сведения о расчётах можно сообщать.")
            else:
                messages.warning(request, "Отказ назваться записан: конфиденциальные сведения не сообщаются.")
            return redirect("phone:call", pk=call.pk)
    return _card(request, call, status=400, identify_form=form)


@staff_required(OPERATE)
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    call = _visible_call(request, pk)
    form = forms.CallAppealForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.register_call_appeal(
                call=call, registered_by=request.user, kind=data["kind"], text=data["text"],
                reply_channel=data["reply_channel"], sequence=data["sequence"], topic=data["topic"],
                sender_name=data["sender_name"], email=data["email"], address=data["address"])
        except (services.PhoneError, AppealError) as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            number = registration.appeal.number
            messages.success(request, f"Обращение № {number} зарегистрировано.")
            return redirect(f"{reverse('phone:call', args=[call.pk])}?registered={number}")
    return _card(request, call, status=400, appeal_form=form)


@staff_required(OPERATE)
@require_POST
def recording_warning(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_recording_warning(call=_visible_call(request, pk), marked_by=request.user)
    return redirect("phone:call", pk=pk)


@staff_required(OPERATE)
@require_POST
def abuse(request: HttpRequest, pk: int) -> HttpResponse:
    call = _visible_call(request, pk)
    form = forms.AbuseForm(request.POST)
    if form.is_valid():
        try:
            services.end_call_for_abuse(call=call, ended_by=request.user, note=form.cleaned_data["note"])
        except services.PhoneError as error:
            form.add_error("note" if error.field else None, error.message)
        else:
            messages.warning(request, "Разговор прерван оператором: причина записана (стандарт, п. 2.2.2.8).")
            return redirect("phone:call", pk=pk)
    return _card(request, call, status=400, abuse_form=form)


@staff_required(OPERATE)
@require_POST
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    callback = get_object_or_404(selectors.open_callbacks_for(request.user), pk=pk)
    form = forms.CallBackDoneForm(request.POST)
    if form.is_valid():
        try:
            services.complete_callback(callback=callback, done_by=request.user, result=form.cleaned_data["result"])
        except services.PhoneError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Обратный звонок на {callback.number_display} отмечен выполненным.")
    else:
        messages.error(request, "Запишите результат обратного звонка.")
    return redirect("phone:my_calls")


@staff_required()
@require_GET
def call_log(request: HttpRequest) -> HttpResponse:
    if not (request.user.has_perm(OPERATE) or request.user.has_perm(CONTROL)):
        raise PermissionDenied("Недостаточно прав для этого действия.")
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    calls = selectors.calls_visible_to(request.user).filter(
        started_at__gte=start, started_at__lt=start + dt.timedelta(days=1)).order_by("-started_at", "-pk")
    return render(request, "phone/call_log.html", {"calls": calls, "day": day,
                                                   "is_today": day == timezone.localdate()})


def _board_context() -> dict:
    today = timezone.localdate()
    return {"levels": selectors.service_levels(today, today), "live": selectors.live_calls(),
            "line_state": channel_state(Channel.PHONE, timezone.now()), "now": timezone.now(),
            "open_callbacks": CallBack.objects.filter(status=CallBack.Status.OPEN).count()}


@staff_required(CONTROL)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    return render(request, "phone/board.html", _board_context())


@staff_required(CONTROL)
@require_GET
def board_live(request: HttpRequest) -> HttpResponse:
    return render(request, "phone/board.html#figures", _board_context())
