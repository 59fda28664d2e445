from django import forms
from django.contrib.auth.forms import AuthenticationForm


class StaffAuthenticationForm(AuthenticationForm):
    """The back office login: a portal (customer) login is refused here with the same message as a wrong
    password, so the form does not tell which logins exist."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff_member:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                        params={"username": self.username_field.verbose_name})


class CodeForm(forms.Form):
    """The second factor's code: six digits from the app or a backup code."""

    code = forms.CharField(label="Код", max_length=32, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
        help_text="Шесть цифр из приложения-аутентификатора или один из резервных кодов.",
        error_messages={"required": "Введите код."})


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label="Пароль", strip=False, error_messages={"required": "Введите пароль."},
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "autofocus": True}))
