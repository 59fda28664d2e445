from django import forms

from abonent.privacy.models import RetentionPolicy
from abonent.privacy.services import TARGET_KINDS


class SearchForm(forms.Form):
    q = forms.CharField(label="Найти субъекта", max_length=200, required=False,
                        help_text="E-mail, телефон, ИНН предпринимателя, логин или часть ФИО.")


class ExportForm(forms.Form):
    reason = forms.CharField(label="Основание выгрузки", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Например: «запрос субъекта от 01.12.2026, вх. № 123» — записывается в "
                                       "журнал аудита вместе с выгрузкой.")


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["months", "is_active", "basis"]
        widgets = {"basis": forms.TextInput()}


class LegalHoldForm(forms.Form):
    kind = forms.ChoiceField(label="На что", choices=TARGET_KINDS)
    value = forms.CharField(label="Номер, ИНН, идентификатор или логин", max_length=200)
    reason = forms.CharField(label="Основание запрета", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="Основание снятия", max_length=2000)
