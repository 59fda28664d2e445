"""Forms of the reception desk. They only parse input; the rules live in services.py."""

import datetime

from django import forms
from django.http import QueryDict
from django.utils import timezone

from abonent.appeals.models import Kind
from abonent.channels.in_person.models import Visit, VisitDocument, VisitPurpose
from abonent.channels.in_person.services import DESK_REPLY_CHANNELS, DeskAppeal, DocumentEntry
from abonent.core.validators import normalize_phone, validate_phone
from abonent.customers.models import Customer, Representative
from abonent.organisation.models import Channel, Topic


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _topics():
    return Topic.objects.filter(is_active=True)


class DeskForm(forms.Form):
    """The card shows several forms at once: each gets its own id prefix, so labels point at their field."""

    id_prefix = "desk"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class StartVisitForm(DeskForm):
    id_prefix = "visit"
    visitor_name = forms.CharField(label="Посетитель (ФИО, как представился)", max_length=300)


class IdentifyForm(DeskForm):
    id_prefix = "identify"
    method = forms.ChoiceField(label="Способ идентификации",
                               choices=[c for c in Visit.Identification.choices if c[0] != "none"])
    contract_number = forms.CharField(label="Номер договора энергоснабжения", max_length=50, required=False)
    customer = forms.ModelChoiceField(label="Клиент", queryset=Customer.objects.all(), required=False)
    representative = forms.ModelChoiceField(label="Представитель по доверенности",
                                            queryset=Representative.objects.select_related("customer"),
                                            required=False)
    identity_document = forms.CharField(label="Предъявленный документ (вид, серия, номер)", max_length=300,
                                        required=False)


class PurposesForm(DeskForm):
    id_prefix = "purposes"
    purposes = forms.MultipleChoiceField(label="Цели посещения", choices=VisitPurpose.Purpose.choices,
                                         widget=forms.CheckboxSelectMultiple, required=False)
    topic = forms.ModelChoiceField(label="Тема", queryset=_topics(), required=False, empty_label="— не выбрана —")


class DocumentForm(DeskForm):
    id_prefix = "document"
    direction = forms.ChoiceField(label="Движение", choices=VisitDocument.Direction.choices)
    doc_type = forms.ChoiceField(label="Вид документа", choices=VisitDocument.Type.choices)
    title = forms.CharField(label="Наименование", max_length=300, required=False)
    number = forms.CharField(label="Номер", max_length=100, required=False)
    date = forms.DateField(label="Дата", required=False, widget=DateInput())
    copies = forms.IntegerField(label="Экз.", min_value=1, max_value=999, initial=1)
    is_original = forms.TypedChoiceField(label="Оригинал или копия", choices=[("1", "оригинал"), ("0", "копия")],
                                         coerce=lambda v: v == "1", initial="1")
    receiver_name = forms.CharField(label="Получил (ФИО, расписался)", max_length=300, required=False)

    def entry(self) -> DocumentEntry:
        return DocumentEntry(**self.cleaned_data)


class DeskAppealForm(DeskForm):
    id_prefix = "appeal"
    kind = forms.ChoiceField(label="Вид обращения", choices=Kind.choices, initial=Kind.COMPLAINT)
    topic = forms.ModelChoiceField(label="Тема", queryset=_topics(), required=False, empty_label="— не выбрана —")
    subject = forms.CharField(label="Краткое содержание", max_length=300, required=False)
    text = forms.CharField(label="Текст обращения (со слов посетителя или по заявлению)", widget=forms.Textarea)
    reply_channel = forms.ChoiceField(label="Способ ответа",
                                      choices=[(c.value, c.label) for c in map(Channel, DESK_REPLY_CHANNELS)])
    phone = forms.CharField(label="Контактный телефон", max_length=32, required=False, validators=[validate_phone])
    email = forms.EmailField(label="E-mail для ответа", required=False)
    address = forms.CharField(label="Почтовый адрес для ответа", max_length=300, required=False)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone else ""

    def desk_appeal(self) -> DeskAppeal:
        return DeskAppeal(**self.cleaned_data)


class ApologyForm(DeskForm):
    id_prefix = "apology"
    text = forms.CharField(label="За что принесены извинения (ошибка компании или подрядчика)", max_length=2000)


class ConflictForm(DeskForm):
    id_prefix = "conflict"
    note = forms.CharField(label="Что может привести к конфликту", widget=forms.Textarea, max_length=4000)


class EndVisitForm(DeskForm):
    id_prefix = "end"
    outcome = forms.CharField(label="Итог приёма: что разъяснено или сделано", widget=forms.Textarea,
                              required=False)


class StopServiceForm(DeskForm):
    id_prefix = "stop"
    reason = forms.ChoiceField(label="Основание (стандарт, п. 2.1.4.9)",
                               choices=[("", "— выберите —"), *Visit.EndReason.choices], required=False)
    note = forms.CharField(label="Обстоятельства", widget=forms.Textarea, required=False)


class RegisterFilterForm(DeskForm):
    """The register of documents: a period (this month by default), the direction, the type, the customer."""

    id_prefix = "filter"
    date_from = forms.DateField(label="С", required=False, widget=DateInput())
    date_to = forms.DateField(label="По", required=False, widget=DateInput())
    direction = forms.ChoiceField(label="Движение", choices=[("", "все"), *VisitDocument.Direction.choices],
                                  required=False)
    doc_type = forms.ChoiceField(label="Вид документа", choices=[("", "все"), *VisitDocument.Type.choices],
                                 required=False)
    q = forms.CharField(label="Клиент: наименование, ИНН или № договора", max_length=100, required=False)

    @staticmethod
    def with_defaults(query: QueryDict) -> QueryDict:
        """The standard's register of issued documents for this month, unless asked otherwise; the period is
        filled in so the form shows what the list covers."""
        data = query.copy()
        if not query:
            data["direction"] = VisitDocument.Direction.ISSUED
        today = timezone.localdate()
        for name, default in (("date_from", today.replace(day=1)), ("date_to", today)):
            if not data.get(name):
                data[name] = default.isoformat()
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("date_from") or today.replace(day=1), data.get("date_to") or today
