"""Workflow actions on the appeal card. Each one: POST only, a permission, the appeal among those the
user sees, a form, one service call; the card comes back with the outcome or the service's refusal."""

from collections.abc import Callable

from django import forms as django_forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from abonent.appeals import forms, selectors, services
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal
from abonent.appeals.views.card import card_response, control_item, first_error, form_id, visible_appeal
from abonent.core.permissions import staff_required


class NoFields(django_forms.Form):
    pass


def perform(request: HttpRequest, number: str, form_class: type[django_forms.Form], key: str,
            action: Callable[[Appeal, dict], str]) -> HttpResponse:
    """Runs `action(appeal, cleaned_data) -> success message`; a form error or an AppealError comes
    back on the card with nothing changed."""
    appeal = visible_appeal(request, number)
    form = form_class(request.POST, auto_id=form_id(key))
    if not form.is_valid():
        return card_response(request, appeal, error=first_error(form), bound={key: form})
    try:
        message = action(appeal, form.cleaned_data)
    except AppealError as error:
        forms.add_service_error(form, error)
        return card_response(request, appeal, error=error.message, bound={key: form})
    return card_response(request, appeal, notice=message)


def _date(moment) -> str:
    return f"{timezone.localtime(moment):%d.%m.%Y}"


@staff_required("appeals.work_on_appeal")
@require_POST
def take(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.take_appeal(appeal=appeal, executor=request.user)
        return "Обращение принято в работу."

    return perform(request, number, NoFields, "take", action)


@staff_required("appeals.reassign_appeal")
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        appeal = services.assign_appeal(appeal=appeal, department=data["department"], executor=data["executor"],
                                        assigned_by=request.user, reason=data["reason"])
        who = data["executor"].short_name if data["executor"] else "без исполнителя"
        return f"Обращение направлено: {appeal.department}, {who}."

    return perform(request, number, forms.AssignForm, "assign", action)


@staff_required("appeals.extend_deadline")
@require_POST
def extend(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        appeal = services.extend_deadline(appeal=appeal, days=data["days"], reason=data["reason"],
                                          extended_by=request.user)
        return f"Срок ответа продлён до {_date(appeal.due_at)}; клиенту направляется уведомление."

    return perform(request, number, forms.ExtendForm, "extend", action)


@staff_required("appeals.work_on_appeal")
@require_POST
def classify(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.classify_appeal(appeal=appeal, kind=data["kind"], topic=data["topic"], changed_by=request.user)
        return "Вид и тема обращения сохранены."

    return perform(request, number, forms.ClassifyForm, "classify", action)


@staff_required("appeals.control_appeals")
@require_POST
def urgency(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        appeal = services.set_urgency(appeal=appeal, urgency=data["urgency"], set_by=request.user)
        return f"Категория срочности: {appeal.urgency}; срок ответа — до {_date(appeal.due_at)}."

    return perform(request, number, forms.UrgencyForm, "urgency", action)


@staff_required("appeals.view_appeal")
@require_POST
def conflict(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.flag_conflict(appeal=appeal, flagged_by=request.user, note=data["note"])
        return "Конфликтная ситуация отмечена; руководитель подразделения получит уведомление."

    return perform(request, number, forms.ConflictForm, "conflict", action)


@staff_required("appeals.work_on_appeal")
@require_POST
def apology(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.record_apology(appeal=appeal, recorded_by=request.user, text=data["text"])
        return "Извинения записаны в историю обращения."

    return perform(request, number, forms.ApologyForm, "apology", action)


@staff_required("appeals.view_appeal")
@require_POST
def note(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.add_note(appeal=appeal, text=data["text"], author=request.user)
        return "Заметка добавлена."

    return perform(request, number, forms.NoteForm, "note", action)


@staff_required("appeals.control_appeals")
@require_POST
def control_add(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        item = services.add_control_item(appeal=appeal, decision=data["decision"], owner=data["owner"],
                                         due_date=data["due_date"], added_by=request.user)
        return f"Решение поставлено на контроль до {item.due_date:%d.%m.%Y}."

    return perform(request, number, forms.ControlItemForm, "control", action)


@staff_required("appeals.view_appeal")
@require_POST
def control_complete(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.complete_control_item(item=control_item(appeal, data["item"]), result=data["result"],
                                       done_by=request.user)
        return "Решение отмечено исполненным."

    return perform(request, number, forms.ControlCompleteForm, f"complete_{request.POST.get('item', '')}", action)


@staff_required("appeals.decide_non_consideration")
@require_POST
def non_consideration(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        earlier = None
        if data["earlier_appeal"].strip():
            earlier = selectors.appeals_visible_to(request.user).filter(
                number=data["earlier_appeal"].strip().lstrip("№").strip()).first()
            if earlier is None:
                raise AppealError(f"Обращение № {data['earlier_appeal']} не найдено.", field="earlier_appeal")
        decision = services.decide_non_consideration(
            appeal=appeal, ground=data["ground"], decided_by=request.user, comment=data["comment"],
            earlier_appeal=earlier, notice_text=data["notice_text"])
        if decision.customer_can_be_told:
            return "Обращение оставлено без рассмотрения. Уведомление клиенту подготовлено — передайте его на подпись."
        return "Обращение оставлено без рассмотрения; сообщить клиенту о решении нельзя (нет контактов)."

    return perform(request, number, forms.NonConsiderationForm, "non_consideration", action)


@staff_required("appeals.work_on_appeal")
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        services.close_appeal(appeal=appeal, closed_by=request.user, resolution=data["resolution"])
        return "Обращение закрыто."

    return perform(request, number, forms.CloseForm, "close", action)
