"""Back-office screens of notifications: the journal and the proof of one notice, the history section of the
customer card, types and templates with a preview, daily rules, campaigns with the dry run and approval,
and the mandatory warning before limitation. Views parse input, call services and choose templates."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from abonent.billing.models import Balance
from abonent.core.audit import record_access
from abonent.core.permissions import staff_required
from abonent.customers.models import BillingAccount, Customer
from abonent.notifications import campaigns, compose, rendering, selectors, tasks
from abonent.notifications.forms import (
    CampaignForm,
    LimitationForm,
    PreviewForm,
    RuleForm,
    TemplateForm,
    TypeForm,
    sample_customers,
)
from abonent.notifications.models import (
    AUTO_CHANNELS,
    Campaign,
    Channel,
    Notification,
    NotificationRule,
    NotificationTemplate,
    NotificationType,
)
from abonent.notifications.permissions import APPROVE, MANAGE, VIEW
from abonent.notifications.samples import sample_context

PAGE = 50


@require_GET
@staff_required(VIEW)
def journal(request: HttpRequest) -> HttpResponse:
    """The journal, newest first, paged by id (no count over the whole table)."""
    rows = Notification.objects.select_related("customer", "type").order_by("-pk")
    filters = {name: request.GET.get(name, "") for name in ("status", "channel", "kind", "q")}
    if filters["status"] in Notification.Status.values:
        rows = rows.filter(status=filters["status"])
    if filters["channel"] in Channel.values:
        rows = rows.filter(channel=filters["channel"])
    if filters["kind"]:
        rows = rows.filter(kind=filters["kind"])
    if filters["q"].strip():
        rows = rows.filter(customer__in=Customer.objects.search(filters["q"]))
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows[:PAGE + 1])
    context = {"rows": page[:PAGE], "next_before": page[PAGE - 1].pk if len(page) > PAGE else None,
               "filters": filters, "statuses": Notification.Status.choices, "channels": Channel.choices,
               "types": NotificationType.objects.all()}
    return render(request, "notifications/journal.html", context)


@require_GET
@staff_required(VIEW)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notification.objects.select_related("customer", "account", "type", "appeal",
                                                                   "campaign", "rule"), pk=pk)
    record_access(notice.customer, f"уведомление № {notice.pk} ({notice.type})")
    return render(request, "notifications/notice.html", {"notice": notice})


@require_GET
@staff_required(VIEW)
def customer_history(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The section of the customer card: every notice the customer received, with its status."""
    if not request.user.has_perm("customers.view_customer"):
        raise Http404
    customer = get_object_or_404(Customer, pk=customer_id)
    record_access(customer, "история уведомлений клиента")
    notices = list(selectors.notices_for_customer(customer)[:200])
    return render(request, "notifications/_customer_history.html", {"customer": customer, "notices": notices})


# --- types and templates ---


@require_GET
@staff_required(MANAGE)
def types(request: HttpRequest) -> HttpResponse:
    kinds = NotificationType.objects.prefetch_related("templates")
    return render(request, "notifications/types.html", {"types": kinds,
                                                        "rules": NotificationRule.objects.select_related("type")})


@staff_required(MANAGE)
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    kind = get_object_or_404(NotificationType, pk=pk)
    templates = {t.channel: t for t in kind.templates.all()}
    form = TypeForm(request.POST or None, instance=kind)
    template_forms = [(channel, TemplateForm(request.POST or None, prefix=channel, initial={
        "subject": templates[channel].subject, "body": templates[channel].body} if channel in templates else None))
        for channel in AUTO_CHANNELS]
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for _, f in template_forms):
        with transaction.atomic():
            form.save()
            for channel, template_form in template_forms:
                _save_template(kind, channel, template_form.cleaned_data)
        messages.success(request, "Тип уведомления и шаблоны сохранены.")
        return redirect("notifications:types")
    return render(request, "notifications/type_edit.html", {
        "kind": kind, "form": form, "template_forms": [(Channel(c).label, c, f) for c, f in template_forms]},
        status=400 if request.method == "POST" else 200)


def _save_template(kind: NotificationType, channel: str, data: dict) -> None:
    if not data["body"].strip():
        NotificationTemplate.objects.filter(type=kind, channel=channel).delete()
        return
    NotificationTemplate.objects.update_or_create(type=kind, channel=channel,
                                                  defaults={"subject": data["subject"], "body": data["body"]})


@require_GET
@staff_required(MANAGE)
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The type's template for a channel rendered for a sample customer, with the variables it gets."""
    kind = get_object_or_404(NotificationType, pk=pk)
    form = PreviewForm(request.GET or None)
    channel, customer = Channel.EMAIL, None
    if form.is_valid():
        channel, customer = form.cleaned_data["channel"], form.cleaned_data["customer"]
    elif form.is_bound:
        return render(request, "notifications/preview.html", {"kind": kind, "form": form}, status=400)
    customer = customer or sample_customers().order_by("pk").first()
    template = kind.templates.filter(channel=channel).first()
    result, variables, error = None, [], ""
    if customer is not None and template is not None:
        account = BillingAccount.objects.filter(contract__customer=customer).order_by("-is_active", "pk").first()
        record_access(customer, "пример уведомления (предпросмотр шаблона)")
        context = rendering.context_for(customer=customer, account=account,
                                        **sample_context(kind.code, customer, account))
        try:
            result = rendering.render(subject=template.subject, body=template.body, context=context)
            variables = rendering.variables(context)
        except Exception as exc:  # noqa: BLE001 - a head's template error is shown, not a 500
            error = f"Шаблон не удалось применить: {exc}"
    return render(request, "notifications/preview.html", {
        "kind": kind, "form": form, "channel": Channel(channel).label, "customer": customer, "template": template,
        "result": result, "variables": variables, "error": error})


