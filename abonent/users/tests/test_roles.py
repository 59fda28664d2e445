import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from abonent.users import roles
from abonent.users.models import User


@pytest.mark.django_db
def test_every_role_of_the_standard_exists_with_its_permissions():
    roles.sync_roles()
    for name, codes in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert set(codes) <= have, f"{name}: нет {set(codes) - have}"


@pytest.mark.django_db
def test_sync_roles_is_idempotent():
    roles.sync_roles()
    counts = {g.name: g.permissions.count() for g in Group.objects.all()}
    roles.sync_roles()
    assert counts == {g.name: g.permissions.count() for g in Group.objects.all()}


def test_reception_specialist_may_edit_customers_but_not_read_the_audit_log(operator):
    assert operator.has_perm("customers.add_customer")
    assert operator.has_perm("customers.view_confidential")
    assert not operator.has_perm("core.view_audit_log")
    assert not operator.has_perm("organisation.change_organisation")


def test_executor_sees_customers_but_cannot_change_them(executor):
    assert executor.has_perm("customers.view_customer")
    assert not executor.has_perm("customers.change_customer")
    assert not executor.has_perm("customers.view_confidential")


def test_head_reads_audit_log_and_edits_calendar(supervisor):
    assert supervisor.has_perm("core.view_audit_log")
    assert supervisor.has_perm("calendar.change_calendarday")


def test_it_admin_edits_organisation_not_customers(it_admin):
    assert it_admin.has_perm("organisation.change_organisation")
    assert it_admin.has_perm("users.add_user")
    assert not it_admin.has_perm("customers.change_customer")


def test_signatory_flag_and_name_formats(signatory):
    assert signatory.can_sign_replies
    assert signatory.full_name == "Новиков Павел Тестович"
    assert signatory.short_name == "Новиков П. Т."
    assert signatory.phone_display == "8 (3852) 50-12-99"


@pytest.mark.django_db
def test_portal_login_cannot_enter_the_back_office(client, organisation):
    User.objects.create_user(username="client1", password="pass", kind=User.Kind.CUSTOMER)
    response = client.post(reverse("login"), {"username": "client1", "password": "pass"})
    assert response.status_code == 200
    assert "Пожалуйста, введите правильные" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_login_lands_on_the_russian_home_page(client, operator):
    from abonent.core.testing.otp import code_for, confirmed_device

    device = confirmed_device(operator)
    client.post(reverse("login"), {"username": "operator", "password": "pass"})
    response = client.post(reverse("security:otp_verify"), {"code": code_for(device)}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Рабочий стол" in page
    assert roles.RECEPTION in page


def test_pages_need_a_login(client, db):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_repeated_wrong_passwords_lock_the_pair_out(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "operator", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "operator", "password": "pass"})
    assert response.status_code == 429
    assert "временно заблокирован" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_changes_are_audited_without_the_password(it_admin, operator):
    from auditlog.models import LogEntry

    operator.position = "Ведущий специалист"
    operator.set_password("new-secret-1")
    operator.save()
    entry = LogEntry.objects.get_for_object(operator).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.changes_dict["position"][1] == "Ведущий специалист"
    assert "password" not in entry.changes_dict


def test_organisation_changes_are_audited(organisation):
    from auditlog.models import LogEntry

    organisation.reception_room = "110"
    organisation.save()
    entry = LogEntry.objects.get_for_object(organisation).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.changes_dict["reception_room"] == ["109", "110"]
