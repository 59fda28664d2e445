"""Readings taken by staff on behalf of a customer (the call centre or the reception desk, by phone or in
person): the customer's meters with a form each, through the same service and rules as the portal."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from abonent.billing.models import Meter, MeterReading
from abonent.billing.readings import ReadingError, ReadingNeedsConfirmation, meter_states, parse_value, submit_reading
from abonent.core.audit import record_access
from abonent.core.permissions import staff_required
from abonent.customers.models import Customer

PERMISSION = "customers.view_confidential"


class StaffReadingForm(forms.Form):
    """A reading as a customer dictates it; who reported it goes into the audit log with the reading."""

    value = forms.CharField(
        label="Показание", max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": "Укажите показание прибора.", "max_length": "Слишком длинное значение."},
    )
    reported_by = forms.CharField(label="Кто сообщил", max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": "ФИО, должность"}))
    confirm_jump = forms.BooleanField(label="Клиент подтвердил показание", required=False)
    asked_value = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def confirmed(self) -> bool:
        data = self.cleaned_data
        if not data["confirm_jump"]:
            return False
        try:
            return parse_value(data["asked_value"]) == parse_value(data["value"])
        except ReadingError:
            return False


@staff_required(PERMISSION)
def customer_readings(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id)
    meters = list(
        Meter.objects.filter(account__contract__customer=customer, account__is_active=True)
        .select_related("account", "reading_group")
        .order_by("account__number", "-is_active", "serial_number", "zone")
    )
    posted_id, posted_form, asked, status = None, None, None, 200
    if request.method == "POST":
        meter = next((m for m in meters if str(m.pk) == request.POST.get("meter", "")), None)
        if meter is None:
            raise Http404("Прибор учёта не найден.")
        posted_id = meter.pk
        posted_form = StaffReadingForm(request.POST, prefix=f"m{meter.pk}")
        if posted_form.is_valid():
            try:
                result = submit_reading(
                    meter=meter, value=posted_form.cleaned_data["value"], user=request.user,
                    confirm_jump=posted_form.confirmed(), source=MeterReading.Source.STAFF,
                    note=posted_form.cleaned_data["reported_by"],
                )
            except ReadingNeedsConfirmation as exc:
                asked = exc
            except ReadingError as exc:
                posted_form.add_error("value", str(exc))
                status = 400
            else:
                messages.success(request, result.message)
                url = reverse("billing:customer_readings", args=[customer.pk])
                return redirect(f"{url}#meter-{meter.pk}")
        else:
            status = 400
    record_access(customer, "показания приборов учёта")
    rows = []
    for state in meter_states(meters, timezone.localdate()):
        mine = state.meter.pk == posted_id
        rows.append({"state": state, "account": state.meter.account, "asked": asked if mine else None,
                     "form": posted_form if mine else StaffReadingForm(prefix=f"m{state.meter.pk}")})
    return render(request, "billing/readings/customer.html", {"customer": customer, "rows": rows}, status=status)
