"""The error pages are Russian on every face: without templates of its own Django answers «Not Found» and
«Server Error (500)» in English, and every refusal of another customer's id in the portal is a 404."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from abonent.customers.tests.factories import BillingAccountFactory
from abonent.portal.tests.factories_auth import portal_login

pytestmark = pytest.mark.django_db


def test_a_portal_404_is_russian_with_the_way_back_to_the_portal(client, organisation):
    client.force_login(portal_login())
    response = client.get(reverse("portal:account", args=[BillingAccountFactory().pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Страница не найдена</h1>" in html and '<html lang="ru">' in html
    assert f'href="{reverse("portal:home")}">К лицевым счетам</a>' in html and "личный кабинет" in html
    assert "Not Found" not in html and "requested resource" not in html
    assert "Лицевой счёт не найден" not in html  # the reason is not told: it would confirm the id


@pytest.mark.parametrize(("path", "way_back"), [("/portal/no-such-page/", "К лицевым счетам"),
                                                ("/site/no-such-page/", "На главную страницу сайта"),
                                                ("/no-such-page/", "На главную")])
def test_an_unknown_address_is_a_russian_404_on_every_face(client, organisation, path, way_back):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html and way_back in html and "Not Found" not in html


def test_the_500_page_is_russian_and_needs_no_request_or_database():
    html = render_to_string("500.html")
    assert "<h1>Ошибка на сервере</h1>" in html and "Повторите действие через несколько минут." in html
    assert reverse("portal:home") in html and "Server Error" not in html


@pytest.mark.parametrize(("template", "title"), [("403.html", "Доступ запрещён"), ("400.html", "Неверный запрос")])
def test_403_and_400_pages_are_russian(rf, organisation, template, title):
    html = render_to_string(template, request=rf.get("/portal/x/"))
    assert f"<h1>{title}</h1>" in html and "К лицевым счетам" in html
