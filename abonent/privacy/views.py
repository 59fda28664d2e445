"""Staff pages: finding a data subject and downloading everything held on them (the audit head and the IT
administrator), the retention periods with the dry run and the acts of destruction (the IT administrator),
and legal holds (the heads and the IT administrator)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from abonent.core.audit import record_access
from abonent.core.permissions import staff_required
from abonent.privacy import permissions, retention, services, subjects
from abonent.privacy.export import service as export_service
from abonent.privacy.forms import ExportForm, LegalHoldForm, ReleaseForm, RetentionPolicyForm, SearchForm
from abonent.privacy.models import LegalHold, RetentionPolicy, RetentionRun, SubjectExport


def zip_response(export: export_service.Export) -> HttpResponse:
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required(permissions.EXPORT)
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    candidates = subjects.find(form.cleaned_data["q"]) if form.is_valid() else []
    exports = []
    if request.user.has_perm(permissions.VIEW_EXPORTS):
        exports = SubjectExport.objects.select_related("requested_by")[:20]
    response = render(request, "privacy/index.html", {
        "form": form, "candidates": candidates, "searched": form.is_valid() and form.cleaned_data["q"],
        "exports": exports})
    response["Cache-Control"] = "no-store"
    return response


@staff_required(permissions.EXPORT)
def subject(request: HttpRequest) -> HttpResponse:
    ref = request.GET.get("ref", "")
    try:
        found = subjects.resolve(ref)
    except subjects.SubjectNotFound as error:
        raise Http404(error.message) from None
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = export_service.export_subject(subject=found, requested_by=request.user,
                                                   reason=form.cleaned_data["reason"])
        except export_service.ExportRefused as error:
            form.add_error("reason", error.message)
        else:
            return zip_response(export)
    if found.primary is not None:
        record_access(found.primary, "предварительный просмотр выгрузки персональных данных")
    collected = export_service.preview(found)
    response = render(request, "privacy/subject.html", {
        "subject": found, "form": form, "sections": collected.sections, "files": len(collected.files)},
        status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


def _may_see_retention(user) -> bool:
    return user.has_perm(permissions.RETENTION) or user.has_perm(permissions.VIEW_ACTS)


@staff_required()
def retention_page(request: HttpRequest) -> HttpResponse:
    if not _may_see_retention(request.user):
        raise PermissionDenied("Недостаточно прав для этого действия.")
    retention.ensure_policies()
    policies = list(RetentionPolicy.objects.select_related("updated_by"))
    may_edit = request.user.has_perm(permissions.RETENTION)
    rows = [(p, RetentionPolicyForm(instance=p, prefix=p.kind) if may_edit else None) for p in policies]
    return render(request, "privacy/retention.html", {
        "rows": rows, "plan": retention.plan(examples=5), "acts": RetentionRun.objects.all()[:20],
        "may_edit": may_edit})


@require_POST
@staff_required(permissions.RETENTION)
def policy_update(request: HttpRequest, kind: str) -> HttpResponse:
    policy = get_object_or_404(RetentionPolicy, kind=kind)
    form = RetentionPolicyForm(request.POST, instance=RetentionPolicy.objects.get(pk=policy.pk), prefix=kind)
    if form.is_valid():
        try:
            services.update_policy(policy=policy, months=form.cleaned_data["months"],
                                   is_active=form.cleaned_data["is_active"], basis=form.cleaned_data["basis"],
                                   by=request.user)
        except services.PrivacyError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Срок хранения «{policy.get_kind_display()}» сохранён.")
    else:
        messages.error(request, "Срок не сохранён: " + "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("privacy:retention")


@staff_required()
def act(request: HttpRequest, pk: int) -> HttpResponse:
    if not _may_see_retention(request.user):
        raise PermissionDenied("Недостаточно прав для этого действия.")
    run = get_object_or_404(RetentionRun, pk=pk)
    page = Paginator(run.items.all(), 100).get_page(request.GET.get("page"))
    return render(request, "privacy/act.html", {"run": run, "page": page,
                                                "labels": dict(RetentionPolicy.Kind.choices)})


@staff_required(permissions.LEGAL_HOLD)
def holds(request: HttpRequest) -> HttpResponse:
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hold = services.place_hold(hold_target=services.target(data["kind"], data["value"]),
                                       reason=data["reason"], by=request.user)
        except services.PrivacyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Запрет на уничтожение установлен: {hold.object_repr}.")
            return redirect("privacy:holds")
    active = LegalHold.objects.active().select_related("placed_by")
    released = LegalHold.objects.filter(released_at__isnull=False).select_related("placed_by", "released_by")[:50]
    return render(request, "privacy/holds.html", {"form": form, "active": active, "released": released,
                                                  "release_form": ReleaseForm()},
                  status=400 if form.errors else 200)


@require_POST
@staff_required(permissions.LEGAL_HOLD)
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Укажите основание снятия запрета.")
        return redirect("privacy:holds")
    try:
        services.release_hold(hold=hold, reason=form.cleaned_data["reason"], by=request.user)
    except services.PrivacyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Запрет снят: {hold.object_repr}.")
    return redirect("privacy:holds")
