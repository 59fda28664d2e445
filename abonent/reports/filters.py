"""The one filter of every report: the period (a month or dates of one's own choosing, in the
organisation's time zone), the department and the channel. The same GET parameters drive the page, its
XLSX and its PDF, so an export always holds what the page showed."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from abonent.appeals.selectors import sees_all_appeals
from abonent.organisation.models import Channel, Department
from abonent.reports.periods import Period, add_months, month_key, month_start, month_title, parse_month

MONTHS_OFFERED = 36
MAX_DAYS = 366


@dataclass(frozen=True)
class ReportFilter:
    period: Period
    department: Department | None = None
    channel: str = ""

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel else ""

    def params(self) -> dict[str, str]:
        if self.period.is_month:
            params = {"month": month_key(self.period.first)}
        else:
            params = {"date_from": self.period.first.isoformat(), "date_to": self.period.last.isoformat()}
        if self.department is not None:
            params["department"] = str(self.department.pk)
        if self.channel:
            params["channel"] = self.channel
        return params

    @property
    def querystring(self) -> str:
        return urlencode(self.params())

    def description(self) -> list[tuple[str, str]]:
        """The filter as the header of a page, a PDF and an XLSX reads it."""
        return [
            ("Период", f"{self.period.title} ({self.period.first:%d.%m.%Y} — {self.period.last:%d.%m.%Y})"),
            ("Подразделение", str(self.department) if self.department else "все подразделения"),
            ("Канал поступления", self.channel_label or "все каналы"),
        ]

    @property
    def slug(self) -> str:
        parts = [self.period.slug]
        if self.department is not None:
            parts.append(self.department.code)
        if self.channel:
            parts.append(self.channel)
        return "_".join(parts)


def month_choices(today: dt.date) -> list[tuple[str, str]]:
    current = month_start(today)
    months = (add_months(current, -n) for n in range(MONTHS_OFFERED))
    return [(month_key(m), month_title(m).capitalize()) for m in months]


class ReportFilterForm(forms.Form):
    month = forms.ChoiceField(label="Месяц", required=False)
    date_from = forms.DateField(label="с", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "Введите дату в формате ДД.ММ.ГГГГ."})
    date_to = forms.DateField(label="по", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "Введите дату в формате ДД.ММ.ГГГГ."})
    department = forms.ModelChoiceField(label="Подразделение", queryset=Department.objects.none(), required=False,
                                        empty_label="все подразделения",
                                        error_messages={"invalid_choice": "Такого подразделения нет в списке."})
    channel = forms.ChoiceField(label="Канал", required=False, choices=[("", "все каналы"), *Channel.choices],
                                error_messages={"invalid_choice": "Такого канала нет в списке."})

    def __init__(self, data=None, *, user, default_month: dt.date, allow_dates: bool = True):
        super().__init__(data)
        today = timezone.localdate()
        self.default_month = month_start(default_month)
        self.allow_dates = allow_dates
        self.fields["month"].choices = month_choices(today)
        self.fields["month"].initial = month_key(self.default_month)
        self.fields["month"].error_messages["invalid_choice"] = "Выберите месяц из списка."
        self.fields["month"].help_text = ""
        # Who sees every appeal sees every department's figures; anyone else only those of their own.
        self.limited_department = None if sees_all_appeals(user) else user.department
        departments = Department.objects.order_by("name")
        if not sees_all_appeals(user):
            departments = departments.filter(pk=user.department_id)
            self.fields["department"].empty_label = None
        self.fields["department"].queryset = departments
        if not allow_dates:
            del self.fields["date_from"], self.fields["date_to"]

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if self.allow_dates and (date_from or date_to) and not self.errors:
            if not (date_from and date_to):
                raise forms.ValidationError("Для своего периода укажите обе даты: начало и окончание.")
            if date_from > date_to:
                raise forms.ValidationError("Дата начала периода позже даты окончания.")
            if (date_to - date_from).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"Период отчёта — не длиннее {MAX_DAYS} дней.")
        return data

    def report_filter(self) -> ReportFilter | None:
        """The filter the form asks for: the defaults when nothing was sent, None when the input is wrong
        (the form then holds the errors to show)."""
        if not self.is_bound:
            return ReportFilter(period=Period.month(self.default_month), department=self.limited_department)
        if not self.is_valid():
            return None
        data = self.cleaned_data
        if self.allow_dates and data.get("date_from") and data.get("date_to"):
            period = Period(data["date_from"], data["date_to"])
        else:
            period = Period.month(parse_month(data.get("month") or "") or self.default_month)
        department = data.get("department") or self.limited_department
        return ReportFilter(period=period, department=department, channel=data.get("channel") or "")
