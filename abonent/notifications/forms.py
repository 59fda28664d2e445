"""Back-office forms: types and their templates, daily rules, campaigns, the warning before limitation."""

import datetime as dt

from django import forms
from django.utils import timezone

from abonent.customers.models import Contract, Customer
from abonent.notifications import rendering
from abonent.notifications.models import (
    AUTO_CHANNELS,
    Campaign,
    Channel,
    NotificationRule,
    NotificationType,
)

CHANNEL_CHOICES = [(c.value, c.label) for c in AUTO_CHANNELS]
KIND_CHOICES = Customer.Kind.choices
PRICE_CHOICES = [(str(v), label) for v, label in Contract.PriceCategory.choices]


class TypeForm(forms.ModelForm):
    default_channels = forms.MultipleChoiceField(label="Каналы по умолчанию", choices=CHANNEL_CHOICES,
                                                 widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = NotificationType
        fields = ["name", "description", "is_mandatory", "default_channels", "is_active", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class TemplateForm(forms.Form):
    subject = forms.CharField(label="Тема", max_length=300, required=False)
    body = forms.CharField(label="Текст", widget=forms.Textarea(attrs={"rows": 8}), required=False)

    def clean(self):
        data = super().clean()
        try:
            rendering.check_template(subject=data.get("subject", ""), body=data.get("body", ""))
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
        return data


class RuleForm(forms.ModelForm):
    customer_kinds = forms.MultipleChoiceField(label="Виды клиентов (пусто — все)", choices=KIND_CHOICES,
                                               widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = NotificationRule
        fields = ["name", "type", "trigger", "days_before", "working_days", "min_amount", "repeat_days",
                  "customer_kinds", "is_active"]
        localized_fields = ["min_amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].empty_label = "— выберите тип —"
        self.fields["trigger"].choices = [("", "— выберите условие —"), *NotificationRule.Trigger.choices]


class CampaignForm(forms.ModelForm):
    customer_kinds = forms.MultipleChoiceField(label="Виды клиентов (пусто — все)", choices=KIND_CHOICES,
                                               widget=forms.CheckboxSelectMultiple, required=False)
    price_categories = forms.MultipleChoiceField(label="Ценовые категории (пусто — все)", choices=PRICE_CHOICES,
                                                 widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = Campaign
        fields = ["title", "type", "subject", "text", "customer_kinds", "price_categories", "debtors_only",
                  "min_debt"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        localized_fields = ["min_debt"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = NotificationType.objects.filter(
            is_active=True, source=NotificationType.Source.CAMPAIGN)
        self.fields["type"].empty_label = "— выберите тип —"


class LimitationForm(forms.Form):
    """The mandatory warning before limiting supply: the debt is the account's latest imported balance."""

    account = forms.ModelChoiceField(label="Лицевой счёт", queryset=None, empty_label="— выберите счёт —")
    limitation_date = forms.DateField(label="Дата введения ограничения", widget=forms.DateInput(attrs={"type": "date"}),
                                      help_text="Уведомление должно поступить клиенту не позднее чем за 10 дней "
                                                "до этой даты.")

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        from abonent.customers.models import BillingAccount

        self.fields["account"].queryset = BillingAccount.objects.filter(contract__customer=customer, is_active=True)

    def clean_limitation_date(self) -> dt.date:
        day = self.cleaned_data["limitation_date"]
        if day <= timezone.localdate():
            raise forms.ValidationError("Дата ограничения должна быть позже сегодняшней.")
        return day


class PreviewForm(forms.Form):
    """The channel and the customer whose data fills the example: found by INN, account or contract number or
    name (the first match with a billing account); empty — the first such customer."""

    channel = forms.ChoiceField(label="Канал", choices=CHANNEL_CHOICES, initial=Channel.EMAIL)
    customer = forms.CharField(label="Клиент для примера", required=False, max_length=200,
                               widget=forms.TextInput(attrs={"placeholder": "ИНН, лицевой счёт или наименование"}))

    def clean_customer(self) -> Customer | None:
        query = self.cleaned_data["customer"].strip()
        found = sample_customers().search(query).order_by("pk").first()
        if query and found is None:
            raise forms.ValidationError("Клиент с лицевым счётом по такому запросу не найден.")
        return found


def sample_customers():
    return Customer.objects.filter(is_active=True, contracts__accounts__isnull=False).distinct()
