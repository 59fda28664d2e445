"""The appeal card: what it shows, which action panels a user gets, and how an action answers — the
card partial for htmx, a redirect (or the page with the error, status 400) without it."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from abonent.appeals import forms, selectors
from abonent.appeals.models import Appeal, ControlItem, Kind, NonConsideration, Reply
from abonent.appeals.views.timeline import timeline

R = Reply.Status
S = Appeal.Status


def visible_appeal(request: HttpRequest, number: str) -> Appeal:
    """The appeal by number among those the user may see; any other is a 404, not a 403, so that an
    executor cannot even learn that another department's appeal exists."""
    appeals = selectors.appeals_visible_to(request.user).select_related(
        "department", "executor", "customer", "billing_account", "topic", "urgency", "registered_by")
    return get_object_or_404(appeals, number=number)


def visible_reply(appeal: Appeal, pk: int) -> Reply:
    reply = appeal.replies.select_related("signatory", "executor").filter(pk=pk).first()
    if reply is None:
        raise Http404("Ответ не найден.")
    return reply


@dataclass(frozen=True)
class Permissions:
    """Which panels the card shows to this user for this appeal (the services check again)."""

    take: bool
    assign: bool
    extend: bool
    classify: bool
    urgency: bool
    conflict: bool
    apology: bool
    control: bool
    reply: bool
    typical: bool
    resend: bool
    close: bool
    decide: bool


def permissions(user, appeal: Appeal, *, reply_in_progress: bool) -> Permissions:
    is_open = appeal.is_open
    works = user.has_perm("appeals.work_on_appeal")
    return Permissions(
        take=works and is_open and appeal.executor_id is None and user.department_id == appeal.department_id,
        assign=is_open and user.has_perm("appeals.reassign_appeal"),
        extend=is_open and not appeal.is_extended and user.has_perm("appeals.extend_deadline"),
        classify=is_open and works,
        urgency=is_open and appeal.kind == Kind.COMPLAINT and not appeal.is_extended
        and user.has_perm("appeals.control_appeals"),
        conflict=is_open and not appeal.is_conflict,
        apology=works,
        control=user.has_perm("appeals.control_appeals"),
        reply=is_open and works and not reply_in_progress,
        typical=is_open and appeal.kind == Kind.QUESTION and user.has_perm("appeals.register_appeal")
        and works and not reply_in_progress,
        resend=works,
        close=works and appeal.status in (S.ANSWERED, S.NOT_CONSIDERED),
        decide=is_open and user.has_perm("appeals.decide_non_consideration"),
    )


def _suggestions(appeal: Appeal) -> list:
    from abonent.appeals.services import suggest_grounds

    return suggest_grounds(appeal)


def _returned_comment(appeal: Appeal, reply: Reply | None) -> str:
    if reply is None or reply.status != R.RETURNED:
        return ""
    event = appeal.events.filter(kind="reply_returned", data__reply=reply.pk).order_by("-at", "-pk").first()
    return event.data.get("comment", "") if event else ""


def _initial_forms(appeal: Appeal, draft: Reply | None) -> dict:
    """The card's forms, each with its own id prefix so that labels point at the right field."""
    draft_initial = {"text": draft.text, "typical_answer": draft.typical_answer_id} if draft else {}
    initial = {
        "assign": (forms.AssignForm, {"department": appeal.department_id, "executor": appeal.executor_id}),
        "extend": (forms.ExtendForm, None),
        "classify": (forms.ClassifyForm, {"kind": appeal.kind, "topic": appeal.topic_id}),
        "urgency": (forms.UrgencyForm, {"urgency": appeal.urgency_id}),
        "conflict": (forms.ConflictForm, None),
        "apology": (forms.ApologyForm, None),
        "note": (forms.NoteForm, None),
        "control": (forms.ControlItemForm, None),
        "reply": (forms.SubmitForm, draft_initial),
        "notice": (forms.SubmitForm, None),
        "close": (forms.CloseForm, None),
        "non_consideration": (forms.NonConsiderationForm, None),
        "resend": (forms.ResendForm, {"channel": appeal.reply_channel}),
    }
    return {key: form_class(initial=values, auto_id=form_id(key)) for key, (form_class, values) in initial.items()}


def form_id(key: str) -> str:
    return f"{key}_%s"


def card_context(request: HttpRequest, appeal: Appeal, *, bound: dict | None = None, notice: str = "",
                 error: str = "") -> dict:
    user = request.user
    now = timezone.now()
    replies = list(appeal.replies.select_related("signatory", "executor", "typical_answer"))
    answers = [r for r in replies if r.purpose == Reply.Purpose.ANSWER]
    draft = next((r for r in reversed(answers) if r.status in (R.DRAFT, R.RETURNED)), None)
    in_progress = any(r.status in (R.ON_APPROVAL, R.APPROVED) for r in answers)
    notices = [r for r in replies if r.purpose == Reply.Purpose.NON_CONSIDERATION]
    can = permissions(user, appeal, reply_in_progress=in_progress)
    try:
        decision = appeal.non_consideration
    except NonConsideration.DoesNotExist:
        decision = None
    form_set = {**_initial_forms(appeal, draft), **(bound or {})}
    return {
        "appeal": appeal,
        "deadline_state": selectors.deadline_state(appeal, now, selectors.due_soon_horizon(now)),
        "attachments": list(appeal.attachments.all()),
        "customer_messages": list(appeal.messages.prefetch_related("attachments")),
        "replies": replies,
        "draft": draft,
        "returned_comment": _returned_comment(appeal, draft),
        "notice_drafts": [r for r in notices if r.status in (R.DRAFT, R.RETURNED)],
        "decision": decision,
        "control_items": list(appeal.control_items.select_related("owner")),
        "timeline": timeline(appeal.events.select_related("actor")),
        "suggestions": _suggestions(appeal) if can.decide else [],
        "typical_answers": selectors.typical_answers(topic=appeal.topic, limit=8) if can.reply else [],
        "can": can,
        "forms": form_set,
        "notice": notice,
        "error": error,
        "today": timezone.localdate(),
    }


def card_response(request: HttpRequest, appeal: Appeal, *, notice: str = "", error: str = "",
                  bound: dict | None = None) -> HttpResponse:
    """After an action: htmx gets the re-rendered card (with the refusal in it, status 200 so that htmx
    swaps it in); a plain form post is redirected to the card, or gets the card with the error (400)."""
    appeal = visible_appeal(request, appeal.number)
    if request.htmx:
        context = card_context(request, appeal, bound=bound, notice=notice, error=error)
        return render(request, "appeals/detail.html#card", context)
    if error:
        context = card_context(request, appeal, bound=bound, error=error)
        return render(request, "appeals/detail.html", context, status=400)
    messages.success(request, notice)
    return redirect(appeal)


def first_error(form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else errors[0]
    return "Проверьте заполнение формы."


def control_item(appeal: Appeal, pk) -> ControlItem:
    item = appeal.control_items.filter(pk=pk).first() if str(pk).isdigit() else None
    if item is None:
        raise Http404("Решение на контроле не найдено.")
    return item
