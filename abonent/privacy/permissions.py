"""Who may do what with personal data as a whole. Exports of everything held on a person: the head of the
technical audit department (who answers subjects' requests) and the IT administrator. Retention periods and
acts of destruction: the IT administrator; the audit head reads the acts. Legal holds: the heads and the IT
administrator. Granted to the role groups after every migrate (only ever adding), beside
users.roles.ROLE_PERMISSIONS."""

from django.contrib.auth.models import Group, Permission

EXPORT = "privacy.export_personal_data"
RETENTION = "privacy.manage_retention"
LEGAL_HOLD = "privacy.manage_legal_hold"
VIEW_EXPORTS = "privacy.view_subjectexport"
VIEW_ACTS = "privacy.view_retentionrun"


def role_permissions() -> dict[str, list[str]]:
    from abonent.users import roles

    result: dict[str, list[str]] = {role: [LEGAL_HOLD] for role in roles.HEAD_ROLES}
    result[roles.AUDIT_HEAD] = [EXPORT, VIEW_EXPORTS, VIEW_ACTS, LEGAL_HOLD]
    result[roles.IT_ADMIN] = [EXPORT, VIEW_EXPORTS, VIEW_ACTS, RETENTION, LEGAL_HOLD,
                              "privacy.view_retentionpolicy", "privacy.change_retentionpolicy",
                              "privacy.view_legalhold"]
    return result


def grant() -> None:
    for role, codes in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="privacy", codename__in=[c.split(".")[1] for c in codes]))


def grant_after_migrate(**kwargs) -> None:
    grant()
