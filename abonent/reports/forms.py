from django import forms
from django.utils import timezone

from abonent.reports.periods import month_start, parse_month


class MonthField(forms.CharField):
    """A month as "ГГГГ-ММ", not later than the current one."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError("Месяц указывается как ГГГГ-ММ.")
        if month > month_start(timezone.localdate()):
            raise forms.ValidationError("Отчёт за будущий месяц ещё не составить.")
        return month


class ProposalsForm(forms.Form):
    month = MonthField(widget=forms.HiddenInput, error_messages={"required": "Не указан месяц отчёта."})
    text = forms.CharField(label="Предложения по улучшению обслуживания", required=False, max_length=10_000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"max_length": "Не длиннее %(limit_value)d знаков (сейчас %(show_value)d)."})


class SendForm(forms.Form):
    month = MonthField(widget=forms.HiddenInput, error_messages={"required": "Не указан месяц отчёта."})
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput,
                             error_messages={"required": "Обновите страницу и повторите отправку.",
                                             "invalid": "Обновите страницу и повторите отправку."})
