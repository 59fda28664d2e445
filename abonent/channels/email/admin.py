"""Mailbox connections are reference data set up in the admin: the password is write-only (never shown
back), and the list shows each mailbox's poll status. Inbound and outgoing mail is read-only here."""

from django import forms
from django.contrib import admin

from abonent.channels.email.client import LOOPBACK
from abonent.channels.email.models import InboundEmail, MailboxConnection, OutgoingEmail


class MailboxConnectionForm(forms.ModelForm):
    password = forms.CharField(
        label="пароль", required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text="Сохранённый пароль не показывается. Оставьте поле пустым, чтобы не менять его.")

    class Meta:
        model = MailboxConnection
        fields = ["mailbox", "host", "port", "security", "username", "password", "folder", "processed_folder",
                  "poll_enabled"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not password and self.instance.pk:
            return MailboxConnection.objects.get(pk=self.instance.pk).password
        if not password:
            raise forms.ValidationError("Укажите пароль почтового ящика.")
        return password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("security") == MailboxConnection.Security.PLAIN and cleaned.get("host") not in LOOPBACK:
            self.add_error("security", "Без шифрования можно подключаться только к серверу на 127.0.0.1.")
        return cleaned


@admin.register(MailboxConnection)
class MailboxConnectionAdmin(admin.ModelAdmin):
    form = MailboxConnectionForm
    list_display = ["mailbox", "host", "port", "security", "folder", "poll_enabled", "last_poll_at",
                    "registered_count", "last_error"]
    list_filter = ["poll_enabled", "security"]
    readonly_fields = ["last_poll_at", "last_error", "registered_count"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["fetched_at", "connection", "uid", "sender", "subject", "status", "appeal"]
    list_filter = ["status", "connection"]
    search_fields = ["message_id", "sender", "subject"]
    exclude = ["raw"]
    readonly_fields = [f.name for f in InboundEmail._meta.fields if f.name != "raw"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "recipients", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["message_id", "subject"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
