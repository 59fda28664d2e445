"""Screens of the reception desk: the visit log, the visit card with its actions (htmx partials), the
register of documents. Views parse input, call a service and choose the template; nothing else."""

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Sum, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from abonent.channels.in_person import forms, services
from abonent.channels.in_person.models import Visit, VisitDocument, VisitQuerySet
from abonent.core.audit import record_access
from abonent.core.permissions import staff_required
from abonent.customers.models import Customer

WORK_THE_DESK = "appeals.register_appeal"
CONTROL = "appeals.control_appeals"


def can_read_desk(user) -> bool:
    """The desk is shared: every reception specialist sees every visit (a visitor's matter is continued by
    whoever is free), and the heads who control appeals see them all too."""
    return user.has_perm(WORK_THE_DESK) or user.has_perm(CONTROL)


def desk_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Read-only screens: for those working the desk and for the heads."""

    @staff_required()
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_read_desk(request.user):
            raise PermissionDenied("Недостаточно прав для этого действия.")
        return view(request, *args, **kwargs)

    return wrapped


def visits_for(user) -> VisitQuerySet:
    """Every visit, for anyone who may read the desk (see can_read_desk); joined for the log and the card."""
    return Visit.objects.select_related("customer", "representative", "specialist", "appeal", "topic")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- The visit log ---


def _log_context(request: HttpRequest, day: datetime.date, form: forms.StartVisitForm) -> dict:
    visits = (visits_for(request.user).on_day(day)
              .annotate(open_first=Case(When(ended_at__isnull=True, then=Value(0)), default=Value(1),
                                        output_field=IntegerField()))
              .order_by("open_first", "-started_at", "-pk")
              .prefetch_related("purposes"))
    return {"visits": visits, "day": day, "is_today": day == timezone.localdate(), "form": form,
            "can_work": request.user.has_perm(WORK_THE_DESK)}


@desk_reader
@require_GET
def visit_log(request: HttpRequest) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    return render(request, "in_person/visit_log.html", _log_context(request, day, forms.StartVisitForm()))


@staff_required(WORK_THE_DESK)
@require_POST
def visit_start(request: HttpRequest) -> HttpResponse:
    form = forms.StartVisitForm(request.POST)
    if form.is_valid():
        try:
            visit = services.start_visit(visitor_name=form.cleaned_data["visitor_name"], specialist=request.user)
        except services.VisitError as error:
            form.add_error("visitor_name", error.message)
        else:
            return redirect("in_person:visit", pk=visit.pk)
    return render(request, "in_person/visit_log.html", _log_context(request, timezone.localdate(), form),
                  status=400)


# --- The visit card ---


def _card_context(request: HttpRequest, visit: Visit, bound: dict[str, django_forms.Form]) -> dict:
    customer = visit.customer
    context = {
        "visit": visit,
        "can_work": request.user.has_perm(WORK_THE_DESK),
        "can_act": request.user.has_perm(WORK_THE_DESK) and visit.is_open,
        "purposes": visit.purposes.all(),
        "documents": visit.documents.select_related("recorded_by"),
        "contract_form": forms.IdentifyForm(initial={"method": Visit.Identification.CONTRACT_NUMBER}),
        "identify_form": None,
        "purposes_form": forms.PurposesForm(initial={"purposes": visit.purpose_codes, "topic": visit.topic_id}),
        "document_form": forms.DocumentForm(initial={"receiver_name": visit.visitor_name}),
        "appeal_form": forms.DeskAppealForm(initial={
            "topic": visit.topic_id, "email": customer.email if customer else "",
            "address": customer.postal_address if customer else ""}),
        "apology_form": forms.ApologyForm(),
        "conflict_form": forms.ConflictForm(),
        "end_form": forms.EndVisitForm(),
        "stop_form": forms.StopServiceForm(),
    }
    context.update(bound)
    # A refused identification shows the customer's panel again with the reason beside it.
    identify_form = bound.get("identify_form")
    if identify_form is not None and (panel_customer := _customer_of(identify_form.data)) is not None:
        context.update(_panel_context(panel_customer))
    return context


def _customer_of(data) -> Customer | None:
    """The customer whose panel an identification form was sent from (the raw input: a refused field is
    no longer in cleaned_data)."""
    customer_pk, representative_pk = data.get("customer", ""), data.get("representative", "")
    if customer_pk.isdigit():
        return Customer.objects.filter(pk=customer_pk).first()
    if representative_pk.isdigit():
        return Customer.objects.filter(representatives__pk=representative_pk).first()
    return None


def _panel_context(customer: Customer) -> dict:
    today = timezone.localdate()
    return {"panel_customer": customer,
            "representatives": [(r, r.is_valid_on(today)) for r in customer.representatives.all()]}


def _render_card(request: HttpRequest, visit: Visit, *, status: int = 200, notice: str = "",
                 bound: dict[str, django_forms.Form] | None = None) -> HttpResponse:
    context = _card_context(request, visit, bound or {})
    context["notice"] = notice
    if request.htmx:
        # htmx swaps only 2xx answers: a refusal comes back as the card with the message beside the form.
        return render(request, "in_person/visit_detail.html#card", context)
    return render(request, "in_person/visit_detail.html", context, status=status)


def _get_visit(request: HttpRequest, pk: int) -> Visit:
    return get_object_or_404(visits_for(request.user), pk=pk)


@desk_reader
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_card(request, _get_visit(request, pk))


def _action(request: HttpRequest, pk: int, *, form_class: type[django_forms.Form], form_name: str,
            perform: Callable[[Visit, Any], object], done: str) -> HttpResponse:
    """Every action on the card: parse the form, call the service, show the card again. A refusal is shown
    beside the form that caused it (400 without htmx, so a plain form post is not mistaken for success)."""
    visit = _get_visit(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(visit, form)
        except services.VisitError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            visit = _get_visit(request, pk)
            if request.htmx:
                return _render_card(request, visit, notice=done)
            messages.success(request, done)
            return redirect("in_person:visit", pk=pk)
    return _render_card(request, visit, status=400, bound={form_name: form})


@staff_required(WORK_THE_DESK)
@require_POST
def identify(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: django_forms.Form) -> None:
        services.identify_visitor(visit=visit, identified_by=request.user, **form.cleaned_data)

    by_contract = request.POST.get("method") == Visit.Identification.CONTRACT_NUMBER
    return _action(request, pk, form_class=forms.IdentifyForm, perform=perform, done="Посетитель идентифицирован.",
                   form_name="contract_form" if by_contract else "identify_form")


@staff_required(WORK_THE_DESK)
@require_POST
def purposes(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: django_forms.Form) -> None:
        services.set_purposes(visit=visit, purposes=form.cleaned_data["purposes"], topic=form.cleaned_data["topic"],
                              changed_by=request.user)

    return _action(request, pk, form_class=forms.PurposesForm, form_name="purposes_form", perform=perform,
                   done="Цели посещения сохранены.")


@staff_required(WORK_THE_DESK)
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: forms.DocumentForm) -> None:
        services.record_document(visit=visit, entry=form.entry(), recorded_by=request.user)

    return _action(request, pk, form_class=forms.DocumentForm, form_name="document_form", perform=perform,
                   done="Документ внесён в реестр.")


@staff_required(WORK_THE_DESK)
@require_POST
def appeal_register(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: forms.DeskAppealForm) -> None:
        services.register_appeal_at_desk(visit=visit, appeal=form.desk_appeal(), registered_by=request.user)

    return _action(request, pk, form_class=forms.DeskAppealForm, form_name="appeal_form", perform=perform,
                   done="Обращение зарегистрировано: сообщите посетителю номер и срок ответа.")


@staff_required(WORK_THE_DESK)
@require_POST
def apology(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: django_forms.Form) -> None:
        services.record_apology(visit=visit, text=form.cleaned_data["text"], recorded_by=request.user)

    return _action(request, pk, form_class=forms.ApologyForm, form_name="apology_form", perform=perform,
                   done="Извинения записаны.")


@staff_required(WORK_THE_DESK)
@require_POST
def conflict(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: django_forms.Form) -> None:
        services.flag_visit_conflict(visit=visit, note=form.cleaned_data["note"], flagged_by=request.user)

    return _action(request, pk, form_class=forms.ConflictForm, form_name="conflict_form", perform=perform,
                   done="Конфликтная ситуация отмечена, руководитель уведомлён.")


@staff_required(WORK_THE_DESK)
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: django_forms.Form) -> None:
        services.end_visit(visit=visit, outcome=form.cleaned_data["outcome"], ended_by=request.user)

    return _action(request, pk, form_class=forms.EndVisitForm, form_name="end_form", perform=perform,
                   done="Приём завершён.")


@staff_required(WORK_THE_DESK)
@require_POST
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(visit: Visit, form: django_forms.Form) -> None:
        services.end_visit_for_abuse(visit=visit, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
                                     ended_by=request.user)

    return _action(request, pk, form_class=forms.StopServiceForm, form_name="stop_form", perform=perform,
                   done="Обслуживание прекращено, основание записано.")


# --- Identification helpers (htmx) ---


@staff_required(WORK_THE_DESK)
@require_GET
def customer_search(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _get_visit(request, pk)
    query = request.GET.get("q", "").strip()
    customers = (Customer.objects.search(query).filter(is_active=True).prefetch_related("contracts")[:10]
                 if len(query) >= 2 else [])
    return render(request, "in_person/_customer_results.html", {"visit": visit, "customers": customers,
                                                                  "query": query})


@staff_required(WORK_THE_DESK)
@require_GET
def identify_panel(request: HttpRequest, pk: int, customer_pk: int) -> HttpResponse:
    visit = _get_visit(request, pk)
    customer = get_object_or_404(Customer, pk=customer_pk)
    # The panel lists representatives and their powers of attorney: personal data, so the view is on record.
    record_access(customer, "очный приём: представители клиента для идентификации посетителя")
    context = {"visit": visit, "customer": customer, **_panel_context(customer)}
    return render(request, "in_person/_identify_panel.html", context)


# --- The register of documents ---


@desk_reader
@require_GET
def document_register(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterFilterForm(forms.RegisterFilterForm.with_defaults(request.GET))
    date_from, date_to = form.period()
    data = form.cleaned_data if form.is_valid() else {"direction": VisitDocument.Direction.ISSUED}
    documents = VisitDocument.objects.filter(recorded_at__gte=_day_start(date_from),
                                             recorded_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    if direction := data.get("direction"):
        documents = documents.filter(direction=direction)
    if doc_type := data.get("doc_type"):
        documents = documents.filter(doc_type=doc_type)
    if query := data.get("q", "").strip():
        documents = documents.filter(visit__customer__in=Customer.objects.search(query).values("pk"))
    totals = documents.aggregate(count=Count("pk"), copies=Sum("copies"))
    order = list(VisitDocument.Type.values)
    by_type = [
        {"label": VisitDocument.Type(row["doc_type"]).label, "count": row["count"], "copies": row["copies"]}
        for row in sorted(documents.order_by().values("doc_type").annotate(count=Count("pk"), copies=Sum("copies")),
                          key=lambda row: order.index(row["doc_type"]))
    ]
    rows = (documents.select_related("visit__customer", "recorded_by")
            .order_by("-recorded_at", "-pk"))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "totals": totals, "by_type": by_type, "date_from": date_from,
               "date_to": date_to, "direction": data.get("direction", "")}
    template = "in_person/document_register.html#rows" if request.htmx else "in_person/document_register.html"
    return render(request, template, context)

