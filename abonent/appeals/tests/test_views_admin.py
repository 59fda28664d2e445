import pytest
from django.urls import reverse

from abonent.appeals.models import TypicalAnswer
from abonent.appeals.tests.factories import register

pytestmark = pytest.mark.usefixtures("organisation")


@pytest.fixture
def superuser(organisation):
    from abonent.users.models import User

    return User.objects.create_superuser(username="root", password="pass", email="root@example.ru")


def test_superuser_sees_a_read_only_appeal_list(client, superuser, operator):
    appeal = register(registered_by=operator)
    client.force_login(superuser)
    listing = client.get(reverse("admin:appeals_appeal_changelist"))
    assert listing.status_code == 200
    assert appeal.number in listing.content.decode()
    assert client.get(reverse("admin:appeals_appeal_add")).status_code == 403
    change = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(reverse("admin:appeals_appeal_delete", args=[appeal.pk]), {"post": "yes"}).status_code == 403


def test_reference_data_is_in_the_admin(client, superuser):
    client.force_login(superuser)
    for model in ("urgencycategory", "deadlinepolicy", "routingrule", "typicalanswer"):
        assert client.get(reverse(f"admin:appeals_{model}_changelist")).status_code == 200, model
    client.post(reverse("admin:appeals_typicalanswer_add"), {
        "question": "Как передать показания?", "answer": "В личном кабинете.", "is_active": "on"})
    assert TypicalAnswer.objects.get().question == "Как передать показания?"


def test_a_head_with_admin_access_edits_policy_but_not_appeals(client, supervisor, operator):
    supervisor.is_staff = True  # admin access itself is the IT administrator's decision
    supervisor.save(update_fields=["is_staff"])
    appeal = register(registered_by=operator)
    client.force_login(supervisor)
    assert client.get(reverse("admin:appeals_typicalanswer_changelist")).status_code == 200
    assert client.get(reverse("admin:appeals_routingrule_add")).status_code == 200
    assert client.get(reverse("admin:appeals_appeal_changelist")).status_code == 403
    assert client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).status_code == 403
