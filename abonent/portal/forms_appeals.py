"""Forms of the portal's appeals: a new appeal and a message to an existing one. The files are checked by
the appeals service (size, type by content); what the form checks is what only it knows: the login's
accounts and whether the chosen reply channel has somewhere to go."""

from django import forms

from abonent.appeals import delivery
from abonent.appeals.files import ALLOWED_TEXT, IncomingFile
from abonent.appeals.forms import MultipleFileField
from abonent.appeals.models import Kind
from abonent.organisation.models import Channel, Topic

MAX_FILES = 5
REPLY_CHANNELS = [
    (Channel.PORTAL, "в личном кабинете (и письмо о готовности ответа на e-mail)"),
    (Channel.EMAIL, "по электронной почте"),
    (Channel.EDO, "через ЭДО (СБИС, Диадок)"),
    (Channel.POST, "письмом по почте"),
]


def _can_reply_by(channel: str) -> bool:
    """A channel the reply can really go out by: a registered sender, and for EDO a box to send from (without one
    the reply would fail only after it is signed, channels.edo.sender.route)."""
    if not delivery.can_send(channel):
        return False
    if channel == Channel.EDO:
        from abonent.channels.edo.models import EdoBox

        return EdoBox.objects.filter(polling_enabled=True).exists()
    return True


class FilesMixin:
    def clean_files(self) -> list:
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Можно приложить не больше {MAX_FILES} файлов.")
        return files

    def incoming_files(self) -> list[IncomingFile]:
        return [IncomingFile(name=f.name, content=f.read()) for f in self.cleaned_data.get("files") or []]


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, account) -> str:
        place = account.object_name or account.address
        return f"№ {account.number} — {account.contract.customer}{', ' + place if place else ''}"


class AppealForm(FilesMixin, forms.Form):
    """«Написать обращение» in the portal."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    account = AccountChoiceField(label="Лицевой счёт", queryset=None, empty_label=None,
                                 help_text="Обращение регистрируется от клиента, которому принадлежит счёт.")
    kind = forms.ChoiceField(label="Вид обращения", choices=Kind.choices, initial=Kind.QUESTION)
    topic = forms.ModelChoiceField(label="Тема", queryset=Topic.objects.filter(is_active=True), required=False,
                                   empty_label="— не знаю, определите сами —")
    subject = forms.CharField(label="Кратко о чём обращение", max_length=300, required=False)
    text = forms.CharField(label="Текст обращения", max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    files = MultipleFileField(label="Файлы", required=False, help_text=f"До {MAX_FILES} файлов: {ALLOWED_TEXT}.")
    reply_channel = forms.ChoiceField(label="Как направить ответ", widget=forms.RadioSelect,
                                      initial=Channel.PORTAL)

    def __init__(self, *args, accounts, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["account"].queryset = accounts
        self.fields["reply_channel"].choices = [(v, label) for v, label in REPLY_CHANNELS if _can_reply_by(v)]

    def clean(self):
        cleaned = super().clean()
        channel, account = cleaned.get("reply_channel"), cleaned.get("account")
        if channel == Channel.EMAIL and not self.user.email:
            self.add_error("reply_channel", "В вашем профиле нет адреса электронной почты: выберите другой способ "
                                            "ответа или укажите адрес в профиле.")
        if channel == Channel.POST and account is not None:
            customer = account.contract.customer
            if not (customer.postal_address or customer.legal_address):
                self.add_error("reply_channel", "У клиента не указан почтовый адрес: выберите другой способ ответа.")
        return cleaned


class MessageForm(FilesMixin, forms.Form):
    """A message to an existing appeal: new facts, an answer to our question, more documents."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(label="Дополнение к обращению", max_length=20000, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label="Файлы", required=False, help_text=f"До {MAX_FILES} файлов: {ALLOWED_TEXT}.")

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("files") and not self.errors:
            self.add_error("text", "Напишите текст дополнения или приложите файл.")
        return cleaned
