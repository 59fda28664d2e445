"""Staff screens of the billing import: upload a file, the list of batches, a batch with its error report."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from abonent.billing import selectors
from abonent.billing.forms import ImportForm
from abonent.billing.importing import Outcome, import_file
from abonent.billing.models import ImportBatch
from abonent.core.permissions import staff_required


@staff_required(selectors.IMPORT)
def imports(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = import_file(content=upload.read(), file_name=upload.name, kind=form.cleaned_data["kind"] or None,
                                 user=request.user, dry_run=form.cleaned_data["dry_run"])
            if result.batch is not None and result.outcome != Outcome.DRY_RUN:
                level = messages.success if result.outcome == Outcome.APPLIED else (
                    messages.warning if result.outcome == Outcome.ALREADY else messages.error)
                level(request, result.summary)
                return redirect("billing:batch", pk=result.batch.pk)
            status = 200 if result.is_ok else 422
        else:
            status = 400
    page = Paginator(selectors.recent_batches(), 25).get_page(request.GET.get("page"))
    return render(request, "billing/imports.html", {"form": form, "page": page, "result": result}, status=status)


@staff_required(selectors.IMPORT)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("imported_by"), pk=pk)
    return render(request, "billing/batch.html", {"batch": batch})
