"""EDO boxes are set up in the admin: the password is write-only (never shown back) and the list shows each
box's poll status. Incoming and outgoing documents are read-only here."""

from django import forms
from django.contrib import admin

from abonent.channels.edo.models import EdoBox, EdoIncoming, EdoOutgoing


class EdoBoxForm(forms.ModelForm):
    password = forms.CharField(
        label="пароль", required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text="Сохранённый пароль не показывается. Оставьте поле пустым, чтобы не менять его.")

    class Meta:
        model = EdoBox
        fields = ["operator", "title", "box_id", "base_url", "login", "password", "api_client_id",
                  "polling_enabled", "poll_interval_minutes"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not password and self.instance.pk:
            return EdoBox.objects.get(pk=self.instance.pk).password
        if not password:
            raise forms.ValidationError("Укажите пароль для входа к оператору ЭДО.")
        return password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("operator") == "diadoc" and not cleaned.get("api_client_id"):
            self.add_error("api_client_id", "Для Диадока нужен ключ разработчика (ddauth_api_client_id).")
        if cleaned.get("operator") == "sbis" and "/" not in (cleaned.get("box_id") or "/"):
            self.add_error("box_id", "Для СБИС укажите ИНН/КПП нашей организации через косую черту.")
        return cleaned


@admin.register(EdoBox)
class EdoBoxAdmin(admin.ModelAdmin):
    form = EdoBoxForm
    list_display = ["title", "operator", "box_id", "polling_enabled", "poll_interval_minutes", "last_poll_at",
                    "registered_count", "last_error"]
    list_filter = ["operator", "polling_enabled"]
    readonly_fields = ["cursor", "last_poll_at", "last_error", "registered_count"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EdoIncoming)
class EdoIncomingAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "box", "document_id", "sender_name", "sender_inn", "status", "appeal"]
    list_filter = ["status", "box"]
    search_fields = ["document_id", "sender_inn", "sender_name", "title"]


@admin.register(EdoOutgoing)
class EdoOutgoingAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "box", "title", "counterparty_inn", "status", "attempts", "sent_at", "read_at",
                    "last_error"]
    list_filter = ["status", "box"]
    search_fields = ["title", "counterparty_inn", "provider_message_id"]
