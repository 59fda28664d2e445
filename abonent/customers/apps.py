from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "abonent.customers"
    label = "customers"
    verbose_name = "Клиенты и договоры"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.core import dashboard
        from abonent.customers import dashboard as customer_tiles
        from abonent.customers import models as m

        dashboard.register(customer_tiles.tiles)

        for model in (m.Customer, m.Contract, m.ContactPerson, m.Representative, m.PortalAccess):
            auditlog.register(model)
        # The link code is a secret printed on invoices: the log records that it changed, not its value.
        auditlog.register(m.BillingAccount, mask_fields=["link_code"])
