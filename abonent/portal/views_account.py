"""The portal's account pages: the home page with every account of the login, an account's state (balance,
payment schedule, history) and its financial documents. Money is shown only as the billing system gave it,
only to roles with the «finance» capability, and every view of it is in the audit log."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET

from abonent.billing import documents as billing_documents
from abonent.billing.models import FinancialDocument
from abonent.billing.statement import NO_DATA, fill_details, history, latest_balance, month_name, month_schedule
from abonent.core.audit import record_access
from abonent.customers.access import account_for_user
from abonent.portal import selectors
from abonent.portal.decorators import customer_required

FINANCE = selectors.FINANCE
HISTORY_MONTHS_PER_PAGE = 12
DOCUMENTS_PER_PAGE = 20


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    groups = selectors.home_groups(request.user, today)
    for group in groups:
        for card in group.cards:
            if card.sees_finance:
                record_access(card.account, "сальдо и ближайший платёж (главная страница личного кабинета)")
    return render(request, "portal/home.html", {"groups": groups, "today": today, "no_data": NO_DATA})


@customer_required
@require_GET
def account(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_for_user(request.user, account_id, FINANCE)
    today = timezone.localdate()
    months = Paginator(history(account), HISTORY_MONTHS_PER_PAGE).get_page(request.GET.get("page"))
    fill_details(account, list(months.object_list))
    schedule = month_schedule(account, today)
    record_access(account, "состояние расчётов: сальдо, график платежей, начисления и оплаты")
    return render(request, "portal/account/detail.html", {
        "account": account, "customer": account.contract.customer, "today": today,
        "balance": selectors.BalanceView.of(latest_balance(account)), "schedule": schedule,
        "month_name": month_name(schedule.period),
        "rows": [(i, i.state(today), i.state_text(today)) for i in schedule.instalments],
        "page": months, "capabilities": selectors.capabilities_on(request.user, account), "no_data": NO_DATA,
    })


# --- Financial documents ----------------------------------------------------------------------------------


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class DocumentFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Вид", choices=[("", "все документы"), *FinancialDocument.Kind.choices],
                             required=False)
    period_from = forms.DateField(label="Период с", input_formats=["%Y-%m"], widget=MonthInput, required=False,
                                  error_messages={"invalid": "Укажите месяц, например 2026-03."})
    period_to = forms.DateField(label="по", input_formats=["%Y-%m"], widget=MonthInput, required=False,
                                error_messages={"invalid": "Укажите месяц, например 2026-03."})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", "Конец периода раньше его начала.")
        return cleaned

    def filter(self, documents):
        if not self.is_valid():
            return documents.none()
        data = self.cleaned_data
        if data["kind"]:
            documents = documents.filter(kind=data["kind"])
        if data["period_from"]:
            documents = documents.filter(period__gte=data["period_from"].replace(day=1))
        if data["period_to"]:
            documents = documents.filter(period__lte=data["period_to"].replace(day=1))
        return documents

    def query_without_page(self) -> str:
        return urlencode({name: self.data[name] for name in self.fields if self.data.get(name)})


@customer_required
@require_GET
def documents(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_for_user(request.user, account_id, FINANCE)
    form = DocumentFilterForm(request.GET)
    found = form.filter(account.documents.order_by("-issued_on", "-pk"))
    page = Paginator(found, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    record_access(account, "список финансовых документов")
    return render(request, "portal/account/documents.html", {
        "account": account, "customer": account.contract.customer, "form": form, "page": page,
        "query": form.query_without_page(),
    }, status=200 if form.is_valid() else 400)


@customer_required
@require_GET
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for_user(request.user, document_id)
    lines = billing_documents.document_lines(document)
    record_access(document, "финансовый документ")
    return render(request, "portal/account/document.html", {
        "document": document, "account": document.account, "customer": document.account.contract.customer,
        "lines": lines, "capabilities": selectors.capabilities_on(request.user, document.account),
    })


@customer_required
@require_GET
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The document's PDF: downloaded, or with ?inline=1 opened in the browser to print."""
    document = selectors.document_for_user(request.user, document_id)
    pdf = billing_documents.document_pdf(document)
    inline = request.GET.get("inline") == "1"
    record_access(document, "PDF финансового документа" + (" (печать)" if inline else ""))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = billing_documents.document_filename(document)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    return response
