"""Forms of the appeals screens. They check what a form can (types, required fields, choices); the
rules of the registry are checked by the services, whose AppealError is shown on the same form."""

import uuid

from django import forms
from django.utils import timezone

from abonent.appeals import delivery
from abonent.appeals.errors import AppealError
from abonent.appeals.files import IncomingFile
from abonent.appeals.models import Appeal, Kind, NonConsideration, UrgencyCategory
from abonent.appeals.selectors import signatories
from abonent.core.validators import is_valid_inn, normalize_phone
from abonent.customers.models import BillingAccount, Customer
from abonent.organisation.models import Channel, Department, Topic

# The channels a person registers at the desk; e-mail, ЭДО, the site and the portal register themselves.
DESK_CHANNELS = (Channel.IN_PERSON, Channel.PHONE, Channel.POST)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def reply_channel_choices() -> list[tuple[str, str]]:
    """Only channels a reply can actually go out by (a sender is registered for them)."""
    return [(value, label) for value, label in Channel.choices if delivery.can_send(value)]


def add_service_error(form: forms.Form, error: AppealError) -> None:
    """Shows a service's refusal at its field when the form has one, otherwise above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class RegistrationForm(forms.Form):
    """The reception desk's one form for appeals received in person, by phone and by post."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="Вид обращения", choices=Kind.choices, initial=Kind.QUESTION)
    topic = forms.ModelChoiceField(label="Тема", queryset=Topic.objects.filter(is_active=True), required=False,
                                   empty_label="— определить по тексту —")
    sender_organisation = forms.CharField(label="Организация", max_length=300, required=False)
    sender_name = forms.CharField(label="Заявитель (ФИО)", max_length=300, required=False)
    sender_inn = forms.CharField(label="ИНН", max_length=12, required=False)
    sender_phone = forms.CharField(label="Телефон", max_length=32, required=False)
    sender_email = forms.EmailField(label="E-mail", required=False)
    sender_address = forms.CharField(label="Почтовый адрес", max_length=300, required=False)
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput)
    billing_account = forms.ModelChoiceField(label="Лицевой счёт", queryset=BillingAccount.objects.none(),
                                             required=False, empty_label="— не указан —")
    reply_channel = forms.ChoiceField(label="Способ ответа", required=False)
    subject = forms.CharField(label="Краткое содержание", max_length=300, required=False)
    text = forms.CharField(label="Текст обращения", widget=forms.Textarea(attrs={"rows": 8}), required=False)
    postmark_date = forms.DateField(label="Дата почтового штемпеля", required=False, widget=DateInput())
    files = MultipleFileField(label="Файлы", required=False)
    urgency = forms.ModelChoiceField(label="Категория срочности (для жалоб)", queryset=UrgencyCategory.objects.all(),
                                     required=False, empty_label="— по сроку для жалоб —")
    is_conflict = forms.BooleanField(label="Конфликтная ситуация", required=False)

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        automatic = ("автоматически: e-mail, если указан, иначе почта" if channel == Channel.PHONE
                     else "тем же способом, каким поступило")
        self.fields["reply_channel"].choices = [("", automatic), *reply_channel_choices()]
        if channel == Channel.PHONE:
            del self.fields["files"], self.fields["postmark_date"]
        elif channel == Channel.IN_PERSON:
            del self.fields["postmark_date"]
            self.fields["files"].label = "Документы клиента (сканы, копии)"
        else:
            self.fields["files"].label = "Скан письма и приложений"
            self.fields["sender_address"].help_text = "Адрес для ответа, как указан в письме."
        customer_id = self.data.get("customer") or self.initial.get("customer")
        if customer_id and str(customer_id).isdigit():
            self.fields["billing_account"].queryset = customer_accounts(int(customer_id))

    def clean_sender_inn(self) -> str:
        inn = self.cleaned_data["sender_inn"].strip()
        if inn and not is_valid_inn(inn):
            raise forms.ValidationError("ИНН: 10 цифр у организации или 12 у предпринимателя, с верной контрольной "
                                        "суммой.")
        return inn

    def clean_sender_phone(self) -> str:
        phone = self.cleaned_data["sender_phone"].strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except ValueError:
            raise forms.ValidationError("Телефон: 10 цифр номера, например +7 3852 50-12-40.") from None

    def clean_postmark_date(self):
        day = self.cleaned_data["postmark_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError("Дата почтового штемпеля не может быть в будущем.")
        return day

    def clean(self):
        cleaned = super().clean()
        customer, account = cleaned.get("customer"), cleaned.get("billing_account")
        if account and customer and account.contract.customer_id != customer.pk:
            self.add_error("billing_account", "Лицевой счёт принадлежит другому клиенту.")
        if cleaned.get("urgency") and cleaned.get("kind") != Kind.COMPLAINT:
            self.add_error("urgency", "Категория срочности устанавливается только для жалоб.")
        reply_channel = cleaned.get("reply_channel")
        if reply_channel == Channel.EMAIL and not (cleaned.get("sender_email") or (customer and customer.email)):
            self.add_error("sender_email", "Для ответа по электронной почте укажите адрес e-mail.")
        if reply_channel == Channel.POST and not (cleaned.get("sender_address") or
                                                  (customer and customer.postal_address)):
            self.add_error("sender_address", "Для ответа почтой укажите почтовый адрес.")
        return cleaned

    def incoming_files(self) -> list[IncomingFile]:
        return [IncomingFile(name=f.name, content=f.read()) for f in self.cleaned_data.get("files") or []]

    @staticmethod
    def new_token() -> str:
        return str(uuid.uuid4())


def customer_accounts(customer_id: int):
    return (BillingAccount.objects.filter(contract__customer_id=customer_id, is_active=True)
            .select_related("contract").order_by("number"))


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Вид", choices=[("", "все виды"), *Kind.choices], required=False)
    channel = forms.ChoiceField(label="Канал", choices=[("", "все каналы"), *Channel.choices], required=False)
    department = forms.ModelChoiceField(label="Подразделение", queryset=Department.objects.all(), required=False,
                                        empty_label="все подразделения")
    status = forms.ChoiceField(label="Статус", choices=[("", "в работе"), *Appeal.Status.choices], required=False)
    q = forms.CharField(label="Поиск: номер, ИНН или слова из текста", max_length=200, required=False)


# --- Workflow actions on the card -----------------------------------------------------------------


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(label="Подразделение", queryset=Department.objects.all())
    executor = forms.ModelChoiceField(label="Исполнитель", queryset=None, required=False,
                                      empty_label="— без исполнителя —")
    reason = forms.CharField(label="Причина", max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        self.fields["executor"].queryset = (
            user_model.objects.filter(kind=user_model.Kind.STAFF, is_active=True, department__isnull=False)
            .select_related("department").order_by("department__name", "last_name", "first_name"))
        self.fields["executor"].label_from_instance = _staff_with_department


def _staff_with_department(user) -> str:
    return f"{user.short_name} ({user.department.short_name or user.department})"


class ExtendForm(forms.Form):
    days = forms.IntegerField(label="На сколько дней", min_value=1, max_value=30, initial=10)
    reason = forms.CharField(label="Причина продления", widget=forms.Textarea(attrs={"rows": 2}))


class ClassifyForm(forms.Form):
    kind = forms.ChoiceField(label="Вид", choices=Kind.choices)
    topic = forms.ModelChoiceField(label="Тема", queryset=Topic.objects.filter(is_active=True), required=False,
                                   empty_label="— без темы —")


class UrgencyForm(forms.Form):
    urgency = forms.ModelChoiceField(label="Категория срочности", queryset=UrgencyCategory.objects.all())


class ConflictForm(forms.Form):
    note = forms.CharField(label="В чём конфликтная ситуация", widget=forms.Textarea(attrs={"rows": 2}))


class ApologyForm(forms.Form):
    text = forms.CharField(label="За что и как принесены извинения", widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    text = forms.CharField(label="Служебная заметка", widget=forms.Textarea(attrs={"rows": 2}))


class ControlItemForm(forms.Form):
    decision = forms.CharField(label="Принятое решение", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label="Ответственный", queryset=None)
    due_date = forms.DateField(label="Срок исполнения", widget=DateInput())

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        self.fields["owner"].queryset = user_model.objects.filter(kind=user_model.Kind.STAFF, is_active=True).order_by(
            "last_name", "first_name")
        self.fields["owner"].label_from_instance = lambda u: u.short_name


class ControlCompleteForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.CharField(label="Результат исполнения", widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    resolution = forms.CharField(label="Итог (необязательно)", widget=forms.Textarea(attrs={"rows": 2}),
                                 required=False)


class NonConsiderationForm(forms.Form):
    ground = forms.ChoiceField(label="Основание (стандарт 2.2.4.4–2.2.4.5)", choices=NonConsideration.Ground.choices)
    earlier_appeal = forms.CharField(label="Ранее рассмотренное обращение (для повторного вопроса)", max_length=20,
                                     required=False)
    comment = forms.CharField(label="Обоснование", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    notice_text = forms.CharField(label="Текст уведомления клиенту", widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False)


# --- Replies ----------------------------------------------------------------------------------------


class ReplyForm(forms.Form):
    text = forms.CharField(label="Текст ответа", widget=forms.Textarea(attrs={"rows": 12}),
                           required=False)
    typical_answer = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SubmitForm(ReplyForm):
    signatory = forms.ModelChoiceField(label="Подписант", queryset=None, empty_label="— выберите —")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signatory"].queryset = signatories()
        self.fields["signatory"].label_from_instance = lambda u: f"{u.short_name}, {u.position}" if u.position \
            else u.short_name


class ReturnForm(forms.Form):
    comment = forms.CharField(label="Что доработать", widget=forms.Textarea(attrs={"rows": 2}))


class ResendForm(forms.Form):
    channel = forms.ChoiceField(label="Канал отправки")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = reply_channel_choices()
