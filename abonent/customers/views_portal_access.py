"""Staff screens for portal access: who reaches which billing account of a customer in the portal and
with which role, requests waiting for a decision, grant by a login's e-mail, revoke, and a new link code.
Every decision goes through abonent.customers.linking (audited, mailed to the login)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from abonent.core.audit import record_access
from abonent.core.permissions import staff_required
from abonent.customers import linking
from abonent.customers.models import BillingAccount, Customer, PortalAccess

PERMISSION = "customers.change_customer"


class GrantForm(forms.Form):
    account = forms.ModelChoiceField(label="Лицевой счёт", queryset=BillingAccount.objects.none(),
                                     empty_label="— выберите счёт —")
    email = forms.EmailField(label="E-mail учётной записи личного кабинета", max_length=150)
    role = forms.ChoiceField(label="Роль", choices=PortalAccess.Role.choices)
    comment = forms.CharField(label="Основание", max_length=500, required=False,
                              help_text="Например, заявление или доверенность: номер и дата.")

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = BillingAccount.objects.filter(contract__customer=customer, is_active=True)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "подтвердить"), ("reject", "отклонить"), ("revoke", "отозвать")])
    role = forms.ChoiceField(label="Роль", choices=PortalAccess.Role.choices, required=False)
    reason = forms.CharField(label="Причина", max_length=500, required=False)


def _back(request: HttpRequest, customer: Customer) -> HttpResponse:
    if request.POST.get("back") == "card":
        return redirect(f"{customer.get_absolute_url()}#portal-access")
    return redirect("customers:portal_access", pk=customer.pk)


def _context(customer: Customer, grant_form: GrantForm | None = None) -> dict:
    accounts = (BillingAccount.objects.filter(contract__customer=customer).select_related("contract")
                .order_by("number"))
    accesses = (PortalAccess.objects.filter(account__contract__customer=customer)
                .select_related("user", "account", "decided_by").order_by("account__number", "status", "-created_at"))
    return {
        "customer": customer, "accounts": accounts,
        "pending": [a for a in accesses if a.status == PortalAccess.Status.PENDING],
        "accesses": [a for a in accesses if a.status != PortalAccess.Status.PENDING],
        "grant_form": grant_form or GrantForm(customer=customer), "roles": PortalAccess.Role.choices,
    }


@staff_required(PERMISSION)
def portal_access(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    record_access(customer, "доступ к личному кабинету: учётные записи, роли, коды подключения")
    template = "customers/portal_access.html#section" if request.htmx else "customers/portal_access.html"
    context = _context(customer)
    context["in_card"] = bool(request.htmx)
    return render(request, template, context)


@require_POST
@staff_required(PERMISSION)
def portal_access_decide(request: HttpRequest, pk: int, access_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    access = get_object_or_404(PortalAccess, pk=access_id, account__contract__customer=customer)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Не выбрано действие.")
        return _back(request, customer)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        if action == "approve":
            linking.approve(access=access, by=request.user, role=form.cleaned_data["role"] or None)
            messages.success(request, f"Доступ {access.user.email} к счёту № {access.account.number} подтверждён.")
        elif action == "reject":
            linking.reject(access=access, by=request.user, reason=reason)
            messages.success(request, f"Заявка {access.user.email} отклонена.")
        else:
            linking.revoke(access=access, by=request.user, reason=reason)
            messages.success(request, f"Доступ {access.user.email} к счёту № {access.account.number} отозван.")
    except linking.LinkError as error:
        messages.error(request, error.message)
    return _back(request, customer)


@staff_required(PERMISSION)
def portal_access_grant(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = GrantForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            access = linking.grant(account=data["account"], email=data["email"], role=data["role"],
                                   by=request.user, comment=data["comment"])
        except linking.LinkError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Доступ к счёту № {access.account.number} выдан {access.user.email} "
                                      f"(роль: {access.get_role_display()}).")
            return _back(request, customer)
    record_access(customer, "доступ к личному кабинету: учётные записи, роли, коды подключения")
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/portal_access.html", _context(customer, form), status=status)


@require_POST
@staff_required(PERMISSION)
def portal_access_new_code(request: HttpRequest, pk: int, account_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    account = get_object_or_404(BillingAccount, pk=account_id, contract__customer=customer)
    account = linking.regenerate_code(account=account, by=request.user)
    messages.success(request, f"Для лицевого счёта № {account.number} выпущен новый код подключения: "
                              f"{account.link_code}. Прежний код больше не действует.")
    return _back(request, customer)


@staff_required(PERMISSION)
def portal_requests(request: HttpRequest) -> HttpResponse:
    """Requests for portal access waiting for staff, oldest first, across all customers."""
    pending = (PortalAccess.objects.filter(status=PortalAccess.Status.PENDING)
               .select_related("user", "account__contract__customer").order_by("created_at")[:200])
    return render(request, "customers/portal_access_requests.html", {
        "pending": pending, "back_url": reverse("customers:list")})
