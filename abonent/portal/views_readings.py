"""Meter readings in the portal: the meters of an account with a form each, and one meter's history with a
consumption chart and a CSV download. Meters are reached only through accounts the login may read
(capability «readings»); anything else is a 404. The rules are billing.readings'."""

import csv
from xml.etree import ElementTree

import pygal
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from abonent.billing.models import Meter, MeterReading
from abonent.billing.readings import (
    ReadingError,
    ReadingNeedsConfirmation,
    history,
    meter_states,
    number_text,
    period_text,
    submit_reading,
)
from abonent.core.audit import record_access
from abonent.customers.access import account_for_user, accounts_for_user
from abonent.portal.decorators import customer_required
from abonent.portal.forms_readings import ReadingForm

CAPABILITY = "readings"
CHART_MONTHS = 12


def _meter_for(user, meter_id: int) -> Meter:
    try:
        return Meter.objects.select_related("account__contract__customer", "reading_group").get(
            pk=meter_id, account__in=accounts_for_user(user, CAPABILITY))
    except Meter.DoesNotExist:
        raise Http404("Прибор учёта не найден.") from None


@customer_required
def account_readings(request: HttpRequest, account_id: int) -> HttpResponse:
    """The account's meters: the last reading, the window, a form per meter; the confirmation step of an
    unusual jump. A POST names its meter by the hidden field «meter»."""
    account = account_for_user(request.user, account_id, CAPABILITY)
    meters = list(account.meters.select_related("reading_group").order_by("-is_active", "serial_number", "zone"))
    posted_id, posted_form, asked, status = None, None, None, 200
    if request.method == "POST":
        meter = next((m for m in meters if str(m.pk) == request.POST.get("meter", "")), None)
        if meter is None:
            raise Http404("Прибор учёта не найден.")
        posted_id = meter.pk
        posted_form = ReadingForm(request.POST, prefix=ReadingForm.prefix_for(meter.pk))
        if posted_form.is_valid():
            try:
                result = submit_reading(meter=meter, value=posted_form.cleaned_data["value"], user=request.user,
                                        confirm_jump=posted_form.confirmed())
            except ReadingNeedsConfirmation as exc:
                asked = exc
            except ReadingError as exc:
                posted_form.add_error("value", str(exc))
                status = 400
            else:
                messages.success(request, result.message)
                return redirect(f"{reverse('portal:readings', args=[account.pk])}#meter-{meter.pk}")
        else:
            status = 400
    record_access(account, "показания приборов учёта")
    rows = []
    for state in meter_states(meters, timezone.localdate()):
        mine = state.meter.pk == posted_id
        form = posted_form if mine else ReadingForm(prefix=ReadingForm.prefix_for(state.meter.pk))
        rows.append({"state": state, "form": form, "asked": asked if mine else None})
    context = {"account": account, "rows": rows}
    return render(request, "portal/readings/account.html", context, status=status)


@customer_required
def meter_detail(request: HttpRequest, meter_id: int) -> HttpResponse:
    """One meter's readings and consumption by month, with a bar chart of the last twelve months."""
    meter = _meter_for(request.user, meter_id)
    readings = list(history(meter))
    record_access(meter, f"история показаний прибора № {meter.serial_number}")
    rows = [{"reading": r, "period": period_text(r.period), "value": number_text(r.value),
             "consumption": number_text(r.consumption)} for r in readings]
    context = {"meter": meter, "account": meter.account, "rows": rows, "chart": consumption_chart(readings)}
    return render(request, "portal/readings/meter.html", context)


@customer_required
def meter_csv(request: HttpRequest, meter_id: int) -> HttpResponse:
    """The meter's history for Excel: semicolons, decimal commas, UTF-8 with a BOM."""
    meter = _meter_for(request.user, meter_id)
    record_access(meter, f"выгрузка истории показаний прибора № {meter.serial_number} (CSV)")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meter-{meter.pk}-readings.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Лицевой счёт", "Прибор", "Тарифная зона", "Расчётный период", "Дата снятия", "Показание",
                     "Расход, кВт·ч", "Источник", "Переход через ноль", "Необычный расход подтверждён"])

    def decimal(value) -> str:
        return "" if value is None else f"{value:f}".replace(".", ",")

    for r in history(meter):
        writer.writerow([meter.account.number, meter.serial_number, meter.zone, f"{r.period:%m.%Y}",
                         f"{r.taken_on:%d.%m.%Y}", decimal(r.value), decimal(r.consumption),
                         r.get_source_display(), "да" if r.rolled_over else "нет",
                         "да" if r.jump_confirmed else "нет"])
    return response


def consumption_chart(readings: list[MeterReading]) -> SafeString | None:
    """A bar chart of consumption by billing month (newest CHART_MONTHS), as inline SVG. pygal's own
    <style> and <script> are dropped (the CSP allows neither inline); static/css/readings.css styles it."""
    per_month: dict = {}
    for r in readings:  # newest first: the first reading of a month is the one that counts
        if r.consumption is not None:
            per_month.setdefault(r.period, r.consumption)
    months = sorted(per_month)[-CHART_MONTHS:]
    if not months:
        return None
    chart = pygal.Bar(
        js=[], disable_xml_declaration=True, show_legend=False, print_values=False, margin=12,
        width=720, height=300, value_formatter=lambda v: number_text(round(v)), x_label_rotation=0,
    )
    chart.x_labels = [f"{m:%m.%Y}" for m in months]
    chart.add("Расход, кВт·ч", [float(per_month[m]) for m in months])
    root = chart.render_tree()
    for parent in root.iter():
        for child in list(parent):
            if child.tag in ("style", "script") or "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)
        parent.attrib.pop("style", None)
        if parent.tag == "title" and parent.text == "Pygal":
            parent.text = "Расход по месяцам, кВт·ч"
    root.set("role", "img")
    root.set("aria-label", "Расход по месяцам, кВт·ч")
    return mark_safe(ElementTree.tostring(root, encoding="unicode"))  # noqa: S308 - numbers and our labels
