"""The filters notice templates may use besides Django's built-ins: Russian money, dates and phones."""

import datetime
from decimal import Decimal, InvalidOperation

from django import template

from abonent.core import text
from abonent.core.validators import format_phone

register = template.Library()


@register.filter
def money(value) -> str:
    """1234.5 -> «1 234,50 ₽»."""
    try:
        return text.money(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def date_long(value) -> str:
    """date -> «15» мая 2026 г."""
    return text.date_long(value) if isinstance(value, datetime.date) else ""


@register.filter
def phone(value) -> str:
    return format_phone(value or "")


@register.filter
def days(value) -> str:
    """3 -> «3 календарных дня»."""
    try:
        return text.days_text(int(value))
    except (TypeError, ValueError):
        return ""
