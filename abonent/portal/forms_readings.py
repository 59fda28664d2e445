"""The portal's reading form. Only the shape of the input is checked here: the
value itself (number format, window, previous reading, capacity, jumps) is judged by billing.readings."""

from django import forms

from abonent.billing.readings import ReadingError, parse_value


def _same_number(a: str, b: str) -> bool:
    try:
        return parse_value(a) == parse_value(b)
    except ReadingError:
        return False


class ReadingForm(forms.Form):
    """One meter's reading; the page shows one such form per meter, prefixed by the meter's id."""

    value = forms.CharField(
        label="Показание", max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "например, 12345,6"}),
        error_messages={"required": "Укажите показание прибора.", "max_length": "Слишком длинное значение."},
    )
    confirm_jump = forms.BooleanField(label="Я проверил(а) показание, оно верное", required=False)
    # The value the confirmation was asked about: a changed value is checked afresh.
    asked_value = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def confirmed(self) -> bool:
        data = self.cleaned_data
        return data["confirm_jump"] and _same_number(data["asked_value"], data["value"])

    @staticmethod
    def prefix_for(meter_id: int) -> str:
        return f"m{meter_id}"

