from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from abonent.core.dashboard import tiles_for
from abonent.core.health import run_checks, uses_database_queue
from abonent.core.models import AuditEntry
from abonent.core.permissions import staff_required


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    context = {"tiles": tiles_for(request.user), "roles": [g.name for g in request.user.groups.all()]}
    return render(request, "core/home.html", context)


@staff_required("core.view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if actor := request.GET.get("actor"):
        entries = entries.filter(actor__username=actor)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page})


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when everything works, 503 with the failing checks."""
    checks = run_checks()
    healthy = all(c.ok for c in checks)
    body = {"status": "ok" if healthy else "fail", "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    response = JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@staff_required("core.view_operations")
def operations(request: HttpRequest) -> HttpResponse:
    """The IT administrator's view of the system: the health checks and the failed background tasks."""
    failures = []
    if uses_database_queue():
        from django_tasks_db.models import DBTaskResult

        failures = DBTaskResult.objects.failed().order_by("-finished_at")[:100]
    return render(request, "core/operations.html", {"checks": run_checks(), "failures": failures})
