"""The head's control screen (standard, section 4): missed and near deadlines by department and
executor, conflicts, complaints by urgency, extensions, decisions under control and notices of
non-consideration still to be sent."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from abonent.appeals import selectors
from abonent.core.permissions import staff_required


@staff_required("appeals.control_appeals")
@require_GET
def control(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    horizon = selectors.due_soon_horizon(now)
    lists = selectors.control_lists(request.user, now=now, horizon=horizon)
    workload = selectors.workload(request.user, now=now, horizon=horizon)
    totals = {key: sum(row[key] for row in workload) for key in ("total", "overdue", "due_soon", "extended")}
    context = {
        **lists,
        "workload": workload,
        "totals": totals,
        "now": now,
        "horizon": horizon,
        "today": timezone.localdate(),
    }
    return render(request, "appeals/control.html", context)
