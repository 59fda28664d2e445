"""Forms of the portal's sign-up, login, profile and account linking. They check what a form can; the
services in users.portal_logins and customers.linking check the rest."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password

from abonent.core.validators import is_valid_inn, normalize_phone
from abonent.customers.models import PortalAccess
from abonent.users.models import User
from abonent.users.portal_logins import normalise_email

EMAIL_ERRORS = {"invalid": "Введите адрес электронной почты, например ivanov@example.ru.",
                "required": "Укажите адрес электронной почты."}


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValueError:
        raise forms.ValidationError("Телефон указан неверно: нужен российский номер из 10 цифр после +7 или 8, "
                                    "например 8 (913) 123-45-67.") from None


class NameForm(forms.Form):
    """The person's name; the profile changes it without asking for the password."""

    last_name = forms.CharField(label="Фамилия", max_length=150)
    first_name = forms.CharField(label="Имя", max_length=150)
    middle_name = forms.CharField(label="Отчество", max_length=150, required=False, help_text="Если есть.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["middle_name"].widget.attrs["autocomplete"] = "additional-name"


class PhoneForm(forms.Form):
    """The contact phone; in the profile it changes only after the password was entered again."""

    phone = forms.CharField(label="Телефон", max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data["phone"])


class SignUpForm(NameForm, PhoneForm):
    """Sign-up of a person acting for a business customer."""

    field_order = ["email", "last_name", "first_name", "middle_name", "phone", "password1", "password2", "consent"]

    email = forms.EmailField(label="Электронная почта", max_length=150, error_messages=EMAIL_ERRORS,
                             help_text="Это ваш логин; на него придёт письмо для подтверждения.")
    password1 = forms.CharField(label="Пароль", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), help_text=password_validators_help_text_html())
    password2 = forms.CharField(label="Пароль ещё раз", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    consent = forms.BooleanField(
        label="Я даю согласие на обработку моих персональных данных на условиях, изложенных выше",
        error_messages={"required": "Без согласия на обработку персональных данных зарегистрироваться нельзя."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Пароли не совпадают.")
        elif password1:
            probe = User(username=data.get("email", ""), email=data.get("email", ""),
                         first_name=data.get("first_name", ""), last_name=data.get("last_name", ""))
            try:
                validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class LoginForm(forms.Form):
    # Named «username» as axes expects; it is the e-mail.
    # A plain text field: a staff login typed here gets told where to go instead of "invalid e-mail".
    username = forms.CharField(label="Электронная почта", max_length=150, error_messages=EMAIL_ERRORS,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email",
                                                             "autofocus": True}))
    password = forms.CharField(label="Пароль", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


class CodeForm(forms.Form):
    code = forms.CharField(label="Код", max_length=32, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text="Шесть цифр из приложения-аутентификатора или один из резервных кодов.")


class PasswordForm(forms.Form):
    password = forms.CharField(label="Пароль", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "autofocus": True}))


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="Новый адрес электронной почты", max_length=150, error_messages=EMAIL_ERRORS)

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class PortalSetPasswordForm(SetPasswordForm):
    """Setting a new password (after re-authentication, or from a reset link)."""


class PortalPasswordResetForm(PasswordResetForm):
    """The reset letter goes to confirmed, active portal logins only; the page says the same for any address."""

    def get_users(self, email):
        return User.objects.filter(username__iexact=normalise_email(email), kind=User.Kind.CUSTOMER,
                                   is_active=True, email_confirmed_at__isnull=False)


# --- Linking accounts ---

ROLE_HELP = ("Руководитель — всё; бухгалтер — расчёты, документы, оплата и обращения; энергетик — показания, "
             "потребление и обращения.")


class _AccountDataForm(forms.Form):
    contract_number = forms.CharField(label="Номер договора энергоснабжения", max_length=50)
    inn = forms.CharField(label="ИНН клиента", max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    role = forms.ChoiceField(label="Ваша роль", choices=PortalAccess.Role.choices, help_text=ROLE_HELP)

    def clean_inn(self) -> str:
        inn = self.cleaned_data["inn"].strip()
        if not is_valid_inn(inn):
            raise forms.ValidationError("ИНН указан неверно: 10 цифр у организации, 12 — у предпринимателя.")
        return inn


class LinkByCodeForm(_AccountDataForm):
    field_order = ["contract_number", "inn", "code", "role"]

    code = forms.CharField(label="Код подключения из счёта", max_length=20,
                           help_text="Восемь символов, напечатаны в счёте на оплату рядом с номером лицевого счёта.",
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))


class LinkRequestForm(_AccountDataForm):
    field_order = ["contract_number", "inn", "account_number", "role", "comment"]

    account_number = forms.CharField(label="Номер лицевого счёта", max_length=30, required=False,
                                     help_text="Если не указать, заявка будет на все лицевые счета договора.")
    comment = forms.CharField(label="Комментарий для сотрудника", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Например, ваша должность и номер доверенности.")
