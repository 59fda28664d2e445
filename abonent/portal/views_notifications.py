"""Notices and notification settings in the portal (issue 5 part 9, standard 3.5.4): the notices of the
login's customers (a portal notice becomes read when opened), the choice of channels per notice type and the
contacts for notices, both for the customers whose accounts the login may set up (the `settings`
capability). Every lookup goes through scoped selectors: another customer's object is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from abonent.core.audit import record_access
from abonent.customers.access import accounts_for_user
from abonent.customers.models import Customer, PortalAccess
from abonent.notifications import contacts, selectors
from abonent.notifications.audience import Audience
from abonent.notifications.models import AUTO_CHANNELS, NotificationContact, NotificationPreference, NotificationType
from abonent.portal.decorators import customer_required
from abonent.portal.forms_notifications import ConfirmForm, ContactForm, PreferencesForm

SETTINGS = PortalAccess.Capability.SETTINGS
PER_PAGE = 25


def settings_customers(user) -> QuerySet[Customer]:
    """The customers whose notification settings the login may change."""
    return Customer.objects.filter(contracts__accounts__in=accounts_for_user(user, SETTINGS)).distinct().order_by(
        "short_name", "name")


def _customer(request: HttpRequest) -> tuple[Customer, list[Customer]]:
    """The customer picked by ?customer=<id> among those the login may set up (the first by default)."""
    customers = list(settings_customers(request.user))
    if not customers:
        raise Http404("Нет клиентов, настройки которых Вам доступны.")
    wanted = request.GET.get("customer") or request.POST.get("customer")
    if wanted in (None, ""):
        return customers[0], customers
    for customer in customers:
        if str(customer.pk) == str(wanted):
            return customer, customers
    raise Http404("Клиент не найден.")


@customer_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    rows = selectors.notices_for_user(request.user)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    # Subjects carry amounts (debts, sums due): the view of each customer's notices is on record.
    for customer in {n.customer for n in page.object_list}:
        record_access(customer, "список уведомлений в личном кабинете")
    return render(request, "portal/notifications/notices.html", {"page": page})


@customer_required
@require_GET
def notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    item = selectors.notice_for_user(request.user, notice_id)
    record_access(item.customer, f"уведомление № {item.pk} в личном кабинете")
    selectors.mark_read(item)
    return render(request, "portal/notifications/notice.html", {"notice": item})


@customer_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    customer, customers = _customer(request)
    types = list(NotificationType.objects.filter(is_active=True).exclude(source=NotificationType.Source.APPEAL)
                 .order_by("order", "name"))
    optional = [t for t in types if not t.is_mandatory]
    channels = [(c.value, c.label) for c in AUTO_CHANNELS]
    current = {(p.type_id, p.channel): p.is_enabled
               for p in NotificationPreference.objects.filter(customer=customer)}
    form = PreferencesForm(request.POST or None, types=optional, channels=channels, current=current)
    if request.method == "POST" and form.is_valid():
        changed = contacts.set_preferences(customer=customer, choices=form.choices(), changed_by=request.user)
        messages.success(request, "Настройки уведомлений сохранены." if changed else "Изменений нет.")
        return redirect(f"{reverse('portal:notifications')}?customer={customer.pk}")
    reachable = Audience([customer]).recipients(customer)
    return render(request, "portal/notifications/settings.html", {
        "customer": customer, "customers": customers, "form": form, "channels": channels,
        "mandatory": [t for t in types if t.is_mandatory], "reachable": reachable})


@customer_required
@require_http_methods(["GET", "POST"])
def contact_list(request: HttpRequest) -> HttpResponse:
    customer, customers = _customer(request)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact, _ = contacts.request_change(customer=customer, kind=form.cleaned_data["kind"],
                                                 value=form.cleaned_data["value"], requested_by=request.user)
        except contacts.ContactError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            where = "на новый адрес отправлено письмо" if contact.kind == NotificationContact.Kind.EMAIL \
                else "на новый телефон будет сделан звонок"
            messages.success(request, f"Чтобы подтвердить контакт, введите код: {where}.")
            return redirect("portal:contact_confirm", contact_id=contact.pk)
    record_access(customer, "контакты для уведомлений в личном кабинете")
    rows = NotificationContact.objects.filter(customer=customer).exclude(
        status=NotificationContact.Status.REPLACED).order_by("kind", "-created_at")
    return render(request, "portal/notifications/contacts.html", {
        "customer": customer, "customers": customers, "form": form, "contacts": rows,
        "reachable": Audience([customer]).recipients(customer)},
        status=400 if request.method == "POST" else 200)


def _contact_for_user(user, contact_id) -> NotificationContact:
    try:
        return NotificationContact.objects.select_related("customer").get(
            pk=contact_id, customer__in=settings_customers(user))
    except (NotificationContact.DoesNotExist, ValueError, TypeError):
        raise Http404("Контакт не найден.") from None


@customer_required
@require_http_methods(["GET", "POST"])
def contact_confirm(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_for_user(request.user, contact_id)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.confirm(contact=contact, code=form.cleaned_data["code"])
        except contacts.ContactError as error:
            form.add_error("code" if error.field == "code" else None, error.message)
        else:
            messages.success(request, "Контакт подтверждён: уведомления будут приходить на него.")
            return redirect(f"{reverse('portal:contacts')}?customer={contact.customer_id}")
    return render(request, "portal/notifications/confirm.html", {
        "contact": contact, "display": contacts.contact_display(contact), "form": form},
        status=400 if request.method == "POST" else 200)
