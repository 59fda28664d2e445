"""Who may do what with notices. The heads configure types, templates, rules and campaigns and approve
campaigns; the reception and call-centre staff read the journal to show a customer the proof of notice.
Granted to the role groups after every migrate (only ever adding), beside users.roles.ROLE_PERMISSIONS."""

from django.contrib.auth.models import Group, Permission

VIEW = "notifications.view_notifications"
MANAGE = "notifications.manage_notifications"
APPROVE = "notifications.approve_campaign"


def role_permissions() -> dict[str, list[str]]:
    from abonent.users import roles

    reference = [f"notifications.{action}_{model}" for action in ("view", "add", "change")
                 for model in ("notificationtype", "notificationtemplate", "notificationrule", "channelsetting")]
    journal = [f"notifications.view_{model}" for model in ("notification", "campaign", "notificationpreference",
                                                           "notificationcontact")]
    heads = {role: [VIEW, MANAGE, APPROVE, *reference, *journal] for role in roles.HEAD_ROLES}
    return {**heads, roles.RECEPTION: [VIEW], roles.CALL_CENTRE: [VIEW], roles.IT_ADMIN: [VIEW]}


def grant() -> None:
    for role, codes in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="notifications", codename__in=[c.split(".")[1] for c in codes]))


def grant_after_migrate(**kwargs) -> None:
    grant()
