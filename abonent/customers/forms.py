import contextlib
import datetime

from django import forms
from django.utils import timezone

from abonent.core.validators import normalize_phone
from abonent.customers.models import BillingAccount, ContactPerson, Contract, Customer, Representative


class PhoneNormalizingMixin:
    """Stores phones as +7XXXXXXXXXX whatever way they were typed; the model validator already
    refused anything else with a Russian message."""

    phone_fields = ("phone",)

    def clean(self):
        cleaned = super().clean()
        for name in self.phone_fields:
            if cleaned.get(name):
                with contextlib.suppress(ValueError):  # the field's validator has already said why
                    cleaned[name] = normalize_phone(cleaned[name])
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CustomerForm(PhoneNormalizingMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["kind", "name", "short_name", "inn", "kpp", "ogrn", "legal_address", "postal_address",
                  "phone", "email", "is_active"]


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["number", "signed_on", "valid_from", "valid_to", "status", "price_category", "max_capacity_kw"]
        widgets = {"signed_on": DateInput(), "valid_from": DateInput(), "valid_to": DateInput()}


class BillingAccountForm(forms.ModelForm):
    class Meta:
        model = BillingAccount
        fields = ["contract", "number", "object_name", "address", "is_active"]

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = customer.contracts.all()


class ContactPersonForm(PhoneNormalizingMixin, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["full_name", "position", "phone", "email"]


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = ["full_name", "identity_document", "poa_number", "poa_issued_on", "poa_valid_until", "powers"]
        widgets = {"poa_issued_on": DateInput(), "poa_valid_until": DateInput()}

    def clean_poa_valid_until(self) -> datetime.date:
        valid_until = self.cleaned_data["poa_valid_until"]
        if valid_until < timezone.localdate():
            raise forms.ValidationError(
                "Срок действия доверенности истёк: представителя по просроченной доверенности зарегистрировать нельзя."
            )
        return valid_until
