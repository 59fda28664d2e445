"""The public pages (standard 2.2.5): open to anyone, no login, nothing internal shown. Every page works
without JavaScript; htmx only adds suggestions while a visitor types."""

import uuid

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from abonent.appeals.errors import AppealError
from abonent.appeals.forms import add_service_error
from abonent.appeals.models import TypicalAnswer
from abonent.appeals.services import AppealDraft
from abonent.appeals.services.deadlines import term_text
from abonent.core.http import client_ip
from abonent.organisation.models import Channel
from abonent.site import selectors, services
from abonent.site.forms import ReceptionForm, SearchForm
from abonent.site.models import InfoPage, NewsItem


def _query(request: HttpRequest) -> tuple[SearchForm, str]:
    form = SearchForm(request.GET)
    return form, form.cleaned_data["q"].strip() if form.is_valid() else ""


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "site/index.html", {
        "state": selectors.reception_state(), "news": selectors.latest_news(limit=3),
    })


@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    data = selectors.contacts()
    return render(request, "site/contacts.html", {"contacts": data, "updated_at": data.updated_at})


@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    rows = selectors.current_templates()
    updated = max((row.version.created_at for row in rows), default=None)
    return render(request, "site/templates.html", {"rows": rows, "updated_at": updated})


@require_GET
def template_download(request: HttpRequest, pk: int) -> FileResponse:
    version = selectors.template_version_for_download(pk)
    if version is None:
        raise Http404("Шаблон не найден.")
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.download_name)


@require_GET
def info(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    sections = selectors.info_sections(query)
    updated = max((p.updated_at for _, pages in sections for p in pages), default=None)
    return render(request, "site/info.html", {"form": form, "query": query, "sections": sections,
                                              "updated_at": updated})


@require_GET
def info_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(InfoPage.objects.published(), slug=slug)
    return render(request, "site/info_page.html", {"page": page, "updated_at": page.updated_at})


@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    return render(request, "site/questions.html", {"form": form, "query": query,
                                                   "groups": selectors.typical_questions(query),
                                                   "updated_at": selectors.answers_updated_at()})


@require_GET
def question(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_object_or_404(TypicalAnswer.objects.filter(is_active=True, is_published=True)
                               .select_related("topic"), pk=pk)
    return render(request, "site/question.html", {"answer": answer, "updated_at": answer.updated_at})


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Typical questions like the text being typed (an htmx partial for the reception form)."""
    text = " ".join(request.GET.get(name, "") for name in ("subject", "text", "q"))[:2000]
    return render(request, "site/reception.html#suggestions", {"suggestions": selectors.suggested_answers(text)})


@require_GET
def news(request: HttpRequest) -> HttpResponse:
    items = selectors.latest_news(limit=30)
    return render(request, "site/news.html", {"items": items,
                                              "updated_at": items[0].published_at if items else None})


@require_GET
def news_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(NewsItem.objects.published(), pk=pk)
    return render(request, "site/news_item.html", {"item": item, "updated_at": item.updated_at})


@require_GET
def portal_howto(request: HttpRequest) -> HttpResponse:
    return render(request, "site/portal.html", {"contacts": selectors.contacts()})


# --- Web reception ---------------------------------------------------------------------------------------


def _draft(form: ReceptionForm) -> AppealDraft:
    data = form.cleaned_data
    return AppealDraft(
        text=data["text"], channel=Channel.WEB, kind=data["kind"], reply_channel=data["reply_channel"],
        subject=data["subject"], topic=data["topic"], sender_name=data["sender_name"],
        sender_organisation=data["sender_organisation"], sender_inn=data["sender_inn"],
        sender_email=data["sender_email"], sender_phone=data["sender_phone"],
        sender_address=data["sender_address"], files=form.incoming_files(),
    )


def _register(request: HttpRequest, form: ReceptionForm) -> HttpResponse | None:
    """Registers a valid form, or puts the refusal on it and returns None."""
    stamp: services.Stamp = form.cleaned_data["stamp"]
    if services.submission_for(stamp.token) is not None:  # a double submit: the same confirmation
        return redirect("site:reception_done", token=stamp.token)
    try:
        services.check_not_spam(stamp=stamp, honeypot=form.cleaned_data["website"], ip_address=client_ip(request))
        services.submit_web_appeal(draft=_draft(form), token=stamp.token, consent_given_at=timezone.now(),
                                   ip_address=client_ip(request),
                                   user_agent=request.headers.get("user-agent", ""))
    except services.SpamRefusal as refusal:
        form.add_error(None, refusal.message)
        return None
    except AppealError as error:
        add_service_error(form, error)
        return None
    return redirect("site:reception_done", token=stamp.token)


@require_http_methods(["GET", "POST"])
def reception(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ReceptionForm(request.POST, request.FILES)
        if form.is_valid() and (response := _register(request, form)):
            return response
        if "stamp" in form.errors:
            form.data = form.data.copy()
            form.data["stamp"] = services.new_stamp()
        status = 400
    else:
        form = ReceptionForm(initial={"stamp": services.new_stamp()})
        status = 200
    return render(request, "site/reception.html", {"form": form, "consent_text": services.CONSENT_TEXT,
                                                   "consent_version": services.CONSENT_VERSION}, status=status)


@require_GET
def reception_done(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """The confirmation: the number, date and term only, never the visitor's data, so the address shows
    nothing to anyone else who gets it."""
    submission = services.submission_for(token)
    if submission is None:
        raise Http404("Обращение не найдено.")
    appeal = submission.appeal
    return render(request, "site/reception_done.html", {
        "appeal": appeal, "term": term_text(kind=appeal.kind, urgency=appeal.urgency),
        "by_email": appeal.reply_channel == Channel.EMAIL,
    })
