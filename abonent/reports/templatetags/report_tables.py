from django import template

from abonent.reports.tables import display, kind_of

register = template.Library()


@register.simple_tag
def cell(row: dict | None, column) -> str:
    """A figure of a report table as Russian readers expect it ("1 234", "66,7 %", "4 мин 05 с")."""
    if not row:
        return ""
    return display(row.get(column.key), kind_of(row, column), signed=column.signed)
