from django.apps import AppConfig


class PhoneConfig(AppConfig):
    """The call centre (standard 2.2.1.2, 2.2.2, 2.2.3): PBX events, the call log, caller
    identification, service levels and outbound auto-informing calls."""

    name = "abonent.channels.phone"
    label = "phone"
    verbose_name = "Call-центр"
