from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


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


class StaffPasswordChangeForm(PasswordChangeForm):
    """Django's change form: the current password and the new one twice. The current password goes through
    authenticate(request=…), so wrong guesses count for django-axes like failed logins."""

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(request.user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old = self.cleaned_data["old_password"]
        user = authenticate(self.request, username=self.user.get_username(), password=old)
        if user is None or user.pk != self.user.pk:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old

    def save(self, commit: bool = True):
        # The person's own password now: the one the IT administrator set need not be changed any more.
        self.user.must_change_password = False
        return super().save(commit)
