"""Online payment in the portal: the payment form of an account (the amount prefilled with the current debt),
the page the provider returns the customer to, and the login's online payments. Every page is reached only
through the accounts the login may pay for (capability «pay»); another customer's account or payment is 404.
The rules (idempotency, statuses, recording the money) live in abonent.billing.payments.services."""

import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from abonent.billing.payments import provider, services
from abonent.billing.payments.models import OnlinePayment, payment_uuid
from abonent.billing.payments.selectors import PAY, payments_for_user
from abonent.billing.statement import latest_balance
from abonent.core.audit import record_access
from abonent.core.text import money
from abonent.customers.access import account_for_user
from abonent.portal.decorators import customer_required

PAYMENTS_PER_PAGE = 25
KEY_RE = re.compile(r"^[0-9a-f]{32}$")


class PayForm(forms.Form):
    amount = forms.CharField(label="Сумма, ₽", max_length=20, error_messages={"required": "Укажите сумму оплаты."},
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, error_messages={
        "required": "Форма оплаты устарела. Откройте страницу оплаты заново."})

    def clean_amount(self) -> Decimal:
        text = self.cleaned_data["amount"].replace("\u00a0", "").replace(" ", "").replace("₽", "").replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d*)?", text):
            raise forms.ValidationError("Укажите сумму числом, например 12 345,67.")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError("Укажите сумму числом, например 12 345,67.") from None
        if amount <= 0:
            raise forms.ValidationError("Сумма оплаты должна быть больше нуля.")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError("Не больше двух знаков после запятой: рубли и копейки.")
        if amount > OnlinePayment.MAX_AMOUNT:
            raise forms.ValidationError(
                f"Онлайн можно оплатить не больше {money(OnlinePayment.MAX_AMOUNT)} за один раз. "
                "Большую сумму оплатите платёжным поручением по реквизитам из счёта.")
        return amount.quantize(Decimal("0.01"))

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if not KEY_RE.match(key):
            raise forms.ValidationError("Форма оплаты устарела. Откройте страницу оплаты заново.")
        return key


def _amount_text(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _checkout_allowed(url: str) -> bool:
    """The customer is sent only to the provider's own checkout pages (which the CSP's form-action allows)."""
    origin = settings.PAYMENTS["CHECKOUT_ORIGIN"].rstrip("/")
    return url.startswith(origin + "/")


@customer_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_for_user(request.user, account_id, PAY)
    balance = latest_balance(account)
    debt = balance.amount if balance is not None and balance.amount > 0 else None
    status = 200
    if request.method == "POST":
        status = 400
        form = PayForm(request.POST)
        if not form.is_valid() and "idempotency_key" in form.errors:
            form.data = form.data.copy()
            form.data["idempotency_key"] = uuid.uuid4().hex  # the error is shown; the next submission can work
        if form.is_valid():
            key = form.cleaned_data["idempotency_key"]
            return_url = request.build_absolute_uri(
                reverse("portal:payment_return", kwargs={"payment_id": payment_uuid(key)}))
            try:
                payment = services.start_payment(account=account, amount=form.cleaned_data["amount"],
                                                 user=request.user, idempotency_key=key, return_url=return_url)
            except services.PaymentError as error:
                form.add_error(None, error.message)
                status = 503 if isinstance(error, services.PaymentUnavailable) else 400
            else:
                if payment.is_final or not payment.confirmation_url:
                    return redirect("portal:payment_return", payment_id=payment.uuid)
                if not _checkout_allowed(payment.confirmation_url):
                    form.add_error(None, "Платёжный сервис вернул неожиданный адрес оплаты. Обратитесь в службу "
                                         "поддержки.")
                else:
                    return HttpResponseRedirect(payment.confirmation_url)
    else:
        initial = {"idempotency_key": uuid.uuid4().hex}
        if debt is not None:
            initial["amount"] = _amount_text(min(debt, OnlinePayment.MAX_AMOUNT))
        form = PayForm(initial=initial)
    record_access(account, "онлайн-оплата: сальдо лицевого счёта")
    return render(request, "portal/payments/pay.html", {
        "account": account, "customer": account.contract.customer, "balance": balance, "debt": debt,
        "advance": -balance.amount if balance is not None and balance.amount < 0 else None,
        "form": form, "max_amount": OnlinePayment.MAX_AMOUNT,
    }, status=status)


@customer_required
@require_GET
def payment_return(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    payment = get_object_or_404(payments_for_user(request.user), uuid=payment_id)
    unknown = False
    if not payment.is_final:
        try:
            payment = services.refresh_payment(payment)
        except provider.ProviderError:
            unknown = True
    record_access(payment, "онлайн-платёж: состояние")
    return render(request, "portal/payments/return.html", {
        "payment": payment, "account": payment.account, "unknown": unknown,
        "can_continue": payment.status == OnlinePayment.Status.PENDING and payment.confirmation_url
        and _checkout_allowed(payment.confirmation_url),
    })


@customer_required
@require_GET
def payment_list(request: HttpRequest, account_id: int | None = None) -> HttpResponse:
    """The login's online payments across the accounts it may pay for, or those of one account."""
    payments = payments_for_user(request.user)
    account = None
    if account_id is not None:
        account = account_for_user(request.user, account_id, PAY)
        payments = payments.filter(account=account)
    page = Paginator(payments.order_by("-created_at", "-pk"), PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    for shown in {p.account for p in page.object_list} | ({account} if account else set()):
        record_access(shown, "онлайн-платежи по лицевому счёту")
    return render(request, "portal/payments/list.html", {"page": page, "account": account})
