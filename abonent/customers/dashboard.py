from django.urls import reverse

from abonent.core.dashboard import Tile
from abonent.customers.models import Customer


def tiles(user) -> list[Tile]:
    if not user.has_perm("customers.view_customer"):
        return []
    return [Tile("действующих клиентов", Customer.objects.filter(is_active=True).count(), reverse("customers:list"))]
