"""`Idempotency-Key` for the API's writes: one key, one effect. The first request's effect and its key
record commit together; a retry with the same request gets the same appeal back, the same key with
another request is refused with 409. The service's own source key (`api:<user>:<key>`) makes two
concurrent first requests register once."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from abonent.api.errors import ApiError
from abonent.api.models import IdempotencyRecord
from abonent.appeals.models import Appeal
from abonent.users.models import User


def source_key(user: User, key: str) -> str:
    return f"api:{user.pk}:{key}"


def request_hash(operation: str, body: dict[str, Any]) -> str:
    canonical = json.dumps({"operation": operation, "body": body}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _conflict(key: str) -> ApiError:
    return ApiError(409, f"Ключ идемпотентности «{key}» уже использован с другим запросом. "
                         "Для нового запроса передайте новый ключ.", field="Idempotency-Key")


def _replay(record: IdempotencyRecord, body_hash: str) -> Appeal:
    if record.body_hash != body_hash:
        raise _conflict(record.key)
    return record.appeal


def run_once(*, user: User, key: str, body_hash: str, action: Callable[[], tuple[Appeal, bool]]) -> tuple[Appeal, bool]:
    """Runs `action` (which returns the appeal it touched and whether it did something new) once per key;
    returns (appeal, True) the first time and (the same appeal, False) on a retry."""
    record = IdempotencyRecord.objects.select_related("appeal").filter(user=user, key=key).first()
    if record is not None:
        return _replay(record, body_hash), False
    with transaction.atomic():
        appeal, created = action()
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(user=user, key=key, body_hash=body_hash, appeal=appeal)
        except IntegrityError:
            # A concurrent request with this key committed first; its answer stands.
            record = IdempotencyRecord.objects.select_related("appeal").get(user=user, key=key)
            return _replay(record, body_hash), False
    return appeal, created
