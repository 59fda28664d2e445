from django import forms

from abonent.appeals.models import Kind
from abonent.channels.phone.models import CallIdentification
from abonent.customers.models import Customer, Representative
from abonent.organisation.models import Channel, Topic


class IdentifyForm(forms.Form):
    method = forms.ChoiceField(label="Способ", choices=CallIdentification.Method.choices)
    caller_name = forms.CharField(label="Как представился звонящий", max_length=200, required=False)
    number = forms.CharField(label="Названный номер лицевого счёта или договора", max_length=50, required=False)
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput)
    representative = forms.ModelChoiceField(label="Представитель по доверенности",
                                            queryset=Representative.objects.all(), required=False)

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if customer is not None:
            self.fields["representative"].queryset = customer.representatives.all()
            self.fields["customer"].initial = customer.pk
        else:
            self.fields["representative"].queryset = Representative.objects.none()


class CallAppealForm(forms.Form):
    """The minimum while the customer is on the line."""

    kind = forms.ChoiceField(label="Вид обращения", choices=Kind.choices, initial=Kind.QUESTION)
    topic = forms.ModelChoiceField(label="Тема", queryset=Topic.objects.all(), required=False)
    text = forms.CharField(label="Суть обращения", widget=forms.Textarea(attrs={"rows": 4}))
    sender_name = forms.CharField(label="Заявитель (ФИО)", max_length=200, required=False)
    reply_channel = forms.ChoiceField(label="Ответ направить", choices=[
        (Channel.EMAIL, "по электронной почте"), (Channel.POST, "почтой")], initial=Channel.EMAIL)
    email = forms.EmailField(label="E-mail для ответа", required=False)
    address = forms.CharField(label="Почтовый адрес для ответа", max_length=300, required=False)
    sequence = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AbuseForm(forms.Form):
    note = forms.CharField(label="Что было сказано", max_length=500)


class CallBackDoneForm(forms.Form):
    result = forms.CharField(label="Результат", max_length=500)
