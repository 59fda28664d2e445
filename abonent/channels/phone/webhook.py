"""The PBX's endpoints (docs/pbx.md): events in (Zammad «Generic CTI» compatible), «are we open?», and the
outbound auto-informing queue. Authenticated by the token in the URL; answers are JSON, refusals carry a
Russian `detail`. Idempotent: a repeated event or result changes nothing."""

import json
import logging
import math
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from abonent.channels.phone import outbound, services
from abonent.channels.phone.events import PayloadError, parse, payload_from_form
from abonent.channels.phone.models import OutboundCall
from abonent.core.text import is_storable

security_log = logging.getLogger("abonent.security")
MAX_BODY = 64 * 1024


def _refuse(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def pbx_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A token from the URL that is unknown or revoked is a 403 (logged without the token)."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        if services.check_pbx_token(token) is None:
            security_log.warning("PBX webhook refused: unknown or revoked token; %s %s from %s",
                                 request.method, request.path.replace(token, "…"),
                                 request.META.get("REMOTE_ADDR", "-"))
            return _refuse(403, "Токен АТС недействителен: неизвестен или отозван.")
        return view(request, *args, **kwargs)

    return wrapped


def _not_a_number(constant: str):
    raise PayloadError(f"Число {constant} не принимается: нужны конечные числа.")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise PayloadError(f"Число {text[:40]} слишком велико.")
    return number


def _check_storable(value, name: str = "") -> None:
    """The payload is stored as it came (PbxEvent.raw) and its fields in text columns: a value no database
    stores (NUL, a lone surrogate) is refused rather than changed, so the PBX sees which event was not taken."""
    if isinstance(value, str) and not is_storable(value):
        where = f"Поле «{name[:40]}»" if name else "Имя поля"
        raise PayloadError(f"{where} содержит недопустимый символ (NUL или одиночный суррогат).")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key)
            _check_storable(item, key)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item, name)


def _payload(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise PayloadError("Слишком большой запрос.")
    try:
        if request.content_type == "application/json":
            # NaN, Infinity and 1e999, which Python's json reads, are not JSON to jsonb.
            data = json.loads(request.body or b"null", parse_constant=_not_a_number, parse_float=_finite)
            if not isinstance(data, dict):
                raise PayloadError("Ожидается объект JSON.")
        else:
            data = payload_from_form(request.POST)
        _check_storable(data)
    except PayloadError:
        raise
    except RecursionError:
        raise PayloadError("Слишком глубокая вложенность JSON.") from None
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("Тело запроса — не JSON.") from None
    return data


@pbx_endpoint
@require_POST
def event(request: HttpRequest) -> HttpResponse:
    try:
        data = parse(_payload(request))
    except PayloadError as error:
        return _refuse(400, str(error))
    ingest = services.ingest_event(data)
    if data.event == "newCall" and ingest.reject:
        return JsonResponse({"action": "reject", "reason": "busy"})
    return JsonResponse({})


@pbx_endpoint
@require_GET
def line_open(request: HttpRequest) -> HttpResponse:
    return JsonResponse(services.line_status(timezone.now()), json_dumps_params={"ensure_ascii": False})


def _outbound_json(call: OutboundCall) -> dict:
    return {"id": call.pk, "number": call.number, "message_text": call.message_text,
            "audio_template": call.audio_template, "source": call.source, "attempt": call.attempts,
            "max_attempts": call.max_attempts}


@pbx_endpoint
@require_GET
def outbound_fetch(request: HttpRequest) -> HttpResponse:
    raw_limit = request.GET.get("limit", "10")
    if not raw_limit.isdigit() or int(raw_limit) < 1:
        return _refuse(400, "Параметр limit — целое число от 1 до 50.")
    calls = outbound.claim_outbound(int(raw_limit))
    return JsonResponse({"calls": [_outbound_json(c) for c in calls]}, json_dumps_params={"ensure_ascii": False})


@pbx_endpoint
@require_POST
def outbound_result(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(OutboundCall, pk=pk)
    try:
        data = _payload(request)
    except PayloadError as error:
        return _refuse(400, str(error))
    result, detail = data.get("result"), data.get("detail", "")
    if not isinstance(result, str) or not isinstance(detail, str):
        return _refuse(400, "Нужно поле «result»: answered, busy, no_answer или failed.")
    try:
        call = outbound.record_outbound_result(outbound=call, result=result, detail=detail)
    except services.PhoneError as error:
        return _refuse(400 if error.field else 409, error.message)
    return JsonResponse({"id": call.pk, "status": call.status, "attempts": call.attempts,
                         "next_attempt_at": call.next_attempt_at.isoformat()
                         if call.status == OutboundCall.Status.QUEUED else None})
