from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abonent.core.dashboard import tiles_for
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
