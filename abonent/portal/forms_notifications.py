"""Portal forms of notification settings (standard 3.5.4): which channel for which notice, and contacts."""

from django import forms

from abonent.notifications.models import NotificationContact


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label="Что меняем", choices=NotificationContact.Kind.choices,
                             widget=forms.RadioSelect, initial=NotificationContact.Kind.EMAIL)
    value = forms.CharField(label="Новый адрес e-mail или телефон", max_length=254,
                            help_text="На новый адрес придёт письмо с кодом, на новый телефон — звонок с кодом. "
                                      "Контакт начнёт использоваться после подтверждения.")


class ConfirmForm(forms.Form):
    code = forms.CharField(label="Код подтверждения", max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
                           error_messages={"min_length": "Код состоит из 6 цифр.",
                                           "max_length": "Код состоит из 6 цифр."})


def preference_field_name(type_id: int, channel: str) -> str:
    return f"pref_{type_id}_{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per optional type and channel, initial from the customer's choices or the defaults."""

    def __init__(self, *args, types, channels, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = []
        for kind in types:
            row = []
            for channel, label in channels:
                name = preference_field_name(kind.pk, channel)
                self.fields[name] = forms.BooleanField(label=f"{kind.name}: {label}", required=False,
                                                       initial=current.get((kind.pk, channel),
                                                                           channel in kind.default_channels))
                row.append(name)
            self.grid.append((kind, [self[name] for name in row]))
        self.types, self.channels = list(types), list(channels)

    def choices(self) -> dict[tuple[int, str], bool]:
        return {(kind.pk, channel): bool(self.cleaned_data.get(preference_field_name(kind.pk, channel)))
                for kind in self.types for channel, _ in self.channels}
