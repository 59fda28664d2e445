"""Report pages and their exports. Every page and export reads the same filter from the query string; the
figures are computed by the queries modules, the files by exports."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from abonent.appeals.selectors import sees_all_appeals
from abonent.core.permissions import staff_required
from abonent.reports import dispatch, exports, registry
from abonent.reports import monthly as monthly_report
from abonent.reports.filters import ReportFilter, ReportFilterForm
from abonent.reports.forms import ProposalsForm, SendForm
from abonent.reports.models import MonthlyReport, ReportDispatch
from abonent.reports.periods import add_months, month_key, month_start

VIEW = "reports.view_reports"
WRITE = "reports.write_proposals"
FORMATS = {"xlsx": exports.XLSX_TYPE, "pdf": "application/pdf"}


def _filter(request: HttpRequest, *, monthly_only: bool) -> tuple[ReportFilterForm, ReportFilter | None]:
    user = request.user
    if not sees_all_appeals(user) and user.department_id is None:
        raise PermissionDenied("Отчёты по подразделению доступны сотрудникам, закреплённым за подразделением.")
    this_month = month_start(timezone.localdate())
    default = add_months(this_month, -1) if monthly_only else this_month
    form = ReportFilterForm(request.GET or None, user=user, default_month=default, allow_dates=not monthly_only)
    return form, form.report_filter()


def _file(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required(VIEW)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {"reports": registry.available_reports()})


@staff_required(VIEW)
@require_GET
def report(request: HttpRequest, slug: str) -> HttpResponse:
    spec = registry.report(slug)
    form, f = _filter(request, monthly_only=False)
    context = {"spec": spec, "form": form, "filter": f, "reports": registry.available_reports()}
    if f is None:
        return render(request, "reports/report.html", context, status=400)
    section = spec.build(f)
    context["sections"] = exports.chart_rows([section] if section else [])
    return render(request, "reports/report.html", context)


@staff_required(VIEW)
@require_GET
def report_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Такого формата выгрузки нет.")
    spec = registry.report(slug)
    form, f = _filter(request, monthly_only=False)
    if f is None:
        return render(request, "reports/report.html", {"spec": spec, "form": form, "filter": None,
                                                       "reports": registry.available_reports()}, status=400)
    section = spec.build(f)
    doc = exports.Document(title=spec.title, filter=f, sections=[section] if section else [])
    content = exports.to_xlsx(doc) if fmt == "xlsx" else exports.to_pdf(doc)
    return _file(content, fmt, exports.filename(f"report_{slug}", f, fmt))


@staff_required(VIEW)
@require_GET
def monthly(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request, monthly_only=True)
    context = {"form": form, "filter": f, "reports": registry.available_reports()}
    if f is None:
        return render(request, "reports/monthly.html", context, status=400)
    content = monthly_report.build(f)
    record = MonthlyReport.objects.filter(month=f.period.first).first()
    context.update(
        content=content, sections=exports.chart_rows(content.sections), record=record,
        proposals_form=ProposalsForm(initial={"month": month_key(f.period.first), "text": content.proposals}),
        send_form=SendForm(initial={"month": month_key(f.period.first), "token": uuid.uuid4().hex}),
        dispatches=ReportDispatch.objects.filter(report=record).select_related("requested_by")[:10] if record else [],
        recipients=dispatch.recipients() if request.user.has_perm(WRITE) else [],
    )
    return render(request, "reports/monthly.html", context)


@staff_required(VIEW)
@require_GET
def monthly_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Такого формата выгрузки нет.")
    form, f = _filter(request, monthly_only=True)
    if f is None:
        return render(request, "reports/monthly.html", {"form": form, "filter": None,
                                                        "reports": registry.available_reports()}, status=400)
    content = monthly_report.build(f)
    doc = exports.Document(title=content.title, filter=f, sections=content.sections, summary=content.summary,
                           findings=content.findings, proposals=content.proposals)
    data = exports.to_xlsx(doc) if fmt == "xlsx" else exports.to_pdf(doc)
    return _file(data, fmt, exports.filename("monthly_report", f, fmt))


def _back_to(month) -> str:
    return f"{reverse('reports:monthly')}?month={month_key(month)}"


@staff_required(WRITE)
@require_POST
def proposals(request: HttpRequest) -> HttpResponse:
    form = ProposalsForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        month = form.cleaned_data.get("month")
        return redirect(_back_to(month) if month else reverse("reports:monthly"))
    month = form.cleaned_data["month"]
    monthly_report.save_proposals(month=month, text=form.cleaned_data["text"], author=request.user)
    messages.success(request, "Предложения сохранены: они войдут в отчёт и его рассылку.")
    return redirect(_back_to(month))


@staff_required(WRITE)
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    form = SendForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(reverse("reports:monthly"))
    month = form.cleaned_data["month"]
    record, created = dispatch.request_dispatch(
        month=month, key=f"manual:{form.cleaned_data['token']}", trigger=ReportDispatch.Trigger.MANUAL,
        requested_by=request.user)
    record.refresh_from_db()
    if not created:
        messages.info(request, "Этот запрос на рассылку уже принят — повторно отчёт не отправляется.")
    elif record.status == ReportDispatch.Status.FAILED:
        messages.error(request, f"Отчёт не отправлен: {record.error}")
    else:
        messages.success(request, "Отчёт поставлен в рассылку руководителям (PDF и XLSX во вложении).")
    return redirect(_back_to(month))
