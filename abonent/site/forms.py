"""The web reception form. It checks what a form can; the appeals service checks the rest, and the
spam checks live in services.py."""

from django import forms

from abonent.appeals.files import ALLOWED_TEXT, IncomingFile
from abonent.appeals.forms import MultipleFileField
from abonent.appeals.models import Kind
from abonent.core.validators import is_valid_inn, normalize_phone
from abonent.organisation.models import Channel, Topic
from abonent.site import services

MAX_FILES = 5
REPLY_CHANNELS = [(Channel.EMAIL, "по электронной почте"), (Channel.POST, "письмом по почте")]


class ReceptionForm(forms.Form):
    """«Задать вопрос»: an appeal from an organisation or a person, with consent to personal-data processing."""

    stamp = forms.CharField(widget=forms.HiddenInput)
    sender_organisation = forms.CharField(label="Организация или индивидуальный предприниматель", max_length=300,
                                          required=False, help_text="Если обращаетесь от имени организации.")
    sender_inn = forms.CharField(label="ИНН", max_length=12, required=False, help_text="Необязательно.")
    sender_name = forms.CharField(label="Фамилия, имя, отчество", max_length=300)
    sender_email = forms.EmailField(label="Электронная почта", max_length=254,
                                    help_text="На этот адрес придут номер обращения и срок ответа.",
                                    error_messages={"invalid": "Введите адрес электронной почты, например "
                                                               "ivanov@example.ru."})
    sender_phone = forms.CharField(label="Телефон", max_length=32, required=False)
    reply_channel = forms.ChoiceField(label="Как направить ответ", choices=REPLY_CHANNELS, initial=Channel.EMAIL,
                                      widget=forms.RadioSelect)
    sender_address = forms.CharField(label="Почтовый адрес", max_length=300, required=False,
                                     help_text="Нужен, если ответ направить письмом.")
    kind = forms.ChoiceField(label="Вид обращения", choices=Kind.choices, initial=Kind.QUESTION)
    topic = forms.ModelChoiceField(label="Тема", queryset=Topic.objects.filter(is_active=True), required=False,
                                   empty_label="— не знаю, определите сами —")
    subject = forms.CharField(label="Кратко о чём обращение", max_length=300, required=False)
    text = forms.CharField(label="Текст обращения", max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    files = MultipleFileField(label="Файлы", required=False,
                              help_text=f"До {MAX_FILES} файлов: {ALLOWED_TEXT}.")
    consent = forms.BooleanField(
        label="Я согласен(на) на обработку персональных данных на условиях, изложенных выше",
        error_messages={"required": "Без согласия на обработку персональных данных мы не можем принять "
                                    "обращение."})
    # A robot fills every field it finds; a person never sees this one.
    website = forms.CharField(label="Оставьте это поле пустым", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["sender_email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["sender_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["sender_phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["sender_organisation"].widget.attrs.update({"autocomplete": "organization"})
        self.fields["sender_inn"].widget.attrs.update({"inputmode": "numeric"})

    def clean_stamp(self) -> services.Stamp:
        stamp = services.read_stamp(self.cleaned_data["stamp"])
        if stamp is None:
            raise forms.ValidationError("Форма устарела: обновите страницу и отправьте обращение ещё раз.")
        return stamp

    def clean_sender_inn(self) -> str:
        inn = self.cleaned_data["sender_inn"].strip()
        if inn and not is_valid_inn(inn):
            raise forms.ValidationError("ИНН: 10 цифр у организации или 12 у предпринимателя и гражданина.")
        return inn

    def clean_sender_phone(self) -> str:
        phone = self.cleaned_data["sender_phone"].strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except ValueError:
            raise forms.ValidationError("Телефон: 10 цифр номера, например +7 3852 50-12-40.") from None

    def clean_files(self) -> list:
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Можно приложить не больше {MAX_FILES} файлов.")
        return files

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reply_channel") == Channel.POST and not cleaned.get("sender_address", "").strip():
            self.add_error("sender_address", "Для ответа письмом укажите почтовый адрес.")
        return cleaned

    def incoming_files(self) -> list[IncomingFile]:
        return [IncomingFile(name=f.name, content=f.read()) for f in self.cleaned_data.get("files") or []]


class SearchForm(forms.Form):
    q = forms.CharField(label="Поиск", max_length=200, required=False)
