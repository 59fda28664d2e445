from decimal import Decimal

from django import template

from abonent.core import text
from abonent.core.validators import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+73852501240 -> 8 (3852) 50-12-40; anything else as it was typed."""
    return format_phone(value or "")


@register.filter
def money(value) -> str:
    return text.money(Decimal(value)) if value not in (None, "") else ""
