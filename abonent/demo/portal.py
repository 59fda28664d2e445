"""Demo portal logins (password «demo»), their links to the demo customers' billing accounts with each
role, one request waiting for staff, and one account with a known link code for trying the linking.
Runs after seed_customers; a re-run changes nothing."""

from django.utils import timezone

from abonent.customers.models import BillingAccount, PortalAccess
from abonent.demo.staff import DEMO_PASSWORD
from abonent.users.models import User

# Contract numbers of the demo customers (seed_customers): «0003» belongs to a customer with two contracts
# and several accounts, «0001» to another customer, «0002» to a third one used to try linking by code.
MAIN_CONTRACT, OTHER_CONTRACT, TRY_CONTRACT = "0003", "0001", "0002"
DEMO_LINK_CODE = "KEYS2345"
LOGINS = [
    # e-mail, last, first, middle, phone
    ("director@demo.ru", "Егоров", "Виктор", "Иванович", "+79139000001"),
    ("buh@demo.ru", "Павлова", "Светлана", "Николаевна", "+79139000002"),
    ("energo@demo.ru", "Орлов", "Константин", "Дмитриевич", "+79139000003"),
]


def _login(email: str, last: str, first: str, middle: str, phone: str) -> User:
    user, created = User.objects.get_or_create(username=email, defaults={
        "email": email, "kind": User.Kind.CUSTOMER, "last_name": last, "first_name": first, "middle_name": middle,
        "phone": phone, "email_confirmed_at": timezone.now(),
    })
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _accounts(contract_prefix: str) -> list[BillingAccount]:
    return list(BillingAccount.objects.filter(contract__number__startswith=contract_prefix, is_active=True)
                .order_by("contract__number", "number"))


def _link(user: User, account: BillingAccount, role: str, status: str = PortalAccess.Status.ACTIVE,
          comment: str = "") -> None:
    if PortalAccess.objects.filter(user=user, account=account).exists():
        return
    PortalAccess.objects.create(
        user=user, account=account, role=role, status=status, comment=comment,
        granted_via=PortalAccess.GrantedVia.CODE if status == PortalAccess.Status.ACTIVE else
        PortalAccess.GrantedVia.STAFF,
        decided_at=timezone.now() if status == PortalAccess.Status.ACTIVE else None,
    )


def seed() -> dict:
    """Returns what the seed command prints: the logins and the account to try linking with."""
    main, other, trial = _accounts(MAIN_CONTRACT), _accounts(OTHER_CONTRACT), _accounts(TRY_CONTRACT)
    if len(main) < 2 or not other or not trial:
        return {}
    director, buh, energo = (_login(*row) for row in LOGINS)
    Role = PortalAccess.Role
    for account in (main[0], main[1], other[0]):
        _link(director, account, Role.MANAGER)
    for account in main[:2]:
        _link(buh, account, Role.ACCOUNTANT)
    _link(energo, main[0], Role.ENERGY_MANAGER)
    _link(energo, main[1], Role.ENERGY_MANAGER, status=PortalAccess.Status.PENDING,
          comment="Главный энергетик, доверенность № 17/Д от 12.01.2026")
    BillingAccount.objects.filter(pk=trial[0].pk).update(link_code=DEMO_LINK_CODE)
    return {
        "main_customer": main[0].contract.customer, "main_accounts": main[:2],
        "other_customer": other[0].contract.customer, "other_account": other[0],
        "trial_account": trial[0], "trial_inn": trial[0].contract.customer.inn,
    }


def lines(result: dict) -> list[str]:
    """The lines the seed command prints about the portal."""
    if not result:
        return ["Личный кабинет: демо-клиенты не загружены, учётные записи не созданы."]
    main = ", ".join(a.number for a in result["main_accounts"])
    trial = result["trial_account"]
    return [
        f"Личный кабинет /portal/ (пароль у всех «{DEMO_PASSWORD}»):",
        f"  director@demo.ru  руководитель: {result['main_customer']} (л/с {main}) и "
        f"{result['other_customer']} (л/с {result['other_account'].number})",
        f"  buh@demo.ru       бухгалтер: {result['main_customer']} (л/с {main})",
        f"  energo@demo.ru    энергетик: л/с {result['main_accounts'][0].number}; заявка на л/с "
        f"{result['main_accounts'][1].number} ждёт решения (карточка клиента → «Доступ к личному кабинету»)",
        f"  Подключить счёт по коду: договор {trial.contract.number}, ИНН {result['trial_inn']}, "
        f"код {DEMO_LINK_CODE} (л/с {trial.number})",
    ]
