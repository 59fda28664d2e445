"""Report pages: who may open them, the filter form driving them, Russian errors for bad input."""

import pytest
from django.urls import reverse

from abonent.reports.tests.conftest import staff
from abonent.users import roles
from abonent.users.models import User

pytestmark = pytest.mark.django_db
SLUGS = ["appeals", "deadlines", "complaints", "non-consideration", "calls", "notices", "surveys"]


def urls() -> list[str]:
    return [reverse("reports:index"), reverse("reports:monthly"), reverse("reports:monthly_export", args=["xlsx"]),
            *(reverse("reports:report", args=[s]) for s in SLUGS),
            reverse("reports:report_export", args=["appeals", "xlsx"])]


@pytest.mark.parametrize("role", [roles.SALES_HEAD, roles.RECEPTION_HEAD, roles.AUDIT_HEAD])
def test_head_roles_open_every_report(client, report_roles, now, role):
    client.force_login(staff("head", role, "sales"))
    for url in urls():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [roles.RECEPTION, roles.CALL_CENTRE, roles.EXECUTOR, roles.IT_ADMIN,
                                  roles.SIGNATORY])
def test_staff_outside_head_roles_get_403(client, report_roles, now, role):
    client.force_login(staff("worker", role, "reception"))
    for url in urls():
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reports:send"), {"month": "2026-10", "token": "a" * 32}).status_code == 403
    assert client.post(reverse("reports:proposals"), {"month": "2026-10", "text": "x"}).status_code == 403


def test_customer_login_gets_403(client, report_roles, now):
    client.force_login(User.objects.create_user(username="client1", password="pass", kind=User.Kind.CUSTOMER))
    for url in urls():
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, report_roles):
    response = client.get(reverse("reports:monthly"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_report_page_shows_the_figures_with_charts(client, sales_head, october):
    client.force_login(sales_head)
    response = client.get(reverse("reports:report", args=["appeals"]), {"month": "2026-10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="table-by_channel"' in html and "37,5\u00a0%" in html  # e-mail: 3 of 8
    assert "12,4" in html  # the average reply time, days
    assert html.count('src="data:image/svg+xml;base64,') >= 6
    assert "<script" not in html.split("<main>")[1]


def test_calls_page(client, sales_head, october):
    client.force_login(sales_head)
    html = client.get(reverse("reports:report", args=["calls"]), {"month": "2026-10"}).content.decode()
    assert "3\u00a0мин\u00a045\u00a0с" in html and "60,0\u00a0%" in html


def test_notices_and_surveys_pages(client, sales_head, october):
    client.force_login(sales_head)
    html = client.get(reverse("reports:report", args=["notices"]), {"month": "2026-10"}).content.decode()
    assert 'id="table-notices_by_channel"' in html and "75,0\u00a0%" in html
    html = client.get(reverse("reports:report", args=["surveys"]), {"month": "2026-10"}).content.decode()
    assert 'id="table-surveys_by_department"' in html and "3,25" in html and "66,7\u00a0%" in html


def test_unknown_report_is_404(client, sales_head):
    client.force_login(sales_head)
    assert client.get(reverse("reports:report", args=["nothing"])).status_code == 404
    assert client.get(reverse("reports:report_export", args=["appeals", "doc"])).status_code == 404


@pytest.mark.parametrize(("params", "error"), [
    ({"date_from": "2026-10-10", "date_to": "2026-10-01"}, "Дата начала периода позже даты окончания."),
    ({"date_from": "2026-10-10"}, "Для своего периода укажите обе даты: начало и окончание."),
    ({"date_from": "2025-01-01", "date_to": "2026-10-01"}, "Период отчёта — не длиннее 366 дней."),
    ({"date_from": "10/10/2026", "date_to": "2026-10-11"}, "Введите дату в формате ДД.ММ.ГГГГ."),
    ({"month": "1999-01"}, "Выберите месяц из списка."),
    ({"department": "99999"}, "Такого подразделения нет в списке."),
    ({"channel": "pigeon"}, "Такого канала нет в списке."),
])
def test_bad_filter_is_a_russian_error(client, sales_head, now, params, error):
    client.force_login(sales_head)
    response = client.get(reverse("reports:report", args=["appeals"]), params)
    assert response.status_code == 400
    assert error in response.content.decode()
    export = client.get(reverse("reports:report_export", args=["appeals", "xlsx"]), params)
    assert export.status_code == 400


def test_custom_period(client, sales_head, october):
    client.force_login(sales_head)
    response = client.get(reverse("reports:report", args=["appeals"]),
                          {"date_from": "2026-10-01", "date_to": "2026-10-05"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "01.10.2026 — 05.10.2026" in html
    assert 'href="/reports/appeals/report.xlsx?date_from=2026-10-01&amp;date_to=2026-10-05"' in html


def test_department_filter_on_the_page(client, sales_head, october):
    client.force_login(sales_head)
    sales = october.departments["sales"]
    html = client.get(reverse("reports:report", args=["appeals"]),
                      {"month": "2026-10", "department": sales.pk}).content.decode()
    assert f"Подразделение: {sales.name}" in html
    assert "Отдел технического аудита" not in html.split("Поступило по подразделениям")[1].split("</table>")[0]


def test_staff_outside_all_departments_view_sees_only_their_own(client, report_roles, october):
    """Someone granted the reports who does not see every appeal (an executor) gets their department only."""
    from django.contrib.auth.models import Permission

    user = staff("auditor", roles.EXECUTOR, "audit")
    user.user_permissions.add(Permission.objects.get(codename="view_reports"))
    client.force_login(user)
    response = client.get(reverse("reports:report", args=["appeals"]), {"month": "2026-10"})
    assert "Подразделение: Отдел технического аудита" in response.content.decode()
    assert response.context["filter"].department == october.departments["audit"]
    other = client.get(reverse("reports:report", args=["appeals"]),
                       {"month": "2026-10", "department": october.departments["sales"].pk})
    assert other.status_code == 400