# --- daily rules ---


@staff_required(MANAGE)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(NotificationRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Правило сохранено.")
        return redirect("notifications:types")
    return render(request, "notifications/rule_edit.html", {"form": form, "rule": rule},
                  status=400 if request.method == "POST" else 200)


@require_POST
@staff_required(MANAGE)
def rule_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Runs the rule for today now (what the 9:00 run does); already notified occasions are skipped."""
    from django.utils import timezone

    rule = get_object_or_404(NotificationRule, pk=pk, is_active=True)
    batches = tasks.start_rule(rule.pk, timezone.localdate().isoformat())
    messages.success(request, f"Правило «{rule}» запущено: пакетов — {batches}. Уже отправленные уведомления "
                              "не повторяются.")
    return redirect("notifications:types")


# --- campaigns ---


@require_GET
@staff_required(MANAGE)
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = Campaign.objects.select_related("type", "created_by", "approved_by")[:200]
    return render(request, "notifications/campaigns.html", {"campaigns": rows})


@staff_required(MANAGE)
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    if campaign is not None and campaign.status != Campaign.Status.DRAFT:
        messages.error(request, "Изменять можно только черновик рассылки.")
        return redirect("notifications:campaign", pk=campaign.pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        campaign = form.save(commit=False)
        if campaign.pk is None:
            campaign.created_by = request.user
        campaign.save()
        messages.success(request, "Рассылка сохранена. Выполните пробный подсчёт получателей.")
        return redirect("notifications:campaign", pk=campaign.pk)
    return render(request, "notifications/campaign_form.html", {"form": form, "campaign": campaign},
                  status=400 if request.method == "POST" else 200)


@require_GET
@staff_required(MANAGE)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("type", "created_by", "approved_by"), pk=pk)
    stats = []
    if campaign.status in (Campaign.Status.SENDING, Campaign.Status.DONE):
        counts = dict(campaign.notifications.values_list("status").annotate(n=Count("pk")))
        stats = [(label, counts[value]) for value, label in Notification.Status.choices if value in counts]
    sample_customer, samples = None, []
    if campaign.status == Campaign.Status.DRAFT:
        sample_customer, samples = campaigns.sample(campaign)
        if sample_customer is not None:
            record_access(sample_customer, f"пример уведомления рассылки «{campaign}»")
    dry_run = request.session.pop(f"campaign-dry-run-{campaign.pk}", None)
    if dry_run:
        dry_run["by_channel"] = [(Channel(channel).label, n) for channel, n in dry_run["by_channel"].items()]
    return render(request, "notifications/campaign.html", {
        "campaign": campaign, "stats": stats, "can_approve": request.user.has_perm(APPROVE),
        "dry_run": dry_run, "sample_customer": sample_customer, "samples": samples})


@require_POST
@staff_required(MANAGE)
def campaign_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    result = campaigns.dry_run(campaign)
    request.session[f"campaign-dry-run-{campaign.pk}"] = result
    messages.success(request, f"Пробный подсчёт: клиентов — {result['customers']}, уведомлений — "
                              f"{result['notices']}. Ничего не отправлено.")
    return redirect("notifications:campaign", pk=campaign.pk)


@require_POST
@staff_required(APPROVE)
def campaign_approve(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaigns.approve(campaign=campaign, approved_by=request.user)
    except campaigns.CampaignError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Рассылка утверждена и запущена.")
    return redirect("notifications:campaign", pk=campaign.pk)


@require_POST
@staff_required(MANAGE)
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        campaigns.cancel(campaign=campaign, cancelled_by=request.user)
    except campaigns.CampaignError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Рассылка отменена.")
    return redirect("notifications:campaign", pk=campaign.pk)


# --- the warning before limitation ---


@staff_required(MANAGE)
def limitation(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Sends the mandatory warning before limiting supply by every channel the customer can be reached by."""
    customer = get_object_or_404(Customer, pk=customer_id)
    form = LimitationForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        account, day = form.cleaned_data["account"], form.cleaned_data["limitation_date"]
        balance = Balance.objects.filter(account=account).order_by("-as_of").first()
        if balance is None or balance.amount <= 0:
            form.add_error("account", "По последнему сальдо из биллинга задолженности по этому счёту нет.")
        else:
            result = compose.notify(type_code="debt_limitation", customer=customer, account=account,
                                    key=f"a{account.pk}:{day.isoformat()}:{balance.as_of.isoformat()}",
                                    debt=balance.amount, overdue=balance.overdue, as_of=balance.as_of,
                                    limitation_date=day)
            if result.created:
                messages.success(request, f"Уведомление об ограничении направлено: {result.created} "
                                          "(по всем доступным каналам).")
            else:
                messages.info(request, "Такое уведомление уже направлялось; повторно не отправлено.")
            return redirect(customer.get_absolute_url())
    record_access(customer, "уведомление об ограничении: сальдо лицевых счетов")
    return render(request, "notifications/limitation.html", {"customer": customer, "form": form},
                  status=400 if request.method == "POST" else 200)
