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
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
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
    """Refuses, with the reason in Russian, a template that does not compile or cannot render: an include or
    extends compiles but would fail every notice of its type when sent."""
    for field, source in (("subject", subject), ("body", body)):
        try:
            engine().from_string(source).render(Context({}, autoescape=False))
        except TemplateSyntaxError as error:
            raise ValidationError({field: f"Ошибка в шаблоне: {syntax_error_text(str(error))}."}) from None
        except TemplateDoesNotExist:
            raise ValidationError({field: "Ошибка в шаблоне: подключать другие шаблоны ({% include %}, "
                                          "{% extends %}) в уведомлениях нельзя."}) from None


# Django's template errors are in English; the heads read them in Russian.
_SYNTAX_ERRORS = [
    (r"Unclosed tag on line (?P<line>\d+): '(?P<tag>[^']+)'\. Looking for one of: .*?(?P<end>end\w+)",
     "не закрыт тег «{tag}» (строка {line}): нужен {{% {end} %}}"),
    (r"Invalid block tag on line (?P<line>\d+): '(?P<tag>[^']+)'",
     "неизвестный или лишний тег «{tag}» (строка {line})"),
    (r"Invalid filter: '(?P<name>[^']+)'",
     "неизвестный фильтр «{name}» (есть фильтры Django и money, date_long, phone, days)"),
    (r"'(?P<name>[^']+)' is not a registered tag library",
     "подключать библиотеки тегов ({{% load %}}) в уведомлениях нельзя"),
    (r"Could not parse the remainder: '.*' from '(?P<expr>.*)'$", "не удалось разобрать «{expr}»"),
    (r"Empty variable tag on line (?P<line>\d+)", "пустая переменная {{{{ }}}} (строка {line})"),
    (r"Unexpected end of expression in if tag", "в условии {{% if %}} не хватает выражения"),
    (r"'for' statements should", "тег {{% for %}} пишется так: {{% for d in documents %}}"),
]


def syntax_error_text(message: str) -> str:
    for pattern, explanation in _SYNTAX_ERRORS:
        found = re.search(pattern, message)
        if found:
            return explanation.format(**found.groupdict())
    return "проверьте написание тегов {% … %} и переменных {{ … }}"


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


@dataclass(frozen=True)
class Variable:
    """One variable a template may use: how to write it (with the filter that formats it the Russian way) and
    what it gives for the sample."""

    expression: str
    value: str


def _expression(name: str, value) -> str:
    if isinstance(value, Decimal):
        return f"{{{{ {name}|money }}}}"
    if isinstance(value, datetime.date):
        return f"{{{{ {name}|date:'d.m.Y' }}}}"
    return f"{{{{ {name} }}}}"


def variables(context: Mapping, prefix: str = "") -> list[Variable]:
    """The variables of a rendering context, nested ones by their dotted names, each rendered by the sandbox
    as a template would write it; a list of records as its loop and the fields of one record."""
    found = []
    for name, value in context.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            found += variables(value, f"{path}.")
        elif isinstance(value, (list, tuple)):
            item = value[0] if value and isinstance(value[0], Mapping) else None
            loop = f"{{% for d in {path} %}}…{{% endfor %}}" if item is not None else f"{{{{ {path}|join:', ' }}}}"
            found.append(Variable(loop, f"элементов: {len(value)}"))
            if item is not None:
                found += variables({"d": item})
        elif value is not None:
            expression = _expression(path, value)
            scope = context if not prefix else _nest(prefix, context)
            found.append(Variable(expression, render(subject="", body=expression, context=scope).body))
    return found


def _nest(prefix: str, context: Mapping) -> dict:
    """The context `context` sits at under the dotted `prefix` ("customer." → {"customer": context})."""
    nested: dict = dict(context)
    for part in reversed(prefix.rstrip(".").split(".")):
        nested = {part: nested}
    return nested
