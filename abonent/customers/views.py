from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from abonent.core.audit import entries_for, record_access
from abonent.core.permissions import staff_required
from abonent.customers import forms
from abonent.customers.models import Customer


@staff_required("customers.view_customer")
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    customers = Customer.objects.search(query).annotate(contract_count=Count("contracts", distinct=True))
    if kind := request.GET.get("kind"):
        customers = customers.filter(kind=kind)
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    template = "customers/list.html#rows" if request.htmx else "customers/list.html"
    return render(request, template, {"page": page, "query": query, "kinds": Customer.Kind.choices})


@staff_required("customers.view_customer")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    # The card shows contact persons and powers of attorney: personal data, so each view is on record.
    record_access(customer, "карточка клиента: реквизиты, договоры, контактные лица, представители")
    today = timezone.localdate()
    representatives = [(r, r.is_valid_on(today)) for r in customer.representatives.all()]
    context = {
        "customer": customer,
        "contracts": customer.contracts.prefetch_related("accounts"),
        "contacts": customer.contacts.all(),
        "representatives": representatives,
        "audit": entries_for(customer)[:20] if request.user.has_perm("core.view_audit_log") else None,
    }
    return render(request, "customers/detail.html", context)


def _save_form(request, form, *, title: str, success: str, back: str, customer: Customer | None = None):
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, success)
        return redirect(customer.get_absolute_url() if customer else obj.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/form.html", {"form": form, "title": title, "back": back,
                                                   "customer": customer}, status=status)


@staff_required("customers.add_customer")
def customer_create(request: HttpRequest) -> HttpResponse:
    form = forms.CustomerForm(request.POST or None)
    return _save_form(request, form, title="Новый клиент", success="Клиент добавлен.", back="customers:list")


@staff_required("customers.change_customer")
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.CustomerForm(request.POST or None, instance=customer)
    return _save_form(request, form, title=f"Клиент: {customer}", success="Изменения сохранены.",
                      back="customers:list", customer=customer)


@staff_required("customers.add_contract")
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.ContractForm(request.POST or None, instance=forms.Contract(customer=customer))
    return _save_form(request, form, title=f"Новый договор: {customer}", success="Договор добавлен.",
                      back="customers:list", customer=customer)


@staff_required("customers.add_billingaccount")
def account_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.BillingAccountForm(request.POST or None, customer=customer)
    return _save_form(request, form, title=f"Новый лицевой счёт: {customer}", success="Лицевой счёт добавлен.",
                      back="customers:list", customer=customer)


@staff_required("customers.add_contactperson")
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.ContactPersonForm(request.POST or None, instance=forms.ContactPerson(customer=customer))
    return _save_form(request, form, title=f"Новое контактное лицо: {customer}", success="Контакт добавлен.",
                      back="customers:list", customer=customer)


@staff_required("customers.add_representative")
def representative_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.RepresentativeForm(request.POST or None, instance=forms.Representative(customer=customer))
    return _save_form(request, form, title=f"Новый представитель: {customer}", success="Представитель добавлен.",
                      back="customers:list", customer=customer)
