"""The shape of an export: sections of items, each item a mapping of field names to values (nested lists for
an appeal's messages, replies and files), with the Russian label of every field for the readable summary."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone


@dataclass
class ExportFile:
    """A stored file copied into the archive at `path` (None: not available, `note` says why)."""

    path: str | None
    storage_name: str
    size: int
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    labels: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def add(self, item: dict[str, Any]) -> dict[str, Any]:
        self.items.append(item)
        return item


def label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def values(instance: models.Model, names: list[str], labels: dict[str, str], *, prefix: str = "") -> dict:
    """The named fields of a row (the display value of a choice, the text of a foreign key), registering
    their labels."""
    result: dict[str, Any] = {}
    for name in names:
        model_field = instance._meta.get_field(name)
        key = f"{prefix}{name}"
        labels.setdefault(key, str(model_field.verbose_name))
        if model_field.choices:
            value = getattr(instance, f"get_{name}_display")()
        elif model_field.is_relation:
            related = getattr(instance, name)
            value = str(related) if related is not None else None
        else:
            value = getattr(instance, name)
        result[key] = value
    return result


def to_json(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} байт>"
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_json(v) for v in value]
    return value


def to_text(value: Any) -> str:
    """A value as the Russian summary prints it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, list | tuple | set):
        return ", ".join(to_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {to_text(v)}" for k, v in value.items())
    return str(value)


@dataclass
class DisplayItem:
    rows: list[tuple[str, str]]
    lists: list[tuple[str, list[list[tuple[str, str]]]]]


def display(section: Section) -> list[DisplayItem]:
    """The section's items as the summary prints them: labelled text rows and labelled nested tables."""
    result = []
    for item in section.items:
        rows, lists = [], []
        for key, value in item.items():
            name = section.labels.get(key, key)
            if isinstance(value, list) and (not value or isinstance(value[0], dict)):
                if value:
                    lists.append((name, [[(section.labels.get(k, k), to_text(v)) for k, v in row.items()]
                                         for row in value]))
            else:
                rows.append((name, to_text(value)))
        result.append(DisplayItem(rows, lists))
    return result
