"""The provider's notification endpoint. The body is never trusted: the request must carry a valid HMAC-SHA256
signature of the body (provider.SIGNATURE_HEADER, settings.PAYMENTS["WEBHOOK_SECRET"]), and even then only the
payment id is taken from it; the payment itself is read back from the provider's API before anything is
applied. A repeated notification finds the payment already applied and changes nothing."""

import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from abonent.billing.payments import provider, services

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    signature = request.headers.get(provider.SIGNATURE_HEADER, "")
    if not provider.signature_is_valid(request.body, signature, settings.PAYMENTS["WEBHOOK_SECRET"]):
        log.warning("payment notification with a bad signature from %s", request.META.get("REMOTE_ADDR"))
        return JsonResponse({"error": "неверная подпись уведомления"}, status=400)
    try:
        event = json.loads(request.body)
        provider_id = str(event["object"]["id"])
        if event.get("type") != "notification" or not str(event.get("event", "")).startswith("payment."):
            raise ValueError(event.get("event"))
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "уведомление не разобрано"}, status=400)
    try:
        state = provider.get_payment(provider_id)
    except provider.ProviderError as error:
        if not error.transient:  # unknown to the provider itself: nothing to apply, do not send it again
            return JsonResponse({"status": "ignored"})
        # The provider repeats a notification that was not answered with 200; the poller is there too.
        return JsonResponse({"error": "платёжный сервис недоступен, повторите позже"}, status=503)
    payment = services.apply_provider_state(state, source="webhook")
    return JsonResponse({"status": payment.status if payment else "ignored"})
