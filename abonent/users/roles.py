"""The roles of the standard's section 1.5 as groups with permissions. One table, kept in step with the
code after every migrate; the IT administrator may add permissions to a group in the admin, and this
only ever adds what the code needs."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

RECEPTION = "Специалист группы по приёму потребителей"
CALL_CENTRE = "Оператор call-центра"
EXECUTOR = "Исполнитель подразделения"
RECEPTION_HEAD = "Руководитель группы по приёму потребителей"
SALES_HEAD = "Начальник отдела продаж электроэнергии юридическим лицам"
AUDIT_HEAD = "Начальник отдела технического аудита"
IT_ADMIN = "Администратор ИТ"
SIGNATORY = "Уполномоченное должностное лицо (подпись ответов)"

HEAD_ROLES = (RECEPTION_HEAD, SALES_HEAD, AUDIT_HEAD)

_CUSTOMER_VIEW = [
    "customers.view_customer", "customers.view_contract", "customers.view_billingaccount",
    "customers.view_contactperson", "customers.view_representative",
]
_CUSTOMER_EDIT = [
    "customers.add_customer", "customers.change_customer",
    "customers.add_contract", "customers.change_contract",
    "customers.add_billingaccount", "customers.change_billingaccount",
    "customers.add_contactperson", "customers.change_contactperson", "customers.delete_contactperson",
    "customers.add_representative", "customers.change_representative",
]
_APPEALS_WORK = [
    "appeals.view_appeal", "appeals.register_appeal", "appeals.work_on_appeal",
]
_SITE_CONTENT = [
    f"site.{action}_{model}" for model in ("infopage", "newsitem", "documenttemplate", "documenttemplateversion")
    for action in ("view", "add", "change")
] + ["site.view_websubmission"]
_HEAD = [
    "appeals.reassign_appeal", "appeals.extend_deadline", "appeals.decide_non_consideration",
    "appeals.control_appeals", "appeals.manage_policy",
    "calendar.view_calendarday", "calendar.add_calendarday", "calendar.change_calendarday",
    "calendar.delete_calendarday", "calendar.view_calendaryear",
    "core.view_audit_log", "customers.view_confidential",
    "feedback.build_questionnaire", "feedback.view_feedback",
    "billing.view_readinggroup", "billing.add_readinggroup", "billing.change_readinggroup",
    "reports.view_reports", "reports.write_proposals",
    *_SITE_CONTENT,
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    RECEPTION: _CUSTOMER_VIEW + _CUSTOMER_EDIT + _APPEALS_WORK + ["customers.view_confidential"],
    # Operators answer questions about payments and take readings by phone (standard 2.2.3).
    CALL_CENTRE: _CUSTOMER_VIEW + _APPEALS_WORK + ["customers.view_confidential"],
    EXECUTOR: _CUSTOMER_VIEW + ["appeals.view_appeal", "appeals.work_on_appeal"],
    RECEPTION_HEAD: _CUSTOMER_VIEW + _CUSTOMER_EDIT + _APPEALS_WORK + _HEAD,
    SALES_HEAD: _CUSTOMER_VIEW + _CUSTOMER_EDIT + _APPEALS_WORK + _HEAD + ["billing.import_billing_data"],
    AUDIT_HEAD: _CUSTOMER_VIEW + ["appeals.view_appeal", "appeals.work_on_appeal"] + _HEAD,
    IT_ADMIN: [
        "organisation.view_organisation", "organisation.change_organisation",
        "organisation.view_department", "organisation.add_department", "organisation.change_department",
        "organisation.view_topic", "organisation.add_topic", "organisation.change_topic",
        "organisation.view_workinghours", "organisation.add_workinghours", "organisation.change_workinghours",
        "organisation.delete_workinghours", "organisation.view_mailbox", "organisation.add_mailbox",
        "organisation.change_mailbox",
        "users.view_user", "users.add_user", "users.change_user",
        "auth.view_group", "core.view_audit_log", "core.view_operations", "billing.import_billing_data",
        "calendar.view_calendarday", "calendar.view_calendaryear",
        *_SITE_CONTENT,
    ] + _CUSTOMER_VIEW,
    SIGNATORY: _CUSTOMER_VIEW + ["appeals.view_appeal", "appeals.approve_reply"],
}


def _permissions(codes: list[str]) -> list[Permission]:
    query = Q()
    for code in codes:
        app_label, codename = code.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def sync_roles() -> None:
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(codes))


def sync_roles_after_migrate(app_config, **kwargs) -> None:
    from django.apps import apps

    # post_migrate fires once per app; the permissions of all apps exist only after the last one.
    if app_config.label == list(apps.get_app_configs())[-1].label:
        sync_roles()
