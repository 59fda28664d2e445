"""One demo login per role of the standard's section 1.5, all with the password «demo»."""

from abonent.organisation.models import Department
from abonent.users import roles
from abonent.users.models import User

DEMO_PASSWORD = "demo"  # noqa: S105 - demo data only, refused on production installs
STAFF = [
    # login, last, first, middle, position, department code, role, signatory?, extra token
    ("admin", "Кузнецов", "Андрей", "Викторович", "Начальник отдела информационных технологий", "it",
     roles.IT_ADMIN, False),
    ("reception", "Смирнова", "Ольга", "Петровна", "Специалист группы по приёму потребителей", "reception",
     roles.RECEPTION, False),
    ("callcenter", "Попова", "Наталья", "Сергеевна", "Оператор call-центра", "reception",
     roles.CALL_CENTRE, False),
    ("executor", "Волков", "Дмитрий", "Александрович", "Ведущий инженер отдела технического аудита", "audit",
     roles.EXECUTOR, False),
    ("head", "Морозова", "Елена", "Игоревна", "Руководитель группы по приёму потребителей", "reception",
     roles.RECEPTION_HEAD, False),
    ("sales_head", "Соколов", "Игорь", "Николаевич", "Начальник отдела продаж электроэнергии юридическим лицам",
     "sales", roles.SALES_HEAD, True),
    ("audit_head", "Лебедев", "Сергей", "Михайлович", "Начальник отдела технического аудита", "audit",
     roles.AUDIT_HEAD, False),
    ("signatory", "Новиков", "Павел", "Андреевич", "Заместитель генерального директора по сбыту", "sales",
     roles.SIGNATORY, True),
]
PHONES = {"admin": "+73852501244", "reception": "+73852501240", "callcenter": "+73852501240",
          "executor": "+73852501242", "head": "+73852501245", "sales_head": "+73852501241",
          "audit_head": "+73852501246", "signatory": "+73852501247"}
HEADS = {"reception": "head", "sales": "sales_head", "audit": "audit_head", "it": "admin"}


def seed_staff() -> list[User]:
    roles.sync_roles()
    from django.contrib.auth.models import Group

    users = []
    for login, last, first, middle, position, dept_code, role, signs in STAFF:
        user, created = User.objects.get_or_create(username=login, defaults={
            "last_name": last, "first_name": first, "middle_name": middle, "position": position,
            "department": Department.objects.get(code=dept_code), "phone": PHONES[login],
            "email": f"{login}@bges.ru", "can_sign_replies": signs, "kind": User.Kind.STAFF,
            # Django admin (reference data: calendar, terms, routing, typical answers) for heads and IT.
            "is_staff": login in ("admin", "head", "sales_head", "audit_head"), "is_superuser": login == "admin",
        })
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        users.append(user)
    for dept_code, login in HEADS.items():
        Department.objects.filter(code=dept_code, head__isnull=True).update(head=User.objects.get(username=login))
    return users
