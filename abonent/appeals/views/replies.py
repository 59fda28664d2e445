"""Replies: drafting with the knowledge base, submitting to a signatory, the signatory's approvals
inbox (sign or return with a comment), the reception group's typical answer without signature
(standard 2.2.6), and resending after a failed delivery."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from abonent.appeals import forms, selectors, services
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, Reply, TypicalAnswer
from abonent.appeals.views.actions import perform
from abonent.appeals.views.card import card_response, first_error, form_id, visible_appeal, visible_reply
from abonent.core.permissions import staff_required


def _typical_answer(data: dict) -> TypicalAnswer | None:
    pk = data.get("typical_answer")
    if not pk:
        return None
    answer = TypicalAnswer.objects.filter(pk=pk, is_active=True).first()
    if answer is None:
        raise AppealError("Типовой ответ не найден или больше не используется.", field="text")
    return answer


def _save_draft(request: HttpRequest, appeal: Appeal, data: dict, *, purpose: str = Reply.Purpose.ANSWER) -> Reply:
    return services.draft_reply(appeal=appeal, text=data["text"], author=request.user,
                                typical_answer=_typical_answer(data), purpose=purpose)


@staff_required("appeals.work_on_appeal")
@require_POST
def reply_draft(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        _save_draft(request, appeal, data)
        return "Проект ответа сохранён."

    return perform(request, number, forms.ReplyForm, "reply", action)


@staff_required("appeals.work_on_appeal")
@require_POST
def reply_submit(request: HttpRequest, number: str) -> HttpResponse:
    """Saves the text as the draft and passes it to the chosen signatory. With `reply` posted, it is
    that draft (e.g. a notice of non-consideration) that goes for signature."""

    def action(appeal, data):
        existing = visible_reply(appeal, int(request.POST["reply"])) if request.POST.get("reply", "").isdigit() \
            else None
        purpose = existing.purpose if existing else Reply.Purpose.ANSWER
        if data["text"].strip() or existing is None:
            reply = _save_draft(request, appeal, data, purpose=purpose)
        else:
            reply = existing
        services.submit_reply(reply=reply, submitted_by=request.user, signatory=data["signatory"])
        return f"Ответ передан на подпись: {data['signatory'].short_name}."

    return perform(request, number, forms.SubmitForm, "reply", action)


@staff_required("appeals.register_appeal")
@require_POST
def reply_typical(request: HttpRequest, number: str) -> HttpResponse:
    def action(appeal, data):
        if not data.get("typical_answer"):
            raise AppealError("Выберите типовой ответ из базы знаний: без подписи направляется только он.",
                              field="text")
        reply = _save_draft(request, appeal, data)
        reply = services.approve_typical_reply(reply=reply, sent_by=request.user)
        reply.refresh_from_db()
        return _sent_text(reply)

    return perform(request, number, forms.ReplyForm, "reply", action)


def _sent_text(reply: Reply) -> str:
    if reply.status == Reply.Status.SENT:
        return f"Ответ исх. № {reply.outgoing_number} направлен клиенту: {reply.get_channel_display()}."
    if reply.status == Reply.Status.FAILED:
        return f"Ответ исх. № {reply.outgoing_number} подписан, но не отправлен: {reply.failure}"
    return f"Ответ исх. № {reply.outgoing_number} подписан и отправляется: {reply.get_channel_display()}."


@staff_required("appeals.work_on_appeal")
@require_POST
def reply_resend(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    def action(appeal, data):
        reply = services.resend_reply(reply=visible_reply(appeal, pk), channel=data["channel"], resent_by=request.user)
        reply.refresh_from_db()
        return _sent_text(reply)

    return perform(request, number, forms.ResendForm, "resend", action)


# --- The signatory ---------------------------------------------------------------------------------


def _signatory_outcome(request: HttpRequest, appeal: Appeal, reply: Reply, *, notice: str = "", error: str = "",
                       form=None) -> HttpResponse:
    """From the approvals screen the row is re-rendered (or the screen reloaded); from the card, the card."""
    if request.POST.get("view") != "approvals":
        return card_response(request, appeal, notice=notice, error=error, bound={"return": form} if form else None)
    if request.htmx:
        reply.refresh_from_db()
        context = {"reply": reply, "notice": notice, "error": error, "return_form": form or forms.ReturnForm()}
        return render(request, "appeals/approvals.html#approval", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("appeals:approvals")


@staff_required("appeals.approve_reply")
@require_POST
def reply_approve(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    appeal = visible_appeal(request, number)
    reply = visible_reply(appeal, pk)
    try:
        reply = services.approve_reply(reply=reply, approved_by=request.user)
    except AppealError as error:
        return _signatory_outcome(request, appeal, reply, error=error.message)
    reply.refresh_from_db()
    return _signatory_outcome(request, appeal, reply, notice=_sent_text(reply))


@staff_required("appeals.approve_reply")
@require_POST
def reply_return(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    appeal = visible_appeal(request, number)
    reply = visible_reply(appeal, pk)
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        return _signatory_outcome(request, appeal, reply, error=first_error(form), form=form)
    try:
        services.return_reply(reply=reply, returned_by=request.user, comment=form.cleaned_data["comment"])
    except AppealError as error:
        forms.add_service_error(form, error)
        return _signatory_outcome(request, appeal, reply, error=error.message, form=form)
    return _signatory_outcome(request, appeal, reply, notice="Ответ возвращён исполнителю на доработку.")


@staff_required("appeals.approve_reply")
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    context = {
        "replies": list(selectors.replies_to_sign(request.user)),
        "signed": selectors.recently_signed(request.user),
        "return_form": forms.ReturnForm(),
    }
    return render(request, "appeals/approvals.html", context)


# --- The knowledge base in the reply panel ------------------------------------------------------------


@staff_required("appeals.work_on_appeal")
@require_GET
def typical_search(request: HttpRequest, number: str) -> HttpResponse:
    appeal = visible_appeal(request, number)
    query = request.GET.get("typical_q", "")
    answers = selectors.typical_answers(topic=appeal.topic, query=query)
    return render(request, "appeals/detail.html#typical_list",
                  {"appeal": appeal, "typical_answers": answers, "typical_query": query})


@staff_required("appeals.work_on_appeal")
@require_POST
def typical_insert(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Puts the typical answer's text into the reply textarea (after what is already written) and
    remembers which answer was used; no change is stored until the draft is saved."""
    appeal = visible_appeal(request, number)
    answer = TypicalAnswer.objects.filter(pk=pk, is_active=True).first()
    current = request.POST.get("text", "").rstrip()
    if answer is None:
        return card_response(request, appeal, error="Типовой ответ не найден или больше не используется.")
    text = f"{current}\n\n{answer.answer}" if current else answer.answer
    form = forms.SubmitForm(initial={"text": text, "typical_answer": answer.pk}, auto_id=form_id("reply"))
    return render(request, "appeals/detail.html#reply_text",
                  {"appeal": appeal, "forms": {"reply": form}, "typical_used": answer})
