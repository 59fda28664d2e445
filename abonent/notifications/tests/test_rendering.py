"""Templates render in a sandbox: only the variables passed, no file includes, no loadable libraries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from abonent.notifications import rendering
from abonent.notifications.models import NotificationTemplate


def test_render_uses_russian_money_and_dates():
    text = rendering.render(subject="Долг {{ debt|money }}", body="на {{ day|date:'d.m.Y' }}, {{ day|date_long }}",
                            context={"debt": Decimal("1234.5"), "day": dt.date(2026, 5, 1)})
    assert text == rendering.Rendered(subject="Долг 1\u00a0234,50\u00a0₽", body="на 01.05.2026, «01» мая 2026 г.")


@pytest.mark.parametrize("source", ['{% include "base.html" %}', '{% extends "base.html" %}',
                                    "{% load static %}", "{% load abonent %}"])
def test_sandbox_refuses_files_and_libraries(source):
    with pytest.raises(Exception):  # noqa: B017 - TemplateSyntaxError or TemplateDoesNotExist
        rendering.render(subject="", body=source, context={})


def test_unknown_variables_render_empty():
    assert rendering.render(subject="", body="[{{ settings.SECRET_KEY }}{{ customer.password }}]",
                            context={"customer": {"name": "X"}}).body == "[]"


def test_context_refuses_model_instances(db):
    from abonent.customers.tests.factories import CustomerFactory

    with pytest.raises(TypeError):
        rendering.plain({"customer": CustomerFactory()})


@pytest.mark.django_db
def test_template_with_a_syntax_error_is_refused_in_russian():
    template = NotificationTemplate.objects.get(type__code="debt", channel="email")
    template.body = "{% if %}"
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert error.value.message_dict["body"][0].startswith("Ошибка в шаблоне:")


@pytest.mark.parametrize(("source", "message"), [
    ("{% if %}", "Ошибка в шаблоне: в условии {% if %} не хватает выражения."),
    ("{% if debt %}долг", "Ошибка в шаблоне: не закрыт тег «if» (строка 1): нужен {% endif %}."),
    ("{% for d in documents %}", "Ошибка в шаблоне: не закрыт тег «for» (строка 1): нужен {% endfor %}."),
    ("{% endif %}", "Ошибка в шаблоне: неизвестный или лишний тег «endif» (строка 1)."),
    ("{{ debt|rubles }}", "Ошибка в шаблоне: неизвестный фильтр «rubles» (есть фильтры Django и money, date_long, "
                          "phone, days)."),
    ("{% load static %}", "Ошибка в шаблоне: подключать библиотеки тегов ({% load %}) в уведомлениях нельзя."),
    ("{{ debt| }}", "Ошибка в шаблоне: не удалось разобрать «debt|»."),
    ('{% include "base.html" %}', "Ошибка в шаблоне: подключать другие шаблоны ({% include %}, {% extends %}) в "
                                  "уведомлениях нельзя."),
    ('{% extends "base.html" %}', "Ошибка в шаблоне: подключать другие шаблоны ({% include %}, {% extends %}) в "
                                  "уведомлениях нельзя."),
])
def test_template_errors_are_explained_in_russian(source, message):
    with pytest.raises(ValidationError) as error:
        rendering.check_template(subject="", body=source)
    assert error.value.message_dict == {"body": [message]}


@pytest.mark.django_db
def test_every_seeded_template_compiles():
    for template in NotificationTemplate.objects.all():
        rendering.check_template(subject=template.subject, body=template.body)
