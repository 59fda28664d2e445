"""The portal login's own export: a page under /privacy/my/ reached from the portal's profile. The password is
asked again first (as before any change of e-mail or password), and only what the login has proven is searched:
the login itself and its confirmed e-mail address."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from abonent.core.audit import record_access
from abonent.portal.auth.common import recent_password_required
from abonent.portal.decorators import customer_required
from abonent.privacy import subjects
from abonent.privacy.export import service as export_service
from abonent.privacy.models import SubjectExport
from abonent.privacy.views import zip_response

PORTAL_REASON = "запрос субъекта персональных данных через личный кабинет (152-ФЗ, ст. 14)"
# Building an archive (a PDF, copies of files) is heavy: one per login in this interval is plenty.
PORTAL_INTERVAL = datetime.timedelta(minutes=2)


@customer_required
@recent_password_required
def my_data(request: HttpRequest) -> HttpResponse:
    subject = subjects.for_login(request.user, self_service=True)
    if request.method == "POST":
        recent = SubjectExport.objects.filter(via=SubjectExport.Via.PORTAL, requested_by=request.user,
                                              created_at__gt=timezone.now() - PORTAL_INTERVAL).exists()
        if recent:
            messages.error(request, "Архив только что сформирован. Повторить выгрузку можно через две минуты.")
            return redirect("privacy:my_data")
        try:
            export = export_service.export_subject(subject=subject, requested_by=request.user, reason=PORTAL_REASON,
                                                   via=SubjectExport.Via.PORTAL)
        except export_service.ExportRefused as error:
            messages.error(request, error.message)
            return redirect("privacy:my_data")
        return zip_response(export)
    record_access(request.user, "личный кабинет: состав персональных данных для выгрузки")
    collected = export_service.preview(subject)
    previous = SubjectExport.objects.filter(via=SubjectExport.Via.PORTAL, requested_by=request.user)[:10]
    return render(request, "privacy/my_data.html", {
        "subject": subject, "sections": collected.sections, "files": len(collected.files), "previous": previous})
