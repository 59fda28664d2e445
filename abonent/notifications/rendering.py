"""Notice templates are written by the heads in Django template syntax and rendered in a sandbox: an engine
of its own with no template loaders (no include/extends of files), no loadable libraries, and a context of
plain values (dicts, strings, numbers, dates) built by `context_for`, never model instances, so a template
can reach only the variables the sender passes."""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone

from abonent.core import text

BUILTINS = ["abonent.notifications.template_filters"]


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine(loaders=[], libraries={}, builtins=BUILTINS, autoescape=False, string_if_invalid="",
                  debug=False)


@lru_cache(maxsize=512)
def _compiled(source: str):
    return engine().from_string(source)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def check_template(*, subject: str, body: str) -> None:
    """Refuses a template that does not compile, with the reason in Russian."""
    for field, source in (("subject", subject), ("body", body)):
        try:
            engine().from_string(source)
        except TemplateSyntaxError as error:
            raise ValidationError({field: f"Ошибка в шаблоне: {error}"}) from None


def render(*, subject: str, body: str, context: Mapping) -> Rendered:
    ctx = Context(dict(context), autoescape=False)
    rendered_subject = _compiled(subject).render(ctx) if subject else ""
    # Line breaks a template leaves in a subject are folded; the money's no-break spaces stay.
    subject_line = re.sub(r"[ \t\r\n]+", " ", rendered_subject).strip()
    return Rendered(subject=subject_line[:300], body=_compiled(body).render(ctx).strip())


def plain(value):
    """Model-free values only: what a template may see."""
    if value is None or isinstance(value, (str, int, float, bool, Decimal, datetime.date)):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    raise TypeError(f"not a plain template value: {type(value).__name__}")


def customer_vars(customer) -> dict:
    return {"name": customer.name, "short_name": str(customer), "inn": customer.inn, "kpp": customer.kpp,
            "kind": customer.get_kind_display()}


def account_vars(account) -> dict | None:
    if account is None:
        return None
    return {"number": account.number, "address": account.address, "object_name": account.object_name}


def organisation_vars() -> dict:
    from abonent.organisation.models import Organisation

    org = Organisation.current()
    if org is None:
        return {"short_name": "", "phone": "", "site": ""}
    return {"short_name": org.short_name, "phone": org.phone_display, "site": org.site}


def context_for(*, customer, account=None, organisation: dict | None = None, **extra) -> dict:
    return plain({"customer": customer_vars(customer), "account": account_vars(account),
                  "organisation": organisation if organisation is not None else organisation_vars(),
                  "today": timezone.localdate(), **extra})


def money(amount) -> str:
    return text.money(Decimal(amount))
