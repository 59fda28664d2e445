"""Demo data of the privacy app (called from seed_demo, idempotent): the permissions granted to the roles, the
default retention periods, and a legal hold on the demo's first claim, so the holds page shows one."""

from abonent.privacy import permissions, retention
from abonent.privacy.models import LegalHold


def seed() -> LegalHold | None:
    from abonent.appeals.models import Appeal, Kind
    from abonent.users.models import User

    permissions.grant()
    retention.ensure_policies()
    head = User.objects.filter(username="audit_head").first()
    claim = Appeal.objects.filter(kind=Kind.CLAIM).order_by("registered_at", "pk").first()
    if head is None or claim is None:
        return None
    from abonent.privacy import services

    if LegalHold.objects.ids_of(Appeal) & {claim.pk}:
        return LegalHold.objects.active().get(object_id=claim.pk, content_type__model="appeal")
    return services.place_hold(hold_target=services.target("appeal", claim.number),
                               reason="Демонстрация: претензия передана в юридический отдел, возможен иск.", by=head)
