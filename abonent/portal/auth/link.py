"""Linking billing accounts to the login: at once by the code from the invoice, or by a request that
staff approve. The page also lists the login's accounts and requests."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from abonent.customers import linking
from abonent.customers.models import PortalAccess
from abonent.portal.decorators import customer_required
from abonent.portal.forms_auth import LinkByCodeForm, LinkRequestForm


def _link_request(data: dict) -> linking.LinkRequest:
    return linking.LinkRequest(contract_number=data["contract_number"], inn=data["inn"],
                               code=data.get("code", ""), account_number=data.get("account_number", ""))


@customer_required
@never_cache
def link_account_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    which = request.POST.get("form") if request.method == "POST" else None
    code_form = LinkByCodeForm(request.POST if which == "code" else None, prefix="code")
    request_form = LinkRequestForm(request.POST if which == "request" else None, prefix="request")
    status = 200
    if which == "code" and code_form.is_valid():
        try:
            access = linking.link_by_code(user=user, request=_link_request(code_form.cleaned_data),
                                          role=code_form.cleaned_data["role"])
        except linking.LinkError as error:
            code_form.add_error(None, error.message)
            status = 400
        else:
            messages.success(request, f"Лицевой счёт № {access.account.number} ({access.account.contract.customer}) "
                                      f"подключён, ваша роль — {access.get_role_display()}.")
            return redirect("portal:link_account")
    elif which == "request" and request_form.is_valid():
        data = request_form.cleaned_data
        try:
            created = linking.request_access(user=user, request=_link_request(data), role=data["role"],
                                             comment=data["comment"])
        except linking.LinkError as error:
            request_form.add_error(None, error.message)
            status = 400
        else:
            numbers = ", ".join(a.account.number for a in created)
            messages.success(request, f"Заявка отправлена (лицевые счета: {numbers}). Сотрудник рассмотрит её; "
                                      "о решении сообщим по электронной почте.")
            return redirect("portal:link_account")
    elif which is not None:
        status = 400
    accesses = (PortalAccess.objects.filter(user=user).select_related("account__contract__customer")
                .order_by("status", "account__number"))
    until = linking.locked_until(user)
    return render(request, "portal/link/link.html", {
        "code_form": code_form, "request_form": request_form, "accesses": accesses,
        "locked_until": timezone.localtime(until) if until else None,
    }, status=status)
